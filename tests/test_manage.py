"""manage.py tells an operator what went wrong in one line, never with a traceback."""

import socket

import pytest
from django.db import connection

from tests.conftest import database_url, mysql_only

pytestmark = pytest.mark.django_db(transaction=True)


def broken_database_urls() -> list[str]:
    if connection.vendor == "sqlite":
        return ["sqlite:////nonexistent-folder/db.sqlite3"]
    url = database_url()
    scheme, _, rest = url.partition("://")
    host_and_db = rest.rpartition("@")[2]
    return [
        f"{scheme}://root:wrong-password@{host_and_db}",  # access denied
        url.rsplit("/", 1)[0] + "/no_such_database",
        f"{scheme}://root@127.0.0.1:1/ticketing",  # nothing listens there
    ]


@pytest.mark.parametrize(
    "command", [("regenerate_tokens",), ("seed_users", "--count=5"), ("stats",)]
)
def test_a_database_that_cannot_be_reached_is_one_line(manage, command) -> None:
    for url in broken_database_urls():
        result = manage(*command, env_extra={"DATABASE_URL": url})
        assert result.returncode == 1, url
        assert result.stderr.startswith("Database error: "), result.stderr
        assert result.stderr.count("\n") == 1, result.stderr
        assert "wrong-password" not in result.stderr


@mysql_only
def test_a_database_host_that_never_answers_is_one_line_in_bounded_time(manage) -> None:
    # Accepts connections (the kernel's backlog) and never says a word.
    with socket.create_server(("127.0.0.1", 0)) as silent:
        port = silent.getsockname()[1]
        url = f"mysql://root@127.0.0.1:{port}/ticketing"  # the default connect timeout
        result = manage("stats", env_extra={"DATABASE_URL": url})
    assert result.returncode == 1
    assert result.stderr.startswith("Database error: (2013, ")
    assert result.stderr.count("\n") == 1
