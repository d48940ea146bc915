from collections.abc import Iterator
from itertools import groupby

from django.db.models import Exists, OuterRef

from ticket.models import Ticket
from utils.models import Job
from utils.sql import rows_streamed
from vouchers.models import ImportedOrder, ImportedTicket


def orders_without_tickets(*, job: Job) -> Iterator[int]:
    """The reseller's ids of the orders that an import accepted and that hold no ticket.
    Index: the job foreign key's, then each order's tickets through theirs."""
    tickets = Ticket.objects.filter(order=OuterRef("order"))
    refs = ImportedOrder.objects.filter(job=job).exclude(Exists(tickets))
    return refs.order_by("external_id").values_list("external_id", flat=True).iterator()


Voucher = tuple[tuple[int, int], list[str]]
FETCH_ROWS = 2000


def vouchers(*, source: str) -> Iterator[Voucher]:
    """A source's orders with their barcodes, ((customer, order), barcodes), in customer then
    order order, barcodes in ticket-id order; orders without one left out.

    One query, sorted by the database and streamed FETCH_ROWS at a time. The database joins the
    source's orders to their tickets through the tickets' order index and sorts once, which
    is what it does fastest (bench/tiqets.py); keyset pages by customer read the tickets in
    random order instead, 4 times slower at 1M tickets on a 128 MiB buffer pool.
    """
    rows = ImportedOrder.objects.filter(source=source, order__tickets__isnull=False)
    ordered = rows.order_by("customer_external_id", "external_id", "order__tickets__id")
    barcodes = ordered.values_list("customer_external_id", "external_id", "order__tickets__barcode")
    for key, group in groupby(rows_streamed(barcodes, fetch=FETCH_ROWS), key=lambda row: row[:2]):
        yield key, [barcode for _, _, barcode in group]


def unused_barcodes_count(*, source: str) -> int:
    """The source's barcodes without an order. Index: importedticket_source, each joined to
    its ticket by primary key."""
    return ImportedTicket.objects.filter(source=source, ticket__order__isnull=True).count()
