"""Two workers, batches of 50 lines, repeats across batches: every row is decided as one
worker reading the files in line order would decide it (utils/jobs/ordered.py)."""

import random
import re
from pathlib import Path

import pytest

import vouchers.services
from tests.vouchers.conftest import import_files, write
from ticket.models import Ticket
from vouchers.models import ImportedCustomer, ImportedOrder

pytestmark = pytest.mark.django_db(transaction=True)


def orders_file(rng: random.Random) -> list[tuple[int, int]]:
    """600 rows: a third repeat an order id of the last 80 lines, for another customer half
    of the time; 60 customers, most first seen in two neighbouring batches."""
    rows: list[tuple[int, int]] = []
    for line in range(600):
        if rows and rng.random() < 0.3:
            order, customer = rng.choice(rows[-80:])
            rows.append((order, customer if rng.random() < 0.5 else rng.randrange(1, 61)))
        else:
            rows.append((line + 1, rng.randrange(1, 61)))
    return rows


def barcodes_file(rng: random.Random) -> list[tuple[str, int | None]]:
    """3000 rows: a third repeat a barcode of the last 120 lines (in another case half of
    the time); a tenth unsold; some name an order that the orders file lacks."""
    rows: list[tuple[str, int | None]] = []
    for line in range(3000):
        order = None if rng.random() < 0.1 else rng.randrange(1, 640)
        if rows and rng.random() < 0.3:
            barcode = rng.choice(rows[-120:])[0]
            rows.append((barcode.lower() if rng.random() < 0.5 else barcode, order))
        else:
            rows.append((f"TQ{line:06d}", order))
    return rows


def one_worker(
    orders: list[tuple[int, int]], barcodes: list[tuple[str, int | None]]
) -> tuple[dict[int, int], dict[str, int | None]]:
    """The rules, read in line order: the first occurrence wins. The tickets in line order."""
    accepted: dict[int, int] = {}
    for order, customer in orders:
        accepted.setdefault(order, customer)
    tickets: dict[str, int | None] = {}
    for barcode, sold in barcodes:
        if sold is None or sold in accepted:
            tickets.setdefault(barcode.upper(), sold)
    return accepted, tickets


def voucher_lines(tickets: dict[str, int | None]) -> dict[int, list[str]]:
    """Each order's barcodes in line order."""
    found: dict[int, list[str]] = {}
    for barcode, order in tickets.items():
        if order is not None:
            found.setdefault(order, []).append(barcode)
    return found


def test_two_workers_decide_each_row_as_one_worker_reading_in_line_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = random.Random(9)
    orders, barcodes = orders_file(rng), barcodes_file(rng)
    paths = write(
        tmp_path,
        "order_id,customer_id\n" + "".join(f"{o},{c}\n" for o, c in orders),
        "barcode,order_id\n" + "".join(f"{b},{'' if o is None else o}\n" for b, o in barcodes),
    )
    monkeypatch.setattr(vouchers.services, "BATCH_LINES", 50)

    run = import_files(*paths)

    want_orders, want_tickets = one_worker(orders, barcodes)
    got_orders = dict(ImportedOrder.objects.values_list("external_id", "customer_external_id"))
    assert got_orders == want_orders
    external = dict(ImportedOrder.objects.values_list("order", "external_id"))
    got_tickets = {
        barcode.upper(): external.get(order)
        for barcode, order in Ticket.objects.order_by("pk").values_list("barcode", "order")
    }
    assert got_tickets == want_tickets
    # In ticket-id order, as the export and the voucher endpoint list them: in line order.
    assert voucher_lines(got_tickets) == voucher_lines(want_tickets)
    assert Ticket.objects.count() == len(want_tickets)  # no barcode twice, in any case
    # One user a customer, and every rejected line reported once.
    assert ImportedCustomer.objects.count() == len(set(want_orders.values()))
    rejected = re.findall(r"^(\S+:\d+): ", run.stderr, flags=re.MULTILINE)
    assert len(rejected) == len(set(rejected)) == 3600 - len(want_orders) - len(want_tickets)


def test_an_orders_barcodes_keep_their_line_order_across_batches_written_at_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The voucher lists them in ticket-id order: a batch may not take ids before the last.
    barcodes = [f"TQ{line:06d}" for line in range(20000)]
    paths = write(
        tmp_path,
        "order_id,customer_id\n1,1\n",
        "barcode,order_id\n" + "".join(f"{barcode},1\n" for barcode in barcodes),
    )
    monkeypatch.setattr(vouchers.services, "BATCH_LINES", 100)
    import_files(*paths)
    assert list(Ticket.objects.order_by("pk").values_list("barcode", flat=True)) == barcodes
