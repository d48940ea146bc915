from typing import Any

from django.db.models import Max

from order.models import Order
from order.selectors import order_ids
from ticket.models import Ticket
from ticket.tokens import token_hexes
from utils.jobs import JobError, Outcome
from utils.jobs.claims import Claimed
from utils.jobs.runner import ChunkWork
from utils.models import Job
from utils.seeding import SeedOptions, barcode, chunk_random, code_key, seed_run
from utils.sql import rows_insert

DEFAULT_UNSOLD_RATIO = 0.1
TICKET_COLUMNS = ("barcode", "token", "order")


def tickets_seed(*, options: SeedOptions, unsold_ratio: float | None = None) -> Outcome:
    """Create `options.count` tickets over the existing orders, a share of them unsold.

    Barcodes and order assignment are a function of the seed and the ticket's position, so
    an interrupted and resumed run ends with the same tickets as an uninterrupted one;
    tokens are fresh random UUIDs by design.
    """
    return seed_run(
        kind="seed_tickets",
        options=options,
        requested={"unsold_ratio": unsold_ratio},
        freeze=_freeze,
        work_for=_work_for,
    )


def _freeze() -> dict[str, Any]:
    highest_order = Order.objects.aggregate(highest=Max("pk"))["highest"]
    if highest_order is None:
        raise JobError("there are no orders yet: run seed_orders first")
    # Barcodes number from the highest ticket id so far: later runs never reuse a number.
    highest_ticket = Ticket.objects.aggregate(highest=Max("pk"))["highest"] or 0
    return {
        "unsold_ratio": DEFAULT_UNSOLD_RATIO,
        "offset": highest_ticket,
        "max_order_id": highest_order,
    }


def _work_for(job: Job) -> ChunkWork:
    orders = order_ids(up_to=job.params["max_order_id"])
    unsold_ratio = job.params["unsold_ratio"]
    offset = job.params["offset"]
    key = code_key(job.params["seed"], "barcode")

    def work(chunk: Claimed) -> int:
        rng = chunk_random(job=job, chunk=chunk)
        tokens = token_hexes(chunk.hi - chunk.lo)
        rows = [
            (
                barcode(offset + n, key),
                token,
                None if rng.random() < unsold_ratio else orders[int(rng.random() * len(orders))],
            )
            for n, token in zip(range(chunk.lo, chunk.hi), tokens, strict=True)
        ]
        rows_insert(model=Ticket, fields=TICKET_COLUMNS, rows=rows)
        return len(rows)

    return work
