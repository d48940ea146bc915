"""seed_tickets against LOAD DATA LOCAL INFILE of an equivalent CSV, on the same table.

    DATABASE_URL=mysql://root@127.0.0.1:3306/ticketing python bench/seed_tickets.py [--count N]

Target (issue 2): seed_tickets takes at most 1.3x the LOAD DATA time; peak RSS <= 150 MiB.
"""

import argparse
import csv
import tempfile
import time
import uuid
from pathlib import Path

from _common import manage, report, setup_django

setup_django()

from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from order.models import Order  # noqa: E402
from ticket.models import Ticket  # noqa: E402
from user.models import User  # noqa: E402
from utils.models import Job  # noqa: E402
from utils.seeding import barcode, code_key  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=1_000_000)
    count = parser.parse_args().count
    prepare()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "tickets.csv"
        write_csv(path, count)
        load_data = timed_load_data(path)
    truncate_tickets()
    _, small_rss = manage("seed_tickets", f"--count={count // 10}", "--seed=8")
    truncate_tickets()
    seed, rss = manage("seed_tickets", f"--count={count}", "--seed=7")
    assert Ticket.objects.count() == count
    report(
        f"seed_tickets, {count:,} tickets ({connection.display_name})",
        [("LOAD DATA LOCAL INFILE of the same rows", load_data), ("seed_tickets", seed)],
        project="seed_tickets",
    )
    print(f"  seed_tickets peak RSS: {small_rss} MiB at {count // 10:,}, {rss} MiB at {count:,}")


def prepare() -> None:
    if not User.objects.exists():
        manage("seed_users", "--count=1000", "--seed=7")
    if not Order.objects.exists():
        manage("seed_orders", "--count=10000", "--seed=7")


def write_csv(path: Path, count: int) -> None:
    """The rows seed_tickets would write: same barcodes, random tokens, 10% unsold."""
    orders = list(Order.objects.values_list("pk", flat=True))
    key = code_key(7, "barcode")
    now = timezone.now().strftime("%Y-%m-%d %H:%M:%S.%f")
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        for n in range(count):
            order = r"\N" if n % 10 == 0 else orders[n % len(orders)]
            writer.writerow((barcode(n, key), str(uuid.uuid4()), order, now, now))


def timed_load_data(path: Path) -> float:
    import MySQLdb

    truncate_tickets()
    settings = connection.settings_dict
    conn = MySQLdb.connect(
        host=settings["HOST"] or "127.0.0.1",
        port=int(settings["PORT"] or 3306),
        user=settings["USER"],
        password=settings["PASSWORD"],
        database=settings["NAME"],
        local_infile=True,
    )
    started = time.perf_counter()
    with conn.cursor() as cursor:
        cursor.execute(
            f"LOAD DATA LOCAL INFILE '{path}' INTO TABLE ticket_ticket"
            " FIELDS TERMINATED BY ',' (barcode, token, order_id, created_at, updated_at)"
        )
    conn.commit()
    elapsed = time.perf_counter() - started
    conn.close()
    return elapsed


def truncate_tickets() -> None:
    Job.objects.filter(kind="seed_tickets").delete()
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE TABLE ticket_ticket")


if __name__ == "__main__":
    main()
