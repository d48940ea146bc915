from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.core.management.base import CommandError
from django.db import connection

import vouchers.services
from order.models import Order
from tests.conftest import mysql_only
from tests.factories import TicketFactory, UserFactory
from tests.vouchers.conftest import BARCODES, ORDERS, Run, import_files, write
from ticket.models import Ticket
from utils.models import Job
from vouchers.models import ImportedCustomer, ImportedOrder, ImportedTicket

pytestmark = pytest.mark.django_db(transaction=True)


def barcodes_of(order_id: int, source: str = "tiqets") -> list[str]:
    order = ImportedOrder.objects.get(source=source, external_id=order_id).order_id
    return list(Ticket.objects.filter(order=order).order_by("pk").values_list("barcode", flat=True))


def reported(run: Run) -> list[str]:
    """What a run reported, but its progress lines (which hold rates)."""
    return [line for line in run.stderr.splitlines() if "rows/s" not in line]


def state() -> dict[str, object]:
    return {
        "customers": sorted(ImportedCustomer.objects.values_list("external_id", "user")),
        "orders": sorted(
            ImportedOrder.objects.values_list("external_id", "order", "customer_external_id")
        ),
        "tickets": sorted(Ticket.objects.values_list("barcode", "order", "token")),
    }


def test_an_import_makes_customers_orders_and_tickets_in_file_order(files) -> None:
    import_files(*files)
    assert sorted(ImportedOrder.objects.values_list("external_id", "customer_external_id")) == [
        (1, 10),
        (2, 10),
        (3, 20),
        (4, 40),
        (5, 50),
    ]
    customer = ImportedCustomer.objects.get(external_id=10).user_id
    assert Order.objects.filter(customer=customer).count() == 2
    assert barcodes_of(1) == ["AAA", "BBB"]
    assert barcodes_of(2) == ["GGG"]
    assert barcodes_of(3) == ["DDD"]
    assert Ticket.objects.get(barcode="CCC").order_id is None
    assert ImportedTicket.objects.count() == 5
    assert Ticket.objects.values("token").distinct().count() == 5


def test_every_rejection_is_reported_with_file_line_and_reason(files) -> None:
    orders, barcodes = files
    run = import_files(*files)
    for line in [
        f"{orders}:5: order_id 2 repeats line 3",
        f"{orders}:6: order_id 'x' is not a whole number",
        f"{barcodes}:6: barcode AAA repeats line 2",
        f"{barcodes}:7: order 99 is neither in the orders file nor imported before",
        f"{barcodes}:8: the barcode holds whitespace",
        f"{barcodes}:10: barcode CCC repeats line 4",
        f"{orders}: order 4 has no barcodes",
        f"{orders}: order 5 has no barcodes",
        "orders: 7 rows, 5 accepted, 2 rejected",
        "barcodes: 9 rows, 5 accepted, 4 rejected",
    ]:
        assert line in run.stderr
    assert "completed" in run.stdout


def test_importing_the_same_files_twice_changes_nothing(files) -> None:
    first = import_files(*files)
    before = state()
    second = import_files(*files)
    assert state() == before
    assert reported(second) == reported(first)
    assert Job.objects.filter(kind="import_vouchers", status="completed").count() == 2


def test_rows_that_conflict_with_what_the_source_holds_are_rejected(tmp_path: Path, files) -> None:
    import_files(*files)
    seeded = TicketFactory.create(barcode="OURS1")
    (tmp_path / "again").mkdir()
    again = write(
        tmp_path / "again",
        "order_id,customer_id\n1,11\n6,60\n",
        "barcode,order_id\nAAA,2\nCCC,6\nOURS1,6\nNEW1,6\n",
    )
    run = import_files(*again)
    assert "order 1 was imported for customer 10" in run.stderr
    assert "barcode AAA was imported for order 1" in run.stderr
    assert "barcode CCC was imported unsold" in run.stderr
    assert "barcode OURS1 is another source's ticket" in run.stderr
    assert barcodes_of(6) == ["NEW1"]
    assert Ticket.objects.get(pk=seeded.pk).order_id == seeded.order_id


def test_sources_keep_the_same_ids_apart(tmp_path: Path, files) -> None:
    import_files(*files)
    other = tmp_path / "other"
    other.mkdir()
    import_files(
        *write(other, "order_id,customer_id\n1,10\n", "barcode,order_id\nOTHER1,1\n"),
        "--source=other",
    )
    ours = ImportedOrder.objects.get(source="tiqets", external_id=1)
    theirs = ImportedOrder.objects.get(source="other", external_id=1)
    assert ours.order_id != theirs.order_id
    assert barcodes_of(1, "other") == ["OTHER1"]
    assert ImportedCustomer.objects.filter(external_id=10).count() == 2


@pytest.mark.parametrize(
    ("orders", "barcodes", "message"),
    [
        (ORDERS, BARCODES.replace("GGG", "G\udcffG"), "barcodes.csv:9: not UTF-8 text"),
        (ORDERS, "code,order\nA,1\n", "the header must be barcode,order_id"),
    ],
)
def test_a_file_that_cannot_be_read_imports_nothing(
    tmp_path: Path, orders: str, barcodes: str, message: str
) -> None:
    (tmp_path / "orders.csv").write_text(orders, encoding="utf-8", newline="")
    (tmp_path / "barcodes.csv").write_bytes(barcodes.encode("utf-8", "surrogateescape"))
    with pytest.raises(CommandError, match=message):
        import_files(tmp_path / "orders.csv", tmp_path / "barcodes.csv")
    assert not ImportedOrder.objects.exists()
    assert not Job.objects.filter(kind="import_vouchers").exists()


