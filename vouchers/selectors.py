from collections.abc import Iterator

from django.db.models import Count, Exists, OuterRef, Q

from ticket.models import Ticket
from utils.models import Job
from vouchers.models import ImportedOrder, ImportedTicket


def orders_without_tickets(*, job: Job) -> Iterator[int]:
    """The reseller's ids of the orders that an import accepted and that hold no ticket.
    Index: the job foreign key's, then each order's tickets through theirs."""
    tickets = Ticket.objects.filter(order=OuterRef("order"))
    refs = ImportedOrder.objects.filter(job=job).exclude(Exists(tickets))
    return refs.order_by("external_id").values_list("external_id", flat=True).iterator()


PAGE_ORDERS = 1000
Voucher = tuple[tuple[int, int], list[str]]


def voucher_pages(*, source: str) -> Iterator[list[Voucher]]:
    """A source's orders with their barcodes, a page at a time: ((customer, order), barcodes)
    in customer then order order, barcodes in ticket-id order; orders without one left out.
    Index: importedorder_customer, read from where the last page ended; then each page's
    tickets through their order foreign key."""
    after = (-1, -1)
    while page := _orders_after(source, after):
        barcodes: dict[int, list[str]] = {order: [] for _, _, order in page}
        tickets = Ticket.objects.filter(order__in=barcodes).order_by("pk")
        for order, barcode in tickets.values_list("order", "barcode"):
            barcodes[order].append(barcode)
        yield [
            ((customer, external), barcodes[order])
            for customer, external, order in page
            if barcodes[order]
        ]
        after = page[-1][:2]


def _orders_after(source: str, after: tuple[int, int]) -> list[tuple[int, int, int]]:
    customer, external = after
    later = Q(customer_external_id__gt=customer) | Q(
        customer_external_id=customer, external_id__gt=external
    )
    refs = ImportedOrder.objects.filter(later, source=source)
    ordered = refs.order_by("customer_external_id", "external_id")
    return list(ordered.values_list("customer_external_id", "external_id", "order")[:PAGE_ORDERS])


def top_customers(*, source: str, limit: int) -> list[tuple[int, int]]:
    """(customer, tickets bought) of the source's customers who bought most, ties by
    customer id. One GROUP BY over the source's orders (importedorder_customer) joined to
    their tickets."""
    tickets = Count("order__tickets")
    refs = ImportedOrder.objects.filter(source=source).values("customer_external_id")
    rows = refs.annotate(tickets=tickets).filter(tickets__gt=0)
    ordered = rows.order_by("-tickets", "customer_external_id")[:limit]
    return [(row["customer_external_id"], row["tickets"]) for row in ordered]


def unused_barcodes_count(*, source: str) -> int:
    """The source's barcodes without an order. Index: importedticket_source, each joined to
    its ticket by primary key."""
    return ImportedTicket.objects.filter(source=source, ticket__order__isnull=True).count()
