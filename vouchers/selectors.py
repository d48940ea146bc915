from collections.abc import Iterator

from django.db.models import Exists, OuterRef

from ticket.models import Ticket
from utils.models import Job
from vouchers.models import ImportedOrder


def orders_without_tickets(*, job: Job) -> Iterator[int]:
    """The reseller's ids of the orders that an import accepted and that hold no ticket.
    Index: the job foreign key's, then each order's tickets through theirs."""
    tickets = Ticket.objects.filter(order=OuterRef("order"))
    refs = ImportedOrder.objects.filter(job=job).exclude(Exists(tickets))
    return refs.order_by("external_id").values_list("external_id", flat=True).iterator()
