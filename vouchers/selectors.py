from collections.abc import Iterator
from contextlib import closing
from itertools import groupby, islice

from django.db import connection
from django.db.models import Exists, OuterRef

from ticket.models import Ticket
from utils.models import Job
from utils.sql import rows_streamed, sql_rows_streamed
from vouchers.models import ImportedOrder, ImportedTicket


def orders_without_tickets(*, job: Job) -> Iterator[int]:
    """The reseller's ids of the orders that an import accepted and that hold no ticket.
    Index: the job foreign key's, then each order's tickets through theirs."""
    tickets = Ticket.objects.filter(order=OuterRef("order"))
    refs = ImportedOrder.objects.filter(job=job).exclude(Exists(tickets))
    return refs.order_by("external_id").values_list("external_id", flat=True).iterator()


# (customer, order), then the order's barcodes in pieces: each some barcodes joined by ", "
# and how many they are (one piece, or FETCH_ROWS barcodes a piece for a long order).
Pieces = Iterator[tuple[str, int]]
Voucher = tuple[tuple[int, int], Pieces]
FETCH_ROWS = 2000
SEPARATOR = ", "


# GROUP_CONCAT's limit for the session: it returns at most max_allowed_packet bytes, whatever
# its own limit says, so an order of more (about 900,000 barcodes at MariaDB's default 16 MiB)
# is cut short, and its export made again with the rows grouped here.
JOIN_LIMIT = "@@max_allowed_packet"


class BarcodesCut(Exception):
    """The database cut an order's joined barcodes short."""


def vouchers(*, source: str, joined: bool | None = None) -> Iterator[Voucher]:
    """A source's orders with their barcodes, in customer then order order, barcodes in
    ticket-id order; orders without one left out.

    One query, sorted by the database and streamed FETCH_ROWS at a time. The database joins the
    source's orders to their tickets through the tickets' order index and sorts once, which
    is what it does fastest (bench/tiqets.py); keyset pages by customer read the tickets in
    random order instead, 4 times slower at 1M tickets on a 128 MiB buffer pool. On MySQL the
    database also joins each order's barcodes (GROUP_CONCAT), so that a row an order, not a
    row a ticket, reaches Python (`joined`, the default there; BarcodesCut when an order's are
    longer than it joins). SQLite's group_concat keeps no order: there the rows are grouped
    here.
    """
    if joined is None:
        joined = connection.vendor == "mysql"
    return _vouchers_joined(source) if joined else _vouchers_grouped(source)


def _vouchers_grouped(source: str) -> Iterator[Voucher]:
    rows = ImportedOrder.objects.filter(source=source, order__tickets__isnull=False)
    ordered = rows.order_by("customer_external_id", "external_id", "order__tickets__id")
    barcodes = ordered.values_list("customer_external_id", "external_id", "order__tickets__barcode")
    for key, group in groupby(rows_streamed(barcodes, fetch=FETCH_ROWS), key=lambda row: row[:2]):
        yield key, _pieces(barcode for _, _, barcode in group)


def _pieces(barcodes: Iterator[str]) -> Pieces:
    while piece := list(islice(barcodes, FETCH_ROWS)):
        yield SEPARATOR.join(piece), len(piece)


def _vouchers_joined(source: str) -> Iterator[Voucher]:
    orders, tickets = ImportedOrder._meta.db_table, Ticket._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"SET SESSION group_concat_max_len = {JOIN_LIMIT}")
    rows = sql_rows_streamed(
        f"SELECT io.customer_external_id, io.external_id,"
        f" GROUP_CONCAT(t.barcode ORDER BY t.id SEPARATOR '{SEPARATOR}'), COUNT(*),"
        " SUM(CHAR_LENGTH(t.barcode))"
        f" FROM {orders} io JOIN {tickets} t ON t.order_id = io.order_id"
        " WHERE io.source = %s GROUP BY io.id ORDER BY io.customer_external_id, io.external_id",
        [source],
        fetch=FETCH_ROWS,
    )
    with closing(rows):  # its cursor closed before a caller's next query, even when cut
        for customer, order, codes, count, length in rows:
            if len(codes) != length + len(SEPARATOR) * (count - 1):
                raise BarcodesCut(f"order {order}")
            yield (customer, order), iter([(codes, count)])


def unused_barcodes_count(*, source: str) -> int:
    """The source's barcodes without an order. Index: importedticket_source, each joined to
    its ticket by primary key."""
    return ImportedTicket.objects.filter(source=source, ticket__order__isnull=True).count()
