from dataclasses import dataclass

from order.models import Order
from ticket.models import Ticket
from user.models import User


@dataclass(frozen=True)
class Stats:
    customers: int
    orders: int
    tickets: int
    unsold: int


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
