"""Repeated regenerate_tokens runs: does the 10th rotation take longer than the first?

    DATABASE_URL=mysql://root@127.0.0.1:3306/ticketing python bench/rotation_repeat.py \
        [--count N] [--rotations R] [--buffer-pool SIZE]

In a scratch database (dropped afterwards) of `--count` tickets over 10,000 orders, on an
InnoDB buffer pool of `--buffer-pool` (default 128M, MariaDB's own default), runs
regenerate_tokens `--rotations` times in a row, each adding `--count` revoked tokens. Target
(issue 11): the last rotation within 1.2x of the first. Prints each rotation's time, the
storage each revoked token takes (data and indexes, from the engine's statistics), and the
command's peak RSS. `--count 2000 --rotations 2` is a smoke run.
"""

import argparse

from _common import (
    buffer_pool,
    manage,
    pool_size,
    report,
    scratch_database,
    scratch_env,
    scratch_tickets,
    setup_django,
    whole_number,
)

setup_django(server_only=True)

from django.db import connection  # noqa: E402

TARGET = 1.2


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=whole_number(), default=1_000_000)
    parser.add_argument("--rotations", type=whole_number(100), default=10)
    parser.add_argument("--buffer-pool", type=pool_size, default=pool_size("128M"))
    args = parser.parse_args()
    with buffer_pool(args.buffer_pool) as pool, scratch_database("rotation_repeat") as name:
        scratch_tickets(name, args.count)
        runs = [rotate(name, n) for n in range(1, args.rotations + 1)]
        data, indexes = revoked_storage()
    rows = [(f"rotation {n}", seconds) for n, (seconds, _) in enumerate(runs, start=1)]
    report(
        f"{args.rotations} rotations of {args.count:,} tickets, buffer pool {pool >> 20} MiB"
        f" ({connection.display_name})",
        rows,
        project=rows[-1][0],
    )
    ratio = runs[-1][0] / runs[0][0]
    verdict = "meets" if ratio <= TARGET else "misses"
    print(f"  last / first: {ratio:.2f}, {verdict} the {TARGET} target")
    revoked = args.count * args.rotations
    print(
        f"  {revoked:,} revoked tokens: {(data + indexes) / revoked:.0f} bytes each"
        f" (data {data / revoked:.0f}, indexes {indexes / revoked:.0f})"
    )
    print(f"  regenerate_tokens peak RSS: {max(rss for _, rss in runs)} MiB")


def rotate(name: str, n: int) -> tuple[float, int]:
    seconds, rss = manage("regenerate_tokens", env=scratch_env(name))
    print(f"rotation {n}: {seconds:.1f} s", flush=True)
    return seconds, rss


def revoked_storage() -> tuple[int, int]:
    """Bytes of the revoked-token table's rows and of its secondary indexes, as InnoDB counts
    them once ANALYZE has refreshed its statistics (the rows live in the primary key)."""
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE TABLE ticket_revokedtoken")
        cursor.fetchall()
        cursor.execute(
            "SELECT data_length, index_length FROM information_schema.tables"
            " WHERE table_schema = DATABASE() AND table_name = 'ticket_revokedtoken'"
        )
        data, indexes = cursor.fetchone()
    return int(data), int(indexes)


if __name__ == "__main__":
    main()
