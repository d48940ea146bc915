"""Helpers shared by the benchmark scripts: run them from the repository root with
DATABASE_URL pointing at MySQL/MariaDB (for example `make bench`)."""

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import django

ROOT = Path(__file__).resolve().parent.parent


def setup_django(*, server_only: bool = False) -> None:
    """Django for the benchmark's own queries. With `server_only` they reach the server, not
    DATABASE_URL's database, which need not exist: the script works in scratch databases."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "core.settings")
    django.setup()
    from django.db import connection

    if connection.vendor != "mysql":
        sys.exit("benchmarks compare against MySQL itself: set DATABASE_URL=mysql://...")
    if server_only:  # the MySQL backend then connects without choosing a database
        connection.settings_dict["NAME"] = ""


def manage(*args: str, env: dict[str, str] | None = None) -> tuple[float, int]:
    """Run a management command; return its wall time and its own peak RSS in MiB."""
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "manage.py"), *args], env={**os.environ, **(env or {})}
    )
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    if status != 0:
        sys.exit(f"manage.py {' '.join(args)} failed with status {status}")
    return elapsed, usage.ru_maxrss // 1024


@contextmanager
def scratch_database(suffix: str) -> Iterator[str]:
    """A new, migrated database `bench_<suffix>` on DATABASE_URL's server, dropped afterwards;
    yields its name. Commands reach it with scratch_env(name)."""
    from django.db import connection

    name = f"bench_{suffix}"
    with connection.cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS `{name}`")
        cursor.execute(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4")
    try:
        manage("migrate", "--verbosity=0", env=scratch_env(name))
        yield name
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS `{name}`")


def scratch_env(name: str) -> dict[str, str]:
    return {"DATABASE_URL": os.environ["DATABASE_URL"].rsplit("/", 1)[0] + f"/{name}"}


def report(title: str, rows: list[tuple[str, float]], project: str) -> None:
    """Print each timing with its ratio to the project's figure."""
    print(f"\n{title}")
    ours = dict(rows)[project]
    for name, seconds in rows:
        print(f"  {name:<44} {seconds:8.1f} s   project/this = {ours / seconds:5.2f}")
