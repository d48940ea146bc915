"""seed_tickets against LOAD DATA LOCAL INFILE of the same tickets, on an empty ticket table
and on one that already holds the tickets.

    DATABASE_URL=mysql://root@127.0.0.1:3306/ticketing python bench/seed_tickets.py [--count N]

In a scratch database (dropped afterwards) of 1,000 customers and 10,000 orders, with the
server's buffer pool as it is:
1. ours: LOAD DATA of a generated file of the rows seed_tickets would write (same barcodes,
   random tokens, 10% unsold) into the empty ticket table itself, foreign key and all;
2. seed_tickets --count N into the emptied table;
3. issue 10's: the seeded rows, all columns, dumped to a TSV, then LOAD DATA into a copy made
   with CREATE TABLE ... LIKE (the indexes, no foreign keys);
4. populated: seed_tickets --count N again, into the table that holds the first N, and issue
   10's method for these rows into the copy, which holds the same first N.
Each load is checked to have written every row, warning-free (LOAD DATA LOCAL skips
duplicates silently). Target (issues 2 and 10): seed_tickets at most 1.3x each baseline;
peak RSS <= 150 MiB. `--count 2000` is a smoke run.
"""

import argparse
import sys
import time
from pathlib import Path

from _common import (
    manage,
    mariadb_client,
    report,
    scratch_database,
    scratch_env,
    scratch_folder,
    setup_django,
    whole_number,
)

setup_django(server_only=True)

from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from ticket.tokens import token_new  # noqa: E402
from utils.seeding import barcode, code_key  # noqa: E402

TARGET = 1.3
GENERATED_COLUMNS = "(barcode, token, order_id, created_at, updated_at)"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=whole_number(), default=1_000_000)
    count = parser.parse_args().count
    local_infile_check()
    with scratch_database("seed") as name, scratch_folder(name) as folder:
        env = scratch_env(name)
        manage("seed_users", "--count=1000", "--seed=7", env=env)
        manage("seed_orders", "--count=10000", "--seed=7", env=env)
        generated = generate(folder / "generated.tsv", name, count)
        ours = load_data(name, generated, "ticket_ticket", GENERATED_COLUMNS)
        tickets_empty(name)
        seed, rss = manage("seed_tickets", f"--count={count}", "--seed=7", env=env)
        copy = copy_load(name, folder / "first.tsv", after_id=0, create=True)
        again, again_rss = manage("seed_tickets", f"--count={count}", env=env)
        populated = copy_load(name, folder / "second.tsv", after_id=count, create=False)
    title = f"{count:,} tickets ({connection.display_name})"
    compare(
        f"seed_tickets into an empty table, {title}",
        seed,
        [
            ("LOAD DATA, generated rows, ticket_ticket", ours),
            ("LOAD DATA, seeded rows, LIKE copy", copy),
        ],
    )
    compare(
        f"seed_tickets into a table of as many, {title}",
        again,
        [("LOAD DATA, seeded rows, LIKE copy as full", populated)],
    )
    print(f"  seed_tickets peak RSS: {max(rss, again_rss)} MiB (target <= 150)")


def local_infile_check() -> None:
    """Exit at once, not after the seeding, if the server refuses the baselines' loads."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT @@GLOBAL.local_infile")
        if cursor.fetchone() != (1,):
            sys.exit("the server refuses LOAD DATA LOCAL INFILE: SET GLOBAL local_infile = 1")


def compare(title: str, seed: float, baselines: list[tuple[str, float]]) -> None:
    report(title, [*baselines, ("seed_tickets", seed)], project="seed_tickets")
    for baseline, seconds in baselines:
        verdict = "meets" if seed / seconds <= TARGET else "misses"
        print(f"  against {baseline}: {seed / seconds:.2f}, {verdict} the {TARGET} target")


def generate(path: Path, database: str, count: int) -> Path:
    """The rows seed_tickets would write, in LOAD DATA's default format (tabs, \\N)."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id FROM `{database}`.order_order ORDER BY id")
        orders = [order for (order,) in cursor.fetchall()]
    key = code_key(7, "barcode")
    now = timezone.now().strftime("%Y-%m-%d %H:%M:%S.%f")
    with path.open("w") as file:
        for n in range(count):
            order = r"\N" if n % 10 == 0 else orders[n % len(orders)]
            file.write(f"{barcode(n, key)}\t{token_new()}\t{order}\t{now}\t{now}\n")
    return path


def load_data(database: str, path: Path, table: str, columns: str, *, like: str = "") -> float:
    """Seconds for LOAD DATA LOCAL INFILE of `path` into `table` (made LIKE `like` first, if
    given), committed; every line must make a row, without a warning."""
    import MySQLdb

    settings = connection.settings_dict
    conn = MySQLdb.connect(
        host=settings["HOST"] or "127.0.0.1",
        port=int(settings["PORT"] or 3306),
        user=settings["USER"],
        password=settings["PASSWORD"],
        database=database,
        local_infile=True,
    )
    with conn.cursor() as cursor:
        if like:
            cursor.execute(f"CREATE TABLE {table} LIKE {like}")
        started = time.perf_counter()
        cursor.execute(f"LOAD DATA LOCAL INFILE %s INTO TABLE {table} {columns}", [str(path)])
        conn.commit()
        elapsed = time.perf_counter() - started
        loaded, warnings = cursor.rowcount, conn.warning_count()
    conn.close()
    lines = sum(1 for _ in path.open())
    if loaded != lines or warnings:
        raise SystemExit(
            f"LOAD DATA into {table}: {loaded:,} of {lines:,} rows, {warnings} warnings"
        )
    return elapsed


def tickets_empty(database: str) -> None:
    """The loaded tickets gone. TRUNCATE, which the revoked tokens' foreign key to the table
    would refuse (error 1701) but that nothing references a ticket yet in this database."""
    with connection.cursor() as cursor:
        cursor.execute("SET SESSION foreign_key_checks = 0")
        cursor.execute(f"TRUNCATE TABLE `{database}`.ticket_ticket")
        cursor.execute("SET SESSION foreign_key_checks = 1")


def copy_load(database: str, path: Path, *, after_id: int, create: bool) -> float:
    """Issue 10's baseline: the tickets past `after_id` dumped, then loaded into ticket_copy
    (made LIKE ticket_ticket first if `create`), which must then equal the ticket table."""
    dump(path, database, after_id)
    seconds = load_data(database, path, "ticket_copy", "", like="ticket_ticket" if create else "")
    with connection.cursor() as cursor:
        cursor.execute(f"CHECKSUM TABLE `{database}`.ticket_ticket, `{database}`.ticket_copy")
        if len({checksum for _, checksum in cursor.fetchall()}) != 1:
            raise SystemExit("the LIKE copy differs from the seeded tickets")
    return seconds


def dump(path: Path, database: str, after_id: int) -> None:
    """Every column of the tickets past `after_id`, in the table's order, by the mariadb client
    in LOAD DATA's default format (tabs; NULL as \\N, where --raw would print NULL). A dump
    with its columns out of order loads, with warnings, into the wrong columns."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT column_name FROM information_schema.columns"
            " WHERE table_schema = %s AND table_name = 'ticket_ticket' ORDER BY ordinal_position",
            [database],
        )
        columns = ", ".join(f"IFNULL(`{column}`, '\\\\N')" for (column,) in cursor.fetchall())
    select = f"SELECT {columns} FROM ticket_ticket WHERE id > {after_id} ORDER BY id"
    mariadb_client(database, select, path)


if __name__ == "__main__":
    main()
