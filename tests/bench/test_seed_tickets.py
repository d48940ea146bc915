"""bench/seed_tickets.py as an operator runs it: bad counts, a temporary folder whose path has
a quote, a server that refuses LOAD DATA LOCAL. Each refusal comes before any seeding."""

import subprocess
import sys

import pytest
from django.db import connection

from tests.conftest import ROOT, mysql_only

pytestmark = [mysql_only, pytest.mark.django_db(transaction=True)]


def seed_tickets(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, ROOT / "bench" / "seed_tickets.py", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.mark.parametrize(
    ("count", "error"),
    [
        ("0", "expected a positive integer, got '0'"),
        ("-5", "expected a positive integer, got '-5'"),
        ("1000000000000", "expected at most 50,000,000, got '1000000000000'"),
    ],
)
def test_a_bad_count_is_refused_before_anything_is_made(command_env, count, error) -> None:
    result = seed_tickets(f"--count={count}", env=command_env)
    assert result.returncode == 2
    assert error in result.stderr
    assert not _database_exists("bench_seed")


def test_a_temporary_folder_with_a_quote_in_its_path_loads(command_env, tmp_path) -> None:
    folder = tmp_path / "it's"
    folder.mkdir()
    result = seed_tickets("--count=100", env={**command_env, "TMPDIR": str(folder)})
    assert result.returncode == 0, result.stderr
    assert "seed_tickets into a table of as many, 100 tickets" in result.stdout
    assert list(folder.iterdir()) == []
    assert not _database_exists("bench_seed")


def test_a_server_refusing_local_loads_is_one_line_before_seeding(command_env) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT @@GLOBAL.local_infile")
        (before,) = cursor.fetchone()
        cursor.execute("SET GLOBAL local_infile = 0")
    try:
        result = seed_tickets("--count=100", env=command_env)
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SET GLOBAL local_infile = %s", [before])
    assert result.returncode == 1
    assert result.stderr == (
        "the server refuses LOAD DATA LOCAL INFILE: SET GLOBAL local_infile = 1\n"
    )
    assert not _database_exists("bench_seed")


def _database_exists(name: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM information_schema.schemata WHERE schema_name = %s", [name])
        return cursor.fetchone() is not None
