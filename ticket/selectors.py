import uuid
from dataclasses import dataclass

from django.db import connection
from django.db.models import Count, F

from order.models import Order
from ticket.models import RevokedToken, Ticket
from user.models import User
from utils.sql import CompiledQuery


@dataclass(frozen=True)
class Stats:
    customers: int
    orders: int
    tickets: int
    unsold: int


@dataclass(frozen=True)
class TopCustomer:
    customer_id: int
    tickets: int


def stats_summary() -> Stats:
    """Counts for the summary. Exact COUNT(*)s: at tens of millions of rows each takes
    seconds, so anything on a hot path must use cached figures instead."""
    return Stats(
        customers=User.objects.filter(is_staff=False).count(),
        orders=Order.objects.count(),
        tickets=Ticket.objects.count(),
        # Index: the order foreign key's index holds the NULLs, a range scan.
        unsold=Ticket.objects.filter(order__isnull=True).count(),
    )


def tickets_range_end(lo: int, limit: int, size: int) -> int:
    """Where a batch of `size` tickets that starts at id `lo` ends (exclusive), at most
    `limit`: just before the next batch's first ticket. Counting tickets, not ids, keeps a
    batch to `size` rows however sparse the ids are. Index: the primary key, read from lo."""
    after = Ticket.objects.filter(pk__gte=lo, pk__lt=limit).order_by("pk").values_list("pk")
    following = after[size : size + 1].first()
    return following[0] if following else limit


def ticket_revocations(*, ticket: Ticket, limit: int = 20) -> list[RevokedToken]:
    """The ticket's latest revoked tokens. Index: revoked tokens' ticket foreign key."""
    return list(ticket.revoked_tokens.order_by("-revoked_at")[:limit])


def order_tickets(*, order: Order, limit: int) -> list[Ticket]:
    """The order's first tickets by id. Index: the tickets' order foreign key."""
    return list(order.tickets.order_by("pk")[:limit])


def tickets_redeemed_count() -> int:
    """Tickets checked in. A scan of the table: callers cache it (api/staff.py)."""
    return Ticket.objects.filter(redeemed_at__isnull=False).count()


def top_customers(*, limit: int) -> list[TopCustomer]:
    """The customers who bought the most tickets, ties by customer id. One GROUP BY over
    the sold tickets (the order foreign key's index) joined to their orders."""
    rows = (
        Ticket.objects.filter(order__isnull=False)
        .values("order__customer_id")
        .annotate(tickets=Count("pk"))
        .order_by("-tickets", "order__customer_id")[:limit]
    )
    return [
        TopCustomer(customer_id=row["order__customer_id"], tickets=row["tickets"]) for row in rows
    ]


def order_barcodes(*, order_id: int) -> list[str]:
    """An order's barcodes in ticket-id order. Index: the tickets' order foreign key."""
    tickets = Ticket.objects.filter(order_id=order_id).order_by("pk")
    return list(tickets.values_list("barcode", flat=True))


def ticket_by_token(*, token: uuid.UUID) -> Ticket | None:
    """The ticket holding `token`, annotated with its `customer_id` (None when unsold).
    Index: the unique token. The gates' hot path, compiled once."""
    param = Ticket._meta.get_field("token").get_db_prep_value(token, connection)
    return _TICKET_BY_TOKEN.first(param)


_TICKET_BY_TOKEN = CompiledQuery(
    lambda: Ticket.objects.filter(token=uuid.UUID(int=0)).annotate(
        customer_id=F("order__customer_id")
    )
)
