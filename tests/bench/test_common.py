"""The benchmarks' shared helpers, as an operator meets them: Redis down, a run killed with -9,
a second run at once, an unreachable server."""

import argparse
import os
import select
import subprocess
import sys
from typing import Any

import _common
import pytest
from django.db import connection

from tests.conftest import ROOT, mysql_only

MIB = 1 << 20


def test_redis_down_at_cleanup_warns_and_keeps_the_results(monkeypatch, capsys) -> None:
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:1/0")  # nothing listens there
    _common.cache_entries_drop("bench_test")
    assert "warning: bench_test's cache keys are left in Redis" in capsys.readouterr().err


def test_children_are_terminated_when_the_benchmark_is_killed_with_9() -> None:
    parent = subprocess.Popen(
        [sys.executable, "-c", PARENT, str(ROOT / "bench")],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert parent.stdout is not None
    child = int(parent.stdout.readline())
    ended = os.pidfd_open(child)
    try:
        parent.kill()
        parent.wait()
        readable, _, _ = select.select([ended], [], [], 30)
        assert readable == [ended], "the child outlived its parent"
    finally:
        os.close(ended)
        if not readable:
            os.kill(child, 9)


# A benchmark that starts a long child through spawn, says its pid, and waits to be killed.
PARENT = """
import sys
sys.path.insert(0, sys.argv[1])
from _common import spawn
child = spawn([sys.executable, "-c", "import signal; signal.pause()"])
print(child.pid, flush=True)
sys.stdin.read()
"""


def test_a_failed_command_reports_its_exit_code() -> None:
    with pytest.raises(
        SystemExit, match=r"manage\.py check --no-such-option failed with exit code 2"
    ):
        _common.manage("check", "--no-such-option")


def test_scratch_env_keeps_the_database_url_options(monkeypatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "mysql://u:p%40ss@db:3307/main?ssl_mode=REQUIRED")
    env = _common.scratch_env("bench_x")
    assert env["DATABASE_URL"] == "mysql://u:p%40ss@db:3307/bench_x?ssl_mode=REQUIRED"
    assert env["CACHE_KEY_PREFIX"] == "bench_x"


@mysql_only  # the MySQL driver is installed only then
def test_an_unreachable_server_is_one_line(command_env) -> None:
    env = {**command_env, "DATABASE_URL": "mysql://root@127.0.0.1:1/ticketing"}
    result = subprocess.run(
        [sys.executable, ROOT / "bench" / "serve.py"], env=env, capture_output=True, text=True
    )
    assert result.returncode == 1
    assert result.stderr.startswith("cannot reach the database server: (2002, ")
    assert result.stderr.count("\n") == 1


@pytest.mark.parametrize("text", ["0", "-5", "4X", "1T", "1000000M"])
def test_a_bad_buffer_pool_size_is_refused(text) -> None:
    with pytest.raises(argparse.ArgumentTypeError, match="expected a size like 512M or 4G"):
        _common.pool_size(text)


@pytest.mark.parametrize("text", ["1", "31M", "999999G"])
def test_a_buffer_pool_too_small_or_beyond_half_the_memory_is_refused(text) -> None:
    with pytest.raises(argparse.ArgumentTypeError, match="a buffer pool takes from 32M to "):
        _common.pool_size(text)


def test_a_buffer_pool_from_32m_is_taken() -> None:
    assert _common.pool_size("32M") == 32 << 20
    assert _common.pool_size("1g") == 1 << 30


@mysql_only
@pytest.mark.django_db
def test_the_buffer_pool_is_not_resized_while_another_run_holds_it() -> None:
    other = _server_connection()
    try:
        other.query(f"SELECT GET_LOCK('{_common.POOL_LOCK}', 0)")
        before = _pool_size()
        refused = pytest.raises(SystemExit, match="another benchmark has resized the buffer pool")
        with refused, _common.buffer_pool(before + 128 * MIB):
            pass
        assert _pool_size() == before
    finally:
        other.close()


@mysql_only
@pytest.mark.django_db
def test_a_run_restores_the_size_that_a_run_killed_with_9_changed() -> None:
    own = _pool_size()
    record = _common.pool_record()
    # What a killed run leaves: the server at its size, the server's own size recorded.
    _pool_resize(own + 128 * MIB)
    record.write_text(str(own))
    try:
        with _common.buffer_pool(own + 128 * MIB) as size:
            assert size == own + 128 * MIB
        assert _pool_size() == own
        assert not record.exists()
    finally:
        _pool_resize(own)
        record.unlink(missing_ok=True)


def _server_connection() -> Any:
    import MySQLdb  # only installed for MySQL

    settings = connection.settings_dict
    return MySQLdb.connect(
        host=settings["HOST"] or "127.0.0.1",
        port=int(settings["PORT"] or 3306),
        user=settings["USER"],
        password=settings["PASSWORD"],
    )


def _pool_size() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT @@innodb_buffer_pool_size")
        return int(cursor.fetchone()[0])


def _pool_resize(size: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SET GLOBAL innodb_buffer_pool_size = %s", [size])
