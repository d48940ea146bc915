"""Helpers shared by the benchmark scripts: run them from the repository root with
DATABASE_URL pointing at MySQL/MariaDB (for example `make bench`)."""

import argparse
import ctypes
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import django
from django.core.exceptions import ImproperlyConfigured

ROOT = Path(__file__).resolve().parent.parent
# A run's files and databases take about 1 KB a ticket: beyond this it would fill the disk.
MAX_ROWS = 50_000_000
POOL_LOWEST = 32 << 20


def setup_django(*, server_only: bool = False) -> None:
    """Django for the benchmark's own queries. With `server_only` they reach the server, not
    DATABASE_URL's database, which need not exist: the script works in scratch databases."""
    sys.path.insert(0, str(ROOT))
    # A kill unwinds like Ctrl-C does, so the scratch databases are dropped.
    signal.signal(signal.SIGTERM, lambda number, frame: sys.exit(128 + number))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "core.settings")
    try:
        django.setup()
    except ImproperlyConfigured as error:
        sys.exit(f"DATABASE_URL: {error}")
    from django.db import OperationalError, connection

    if connection.vendor != "mysql":
        sys.exit("benchmarks compare against MySQL itself: set DATABASE_URL=mysql://...")
    if server_only:  # the MySQL backend then connects without choosing a database
        connection.settings_dict["NAME"] = ""
    try:
        connection.ensure_connection()
    except OperationalError as error:
        sys.exit(f"cannot reach the database server: {error}")


def spawn(args: list[str], **options: Any) -> "subprocess.Popen[Any]":
    """A child process that gets SIGTERM when this one dies, even by kill -9: no command or
    server may outlive the scratch database it works in."""
    return subprocess.Popen(args, preexec_fn=_terminated_with(os.getpid()), **options)


_PR_SET_PDEATHSIG = 1  # Linux's prctl option: the signal a child gets when its parent dies


def _terminated_with(parent: int) -> Callable[[], None]:
    def arrange() -> None:
        ctypes.CDLL(None).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
        if os.getppid() != parent:  # the parent died before the signal was arranged
            os._exit(1)

    return arrange


def manage(*args: str, env: dict[str, str] | None = None) -> tuple[float, int]:
    """Run a management command; return its wall time and its own peak RSS in MiB."""
    started = time.perf_counter()
    process = spawn(
        [sys.executable, str(ROOT / "manage.py"), *args], env={**os.environ, **(env or {})}
    )
    try:
        _, status, usage = os.wait4(process.pid, 0)
    except BaseException:  # interrupted: the command must not outlive its scratch database
        process.terminate()
        process.wait()
        raise
    elapsed = time.perf_counter() - started
    if status != 0:
        code = os.waitstatus_to_exitcode(status)
        sys.exit(f"manage.py {' '.join(args)} failed with exit code {code}")
    return elapsed, usage.ru_maxrss // 1024


