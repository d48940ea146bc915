from datetime import timedelta
from typing import Any

from django.db.models import Max

from order.models import Order
from user.models import User
from user.selectors import customer_ids
from utils.jobs import ChunkWork, JobError, Outcome
from utils.models import Job
from utils.seeding import SeedOptions, seed_run, seed_work, start_moment

PLACED_WITHIN = timedelta(days=365)

SEED_ORDERS_KIND = "seed_orders"


def orders_seed(*, options: SeedOptions) -> Outcome:
    """Create `options.count` orders spread evenly at random over the existing customers."""
    return seed_run(kind=SEED_ORDERS_KIND, options=options, freeze=_freeze, work_for=_work_for)


def _freeze(count: int, seed: int) -> dict[str, Any]:
    # Customers are those that exist now: a resumed run picks from the very same set.
    highest = User.objects.filter(is_staff=False).aggregate(highest=Max("pk"))["highest"]
    if highest is None:
        raise JobError("there are no customers yet: run seed_users first")
    return {"max_customer_id": highest}


def _work_for(job: Job) -> ChunkWork:
    customers = customer_ids(up_to=job.params["max_customer_id"])
    start = start_moment(job)
    return seed_work(
        job=job,
        row=lambda rng, n: Order(
            customer_id=customers[int(rng.random() * len(customers))],
            created_at=start - PLACED_WITHIN * rng.random(),
        ),
        write=Order.objects.bulk_create,
    )