def test_a_missing_file_is_one_line_and_imports_nothing(tmp_path: Path, files) -> None:
    with pytest.raises(CommandError, match="no such file"):
        import_files(files[0], tmp_path / "missing.csv")
    assert not Ticket.objects.exists()


def test_a_source_name_is_checked(files) -> None:
    with pytest.raises(CommandError, match="a source is 1 to 32"):
        import_files(*files, "--source=Bad Name")


def test_barcodes_of_a_file_that_differ_in_case_only_are_one_barcode(tmp_path: Path) -> None:
    """MySQL compares the tickets' unique barcodes without regard to case: as two barcodes
    the batch's INSERT failed there."""
    orders, barcodes = write(
        tmp_path, "order_id,customer_id\n1,1\n", "barcode,order_id\nab1,1\nAB1,1\n"
    )
    run = import_files(orders, barcodes)
    assert f"{barcodes}:3: barcode AB1 repeats line 2" in run.stderr
    assert barcodes_of(1) == ["ab1"]


def test_a_barcode_outside_ascii_is_rejected(tmp_path: Path) -> None:
    orders, barcodes = write(tmp_path, "order_id,customer_id\n1,1\n", "barcode,order_id\nCAFÉ1,1\n")
    run = import_files(orders, barcodes)
    assert f"{barcodes}:2: the barcode holds a character other than ASCII" in run.stderr
    assert not Ticket.objects.exists()


# SQLite compares names in their case: there "Tiqets-Customer-10" holds no one's name.
@pytest.mark.parametrize(
    "username", ["tiqets-customer-10", pytest.param("Tiqets-Customer-10", marks=mysql_only)]
)
def test_orders_of_a_customer_whose_user_name_is_held_are_rejected(files, username: str) -> None:
    """A user of ours already named like the imported customer (MySQL compares names without
    regard to case): the orders are refused, not linked to that user, not a failed batch."""
    holder = UserFactory.create(username=username)
    orders, _ = files
    run = import_files(*files)
    reason = "customer 10's user name or address is held by another user: tiqets-customer-10"
    assert f"{orders}:2: {reason}" in run.stderr
    assert f"{orders}:3: {reason}" in run.stderr
    assert not ImportedOrder.objects.filter(customer_external_id=10).exists()
    assert not Order.objects.filter(customer=holder).exists()
    assert ImportedOrder.objects.filter(external_id=3).exists()


@pytest.mark.parametrize("barcode", ["lower1", "AAA"])  # AAA: an existing ticket's
def test_a_barcode_naming_an_unknown_order_is_rejected_whatever_its_case(
    tmp_path: Path, files, barcode: str
) -> None:
    import_files(*files)
    (tmp_path / "again").mkdir()
    orders, barcodes = write(
        tmp_path / "again", "order_id,customer_id\n1,10\n", f"barcode,order_id\n{barcode},99\n"
    )
    run = import_files(orders, barcodes)
    assert f"{barcodes}:2: order 99 is neither in the orders file nor imported before" in run.stderr


def test_a_row_that_is_rejected_is_no_occurrence_a_later_row_may_win(tmp_path: Path) -> None:
    """As it would be with the two rows in different batches."""
    orders, barcodes = write(
        tmp_path,
        "order_id,customer_id\n1,10\n",
        "barcode,order_id\nXA1,99\nXA1,1\n",
    )
    run = import_files(orders, barcodes)
    assert f"{barcodes}:2: order 99 is neither" in run.stderr
    assert barcodes_of(1) == ["XA1"]


@contextmanager
def ids_stepping(step: int) -> Iterator[None]:
    """New connections' ids step by `step` (MySQL's auto_increment_increment)."""
    if step == 1:
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SET GLOBAL auto_increment_increment = %s", [step])
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SET GLOBAL auto_increment_increment = 1")


# Ids that come back consecutive are found by their range; others (MySQL, which returns none,
# or a server whose ids step by 2) by their barcodes.
@pytest.mark.parametrize("step", [1, pytest.param(2, marks=mysql_only)])
def test_new_tickets_get_their_imported_rows_however_their_ids_come(
    tmp_path: Path, step: int
) -> None:
    TicketFactory.create_batch(3)  # tickets of ours, which no import row may name
    rows = "".join(f"TQ{n},\n" for n in range(40))
    files = write(tmp_path, "order_id,customer_id\n1,1\n", f"barcode,order_id\n{rows}")
    with ids_stepping(step):
        import_files(*files)
    imported = ImportedTicket.objects.values_list("ticket__barcode", flat=True)
    assert sorted(imported) == sorted(f"TQ{n}" for n in range(40))


def test_a_barcode_repeated_in_another_case_in_a_later_batch_is_a_repeat(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(vouchers.services, "BATCH_LINES", 2)
    files = write(tmp_path, "order_id,customer_id\n1,1\n", "barcode,order_id\nAbC,1\nx,\nabc,\n")
    run = import_files(*files)
    assert [(t.barcode, t.order_id is None) for t in Ticket.objects.order_by("pk")] == [
        ("AbC", False),
        ("x", True),
    ]
    assert f"{files[1]}:4: barcode abc repeats an earlier line" in run.stderr


def test_a_row_refused_for_its_customer_is_no_occurrence_in_its_own_batch(
    tmp_path: Path,
) -> None:
    UserFactory.create(username="tiqets-customer-5")
    orders, barcodes = write(
        tmp_path, "order_id,customer_id\n7,5\n7,6\n8,5\n", "barcode,order_id\nB1,7\nB2,8\n"
    )
    run = import_files(orders, barcodes)
    assert f"{orders}:3:" not in run.stderr
    assert list(ImportedOrder.objects.values_list("external_id", "customer_external_id")) == [
        (7, 6)
    ]
    assert barcodes_of(7) == ["B1"]
