import pytest
from django.db import connection

from tests.conftest import mysql_only
from utils.models import Job

pytestmark = pytest.mark.django_db(transaction=True)


def server_connections() -> tuple[int, int]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT @@max_connections")
        (allowed,) = cursor.fetchone()
        cursor.execute("SHOW GLOBAL STATUS LIKE 'Threads_connected'")
        _, in_use = cursor.fetchone()
    return int(allowed), int(in_use)


@mysql_only
def test_more_workers_than_the_server_has_connections_for_are_refused(manage) -> None:
    import MySQLdb  # only installed where the suite runs on MySQL

    settings = connection.settings_dict
    allowed, in_use = server_connections()
    # Other clients take all but 30 of the server's connections.
    others = [
        MySQLdb.connect(
            host=settings["HOST"] or "127.0.0.1",
            port=int(settings["PORT"] or 3306),
            user=settings["USER"],
            password=settings["PASSWORD"],
        )
        for _ in range(allowed - in_use - 30)
    ]
    try:
        refused = manage("regenerate_tokens", "--concurrency=25")
        accepted = manage("regenerate_tokens", "--concurrency=5")
    finally:
        for other in others:
            other.close()

    assert refused.returncode == 1
    assert refused.stderr.count("\n") == 1
    assert refused.stderr.startswith("CommandError: --concurrency 25 needs 26 more database")
    assert accepted.returncode == 0, accepted.stderr
    assert Job.objects.count() == 1  # the refused run left nothing behind
