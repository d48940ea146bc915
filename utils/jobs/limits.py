"""Bounds on what one run may ask of the machine and of the database server."""

from django.db import connection

from utils.jobs.lifecycle import JobError

# Rows in one chunk's transaction. Statements carry at most a few thousand rows each whatever
# the batch size, so this bounds the locks one transaction holds, not the client's memory.
MAX_BATCH_SIZE = 100_000
MAX_CONCURRENCY = 64
# Connections a run leaves to every other client of the server (web, admin, other jobs).
SPARE_CONNECTIONS = 10


def concurrency_check(*, concurrency: int) -> None:
    """Refuse more workers than the server has connections to spare for."""
    if connection.vendor != "mysql":
        return  # SQLite runs one worker whatever is asked
    with connection.cursor() as cursor:
        cursor.execute("SELECT @@max_connections")
        (allowed,) = cursor.fetchone()
        cursor.execute("SHOW GLOBAL STATUS LIKE 'Threads_connected'")
        _, in_use = cursor.fetchone()
    spare = int(allowed) - int(in_use) - SPARE_CONNECTIONS
    # The workers and the claimer each hold a connection; this one is counted in use.
    needed = concurrency + 1
    if needed > spare:
        raise JobError(
            f"--concurrency {concurrency} needs {needed} more database connections, but the"
            f" server allows {allowed}, {in_use} are in use and {SPARE_CONNECTIONS} are kept"
            f" for other clients: use --concurrency {max(spare - 1, 1)} or less"
        )