@contextmanager
def scratch_database(suffix: str) -> Iterator[str]:
    """A new, migrated database `bench_<suffix>` on DATABASE_URL's server, dropped afterwards
    with the cache entries made on it; yields its name. Commands reach it with
    scratch_env(name)."""
    from django.db import connection

    name = f"bench_{suffix}"
    with connection.cursor() as cursor:
        # A second run of the same benchmark would drop the database under the first.
        _lock(cursor, name, f"{name} is in use by another run of this benchmark")
        cursor.execute(f"DROP DATABASE IF EXISTS `{name}`")
        cursor.execute(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4")
    # A run that could not delete its entries left them: they must not answer for this one.
    cache_entries_drop(name)
    try:
        manage("migrate", "--verbosity=0", env=scratch_env(name))
        yield name
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS `{name}`")
            cursor.execute("SELECT RELEASE_LOCK(%s)", [name])
        cache_entries_drop(name)


def _lock(cursor: Any, name: str, refusal: str) -> None:
    """Take the server's named lock `name` for this connection, until it ends or releases it;
    exit with `refusal` if another connection holds it."""
    cursor.execute("SELECT GET_LOCK(%s, 0)", [name])
    if cursor.fetchone() != (1,):
        sys.exit(refusal)


@contextmanager
def scratch_folder(name: str) -> Iterator[Path]:
    """An empty private folder for the files of the run that holds scratch database `name`,
    removed afterwards. A run killed with -9 leaves it for the next run to empty."""
    folder = Path(tempfile.gettempdir(), name)
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(mode=0o700)
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def scratch_env(name: str) -> dict[str, str]:
    """The environment of a command on scratch database `name` (DATABASE_URL's options kept).
    Its cache keys get a prefix of their own: an entry made on a scratch database must never
    answer for the real one."""
    url = urlsplit(os.environ["DATABASE_URL"])
    return {"DATABASE_URL": url._replace(path=f"/{name}").geturl(), "CACHE_KEY_PREFIX": name}


def cache_entries_drop(prefix: str) -> None:
    """Delete the Redis keys of commands run with CACHE_KEY_PREFIX=prefix (without REDIS_URL
    their cache was their own memory, gone with them)."""
    url = os.environ.get("REDIS_URL")
    if not url:
        return
    import redis

    client = redis.Redis.from_url(url, socket_timeout=10)
    try:
        keys = list(client.scan_iter(match=f"{prefix}:*", count=1000))
        for start in range(0, len(keys), 1000):
            client.delete(*keys[start : start + 1000])
    except redis.RedisError as error:  # the results matter more than the leftovers
        print(f"warning: {prefix}'s cache keys are left in Redis: {error}", file=sys.stderr)


def use_database(name: str) -> None:
    """This process's own queries go to database `name` from now on, on the same connection
    (it holds the scratch database's lock)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"USE `{name}`")
    connection.settings_dict["NAME"] = name


def scratch_tickets(name: str, count: int) -> None:
    """Seed scratch database `name` with 1,000 customers, 10,000 orders and `count` tickets,
    then make it this process's database (see use_database)."""
    env = scratch_env(name)
    manage("seed_users", "--count=1000", "--seed=7", env=env)
    manage("seed_orders", "--count=10000", "--seed=7", env=env)
    manage("seed_tickets", f"--count={count}", "--seed=7", env=env)
    use_database(name)


def mariadb_client(database: str, sql: str, output: Path) -> float:
    """Seconds for the mariadb client to run `sql` in `database`, its rows written to `output`
    as they come: tab-separated, raw, without column names."""
    from django.db import connection

    settings = connection.settings_dict
    client = [
        "mariadb",
        f"--host={settings['HOST'] or '127.0.0.1'}",
        f"--port={settings['PORT'] or 3306}",
        f"--user={settings['USER']}",
        "--batch",
        "--skip-column-names",
        "--raw",
        database,
    ]
    # The password by the environment: on the command line, ps would show it.
    env = {**os.environ, "MYSQL_PWD": settings["PASSWORD"] or ""}
    started = time.perf_counter()
    with output.open("wb") as file:
        subprocess.run(client, input=sql.encode(), stdout=file, env=env, check=True)
    return time.perf_counter() - started


def report(title: str, rows: list[tuple[str, float]], project: str) -> None:
    """Print each timing with its ratio to the project's figure."""
    print(f"\n{title}")
    ours = dict(rows)[project]
    for name, seconds in rows:
        print(f"  {name:<44} {seconds:8.1f} s   project/this = {ours / seconds:5.2f}")


def whole_number(highest: int = MAX_ROWS) -> Callable[[str], int]:
    """An argument type: a positive whole number, at most `highest`."""
    from utils.management.base import int_between

    return int_between(1, highest)


def pool_size(text: str) -> int:
    """An argument type: an InnoDB buffer pool's size in bytes, written like 512M or 4G, from
    32M (below it the figures say nothing) to half this machine's memory (the server must
    not take what the benchmark's own processes need)."""
    found = re.fullmatch(r"([1-9][0-9]{0,5})([KMG]?)", text.upper())
    if found is None:
        raise argparse.ArgumentTypeError(f"expected a size like 512M or 4G, got {text!r}")
    size = int(found.group(1)) << {"": 0, "K": 10, "M": 20, "G": 30}[found.group(2)]
    highest = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 2
    if not POOL_LOWEST <= size <= highest:
        raise argparse.ArgumentTypeError(
            f"a buffer pool takes from 32M to {highest >> 20}M here, got {text!r}"
        )
    return size


def compose_buffer_pool() -> int:
    """The InnoDB buffer pool that docker-compose.yml gives the server."""
    found = re.search(r"--innodb-buffer-pool-size=(\w+)", (ROOT / "docker-compose.yml").read_text())
    if found is None:
        sys.exit("docker-compose.yml sets no --innodb-buffer-pool-size")
    return pool_size(found.group(1))


POOL_LOCK = "bench_buffer_pool"


def pool_record() -> Path:
    """Where the server's own buffer pool size is kept while a run has changed it: a run killed
    with -9 leaves it there, for the next run to restore."""
    from django.db import connection

    settings = connection.settings_dict
    return Path(tempfile.gettempdir(), f"{POOL_LOCK}_{settings['HOST']}_{settings['PORT']}")


@contextmanager
def buffer_pool(size: int | None) -> Iterator[int]:
    """The server's InnoDB buffer pool at `size` bytes (default: docker-compose.yml's) for the
    duration, then at its own size again; yields the size. One run at a time may resize it."""
    from django.db import connection

    record = pool_record()
    with connection.cursor() as cursor:
        _lock(cursor, POOL_LOCK, "another benchmark has resized the buffer pool for its run")
        if not record.exists():
            cursor.execute("SELECT @@innodb_buffer_pool_size")
            record.write_text(str(cursor.fetchone()[0]))
        cursor.execute("SET GLOBAL innodb_buffer_pool_size = %s", [size or compose_buffer_pool()])
        cursor.execute("SELECT @@innodb_buffer_pool_size")
        (resized,) = cursor.fetchone()
    try:
        yield resized
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SET GLOBAL innodb_buffer_pool_size = %s", [int(record.read_text())])
            record.unlink()
            cursor.execute("SELECT RELEASE_LOCK(%s)", [POOL_LOCK])
