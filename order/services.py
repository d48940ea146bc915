from datetime import datetime, timedelta
from typing import Any

from django.db.models import Max
from django.utils import timezone

from order.models import Order
from user.models import User
from user.selectors import customer_ids
from utils.jobs import JobError, Outcome
from utils.jobs.claims import Claimed
from utils.jobs.runner import ChunkWork
from utils.models import Job
from utils.seeding import SeedOptions, chunk_random, seed_run

PLACED_WITHIN = timedelta(days=365)


def orders_seed(*, options: SeedOptions) -> Outcome:
    """Create `options.count` orders spread evenly at random over the existing customers."""
    return seed_run(kind="seed_orders", options=options, freeze=_freeze, work_for=_work_for)


def _freeze() -> dict[str, Any]:
    # Customers are those that exist now: a resumed run picks from the very same set.
    highest = User.objects.filter(is_staff=False).aggregate(highest=Max("pk"))["highest"]
    if highest is None:
        raise JobError("there are no customers yet: run seed_users first")
    return {"max_customer_id": highest, "now": timezone.now().isoformat()}


def _work_for(job: Job) -> ChunkWork:
    customers = customer_ids(up_to=job.params["max_customer_id"])
    now = datetime.fromisoformat(job.params["now"])

    def work(chunk: Claimed) -> int:
        rng = chunk_random(job=job, chunk=chunk)
        orders = [
            Order(
                customer_id=customers[int(rng.random() * len(customers))],
                created_at=now - PLACED_WITHIN * rng.random(),
            )
            for _ in range(chunk.lo, chunk.hi)
        ]
        Order.objects.bulk_create(orders)
        return len(orders)

    return work
