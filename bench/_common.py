"""Helpers shared by the benchmark scripts: run them from the repository root with
DATABASE_URL pointing at MySQL/MariaDB (for example `make bench`)."""

import os
import signal
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
    # A kill unwinds like Ctrl-C does, so the scratch databases are dropped.
    signal.signal(signal.SIGTERM, lambda number, frame: sys.exit(128 + number))
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
    try:
        _, status, usage = os.wait4(process.pid, 0)
    except BaseException:  # interrupted: the command must not outlive its scratch database
        process.terminate()
        process.wait()
        raise
    elapsed = time.perf_counter() - started
    if status != 0:
        sys.exit(f"manage.py {' '.join(args)} failed with status {status}")
    return elapsed, usage.ru_maxrss // 1024


@contextmanager
def scratch_database(suffix: str) -> Iterator[str]:
    """A new, migrated database `bench_<suffix>` on DATABASE_URL's server, dropped afterwards
    with the cache entries made on it; yields its name. Commands reach it with
    scratch_env(name)."""
    from django.db import connection

    name = f"bench_{suffix}"
    with connection.cursor() as cursor:
        # Held by this connection until it ends: a second run of the same benchmark would
        # drop the database under the first.
        cursor.execute("SELECT GET_LOCK(%s, 0)", [name])
        if cursor.fetchone() != (1,):
            sys.exit(f"{name} is in use by another run of this benchmark")
        cursor.execute(f"DROP DATABASE IF EXISTS `{name}`")
        cursor.execute(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4")
    try:
        manage("migrate", "--verbosity=0", env=scratch_env(name))
        yield name
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS `{name}`")
            cursor.execute("SELECT RELEASE_LOCK(%s)", [name])
        cache_entries_drop(name)


def scratch_env(name: str) -> dict[str, str]:
    """The environment of a command on scratch database `name`. Its cache keys get a prefix of
    their own: an entry made on a scratch database must never answer for the real one."""
    return {
        "DATABASE_URL": os.environ["DATABASE_URL"].rsplit("/", 1)[0] + f"/{name}",
        "CACHE_KEY_PREFIX": name,
    }


def cache_entries_drop(prefix: str) -> None:
    """Delete the Redis keys of commands run with CACHE_KEY_PREFIX=prefix (without REDIS_URL
    their cache was their own memory, gone with them)."""
    url = os.environ.get("REDIS_URL")
    if not url:
        return
    import redis

    client = redis.Redis.from_url(url)
    keys = list(client.scan_iter(match=f"{prefix}:*", count=1000))
    for start in range(0, len(keys), 1000):
        client.delete(*keys[start : start + 1000])


def use_database(name: str) -> None:
    """This process's own queries go to database `name` from now on, on the same connection
    (it holds the scratch database's lock)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"USE `{name}`")
    connection.settings_dict["NAME"] = name


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
