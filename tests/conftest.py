import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache
from django.db import connection

from utils.jobs import JobDraft, job_open
from utils.models import Job

ROOT = Path(__file__).resolve().parent.parent

Manage = Callable[..., subprocess.CompletedProcess[str]]
Spawn = Callable[..., "subprocess.Popen[str]"]

# A job command whose chunks are slow on purpose, started like manage.py (see slow_job.py).
SLOW_JOB = ("-m", "tests.utils.jobs.slow_job")

# For what only a database server has (KILL CONNECTION, other sessions' locks). CI runs the
# suite on MariaDB too, where these run.
mysql_only = pytest.mark.skipif(
    connection.vendor != "mysql", reason="needs MySQL/MariaDB (CI runs the suite on both)"
)


def until_a_transaction_waits_for_a_lock(seconds: float = 10) -> None:
    """Return once the server shows a transaction on this database waiting for a row lock, or
    after `seconds`.
    On SQLite, whose writers queue on the whole database before they start, at once."""
    deadline = time.monotonic() + seconds
    while connection.vendor == "mysql" and time.monotonic() < deadline:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT COUNT(*) FROM information_schema.INNODB_TRX t"
                " JOIN information_schema.PROCESSLIST p ON p.ID = t.trx_mysql_thread_id"
                " WHERE t.trx_state = 'LOCK WAIT' AND p.DB = DATABASE()"
            )
            if cursor.fetchone()[0]:
                return
        # Polling the server for the condition, not waiting for a time. InnoDB refreshes this
        # table only when it was not read in the last 100 ms: ask less often than that.
        time.sleep(0.2)


@pytest.fixture
def make_job() -> Callable[..., Job]:
    """A job of `kind` over [0, rows) in chunks of `chunk_size` (1 for a new job; a resume
    keeps the job's unless given)."""

    def make(
        rows: int = 10, chunk_size: int | None = None, kind: str = "test", **options: bool
    ) -> Job:
        draft = JobDraft(params={"rows": rows}, scope_lo=0, scope_hi=rows, total=rows)
        resume = options.get("resume", False)
        return job_open(
            kind=kind,
            draft=lambda: draft,
            requested={},
            batch_size=chunk_size or (None if resume else 1),
            resume=resume,
            abandon=options.get("abandon", False),
        )

    return make


@pytest.fixture(autouse=True)
def empty_cache() -> None:
    """Answers cached by an earlier test describe its data, not this test's: and each test's
    database starts its cache generations afresh. (On Redis this empties REDIS_URL's db.)"""
    cache.clear()


def database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    credentials = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"mysql://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 3306}/{db['NAME']}"


@pytest.fixture
def command_env(transactional_db: None) -> dict[str, str]:
    """Environment for a `manage.py` subprocess that works on the test database."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "core.settings",
        "DATABASE_URL": database_url(),
        "PYTHONUNBUFFERED": "1",
        # A progress line per committed batch: tests wait on these lines, never on time.
        "JOB_PROGRESS_SECONDS": "0",
    }


@pytest.fixture
def manage(command_env: dict[str, str]) -> Manage:
    """Run a management command in a real subprocess and return its result."""

    def run(
        *args: str, env_extra: dict[str, str] | None = None, **kwargs: Any
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, *_program(args)],
            cwd=ROOT,
            env={**command_env, **(env_extra or {})},
            capture_output=True,
            text=True,
            timeout=300,
            **kwargs,
        )

    return run


@pytest.fixture
def spawn(command_env: dict[str, str]) -> Spawn:
    """Start a management command in the background; its stderr is a pipe to read."""

    def start(*args: str) -> "subprocess.Popen[str]":
        return subprocess.Popen(
            [sys.executable, *_program(args)],
            cwd=ROOT,
            env=command_env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    return start


def _program(args: tuple[str, ...]) -> list[str]:
    """`args` of manage.py, or of a module when they start with -m."""
    return list(args) if args[:1] == ("-m",) else [str(ROOT / "manage.py"), *args]


def progress_lines(process: "subprocess.Popen[str]", count: int) -> str:
    """Read `count` progress lines (each one a committed batch) from the process's stderr."""
    assert process.stderr is not None
    lines = [process.stderr.readline() for _ in range(count)]
    assert all(" rows/s, ETA " in line for line in lines), lines
    return "".join(lines)


def signal_after_batches(process: "subprocess.Popen[str]", batches: int, signum: int) -> str:
    """Wait for `batches` committed batches, then send the signal and wait for the process;
    return everything it wrote to stderr."""
    lines = progress_lines(process, batches)
    process.send_signal(signum)
    _, rest = process.communicate(timeout=120)
    return lines + rest
