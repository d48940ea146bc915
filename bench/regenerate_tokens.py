"""regenerate_tokens against the database doing the same work alone, and a bulk_update loop.

    DATABASE_URL=mysql://root@127.0.0.1:3306/ticketing python bench/regenerate_tokens.py [--count N]

In a scratch database (dropped afterwards) of `--count` tickets over 10,000 orders, all three
rotate every ticket's token and record the old tokens' SHA-256 hashes, on the same tickets,
each starting from an empty revoked-token table, recording the same hash and key
(ticket.tokens.token_keys) of each old token. Targets (issue 3): regenerate_tokens <= 1.5x
the SQL-only time, and >= 8x faster than the bulk_update loop. `--count 2000` is a smoke run.
"""

import argparse
import time
from collections.abc import Callable

from _common import (
    manage,
    report,
    scratch_database,
    scratch_env,
    scratch_tickets,
    setup_django,
    whole_number,
)

setup_django(server_only=True)

from django.db import connection, transaction  # noqa: E402

from ticket.models import RevokedToken, Ticket  # noqa: E402
from ticket.tokens import token_hash, token_keys, token_new  # noqa: E402
from utils.models import Job  # noqa: E402

SQL_RANGE = 10_000
ORM_BATCH = 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=whole_number(), default=1_000_000)
    count = parser.parse_args().count
    with scratch_database("rotation") as name:
        scratch_tickets(name, count)
        sql_only = timed(rotate_in_sql)
        ours, rss = command_run(name)
        orm = timed(rotate_with_bulk_update)
    report(
        f"Token rotation, {count:,} tickets ({connection.display_name})",
        [
            ("SQL alone, ranges of 10,000", sql_only),
            ("regenerate_tokens", ours),
            ("bulk_update loop, batches of 1000", orm),
        ],
        project="regenerate_tokens",
    )
    print(f"  regenerate_tokens peak RSS: {rss} MiB")


def clear_revocations() -> None:
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE TABLE ticket_revokedtoken")
    Job.objects.filter(kind__in=["regenerate_tokens", "bench"]).delete()


def timed(rotate: Callable[[Job], None]) -> float:
    clear_revocations()
    job = Job.objects.create(kind="bench", chunk_size=0)
    started = time.perf_counter()
    rotate(job)
    return time.perf_counter() - started


def rotate_in_sql(job: Job) -> None:
    """The database alone: per range, INSERT ... SELECT the hashes and keys, UPDATE to UUID()
    (version 1, which MariaDB's uuid type stores time first: its index grows at the end too).
    """
    bounds = Ticket.objects.order_by("pk").values_list("pk", flat=True)
    low, high = bounds.first() or 0, bounds.last() or 0
    for start in range(low, high + 1, SQL_RANGE):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO ticket_revokedtoken (job_id, ticket_id, token_hash, token_key)"
                " SELECT %s, id, SHA2(hex, 256), CONCAT(LEFT(hex, 12), LEFT(SHA2(hex, 256), 8))"
                " FROM (SELECT id, REPLACE(CAST(token AS CHAR(36)), '-', '') AS hex"
                " FROM ticket_ticket WHERE id >= %s AND id < %s) AS old",
                [job.pk, start, start + SQL_RANGE],
            )
            cursor.execute(
                "UPDATE ticket_ticket SET token = REPLACE(UUID(), '-', ''),"
                " updated_at = UTC_TIMESTAMP(6) WHERE id >= %s AND id < %s",
                [start, start + SQL_RANGE],
            )


def command_run(name: str) -> tuple[float, int]:
    clear_revocations()
    return manage("regenerate_tokens", env=scratch_env(name))


def rotate_with_bulk_update(job: Job) -> None:
    """What the ORM offers: keyset batches of 1000, bulk_create + bulk_update (CASE WHEN)."""
    last = 0
    while batch := list(Ticket.objects.filter(pk__gt=last).order_by("pk")[:ORM_BATCH]):
        with transaction.atomic():
            RevokedToken.objects.bulk_create(
                RevokedToken(
                    job=job,
                    ticket=ticket,
                    token_hash=token_hash(ticket.token.hex),
                    token_key=token_keys(ticket.token.hex)[0],
                )
                for ticket in batch
            )
            for ticket in batch:
                ticket.token = token_new()
            # The token only, as the issue measured it: with updated_at too it takes 2x.
            Ticket.objects.bulk_update(batch, ["token"])
        last = batch[-1].pk


if __name__ == "__main__":
    main()
