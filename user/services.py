from datetime import datetime, timedelta
from random import Random
from typing import Any

from django.db.models import Max

from user.models import User
from utils.jobs import ChunkWork, Outcome
from utils.models import Job
from utils.seeding import (
    NamePools,
    SeedOptions,
    name_pools,
    numbers_reserve,
    seed_run,
    seed_work,
    start_moment,
)

JOINED_WITHIN = timedelta(days=3 * 365)

SEED_USERS_KIND = "seed_users"


def users_seed(*, options: SeedOptions) -> Outcome:
    """Create `options.count` customers with realistic names and unique emails."""
    return seed_run(kind=SEED_USERS_KIND, options=options, freeze=_freeze, work_for=_work_for)


def _freeze(count: int, seed: int) -> dict[str, Any]:
    # Usernames (and so emails) carry a number of the installation's username counter.
    _, first = numbers_reserve(name="username", count=count, seed=seed, first=_highest_user)
    return {"first_number": first}


def _highest_user() -> int:
    return User.objects.aggregate(highest=Max("pk"))["highest"] or 0


def _work_for(job: Job) -> ChunkWork:
    pools = name_pools(job.params["seed"])
    first = job.params["first_number"]
    start = start_moment(job)
    return seed_work(
        job=job,
        row=lambda rng, n: _user(rng, pools, first + n, start),
        write=User.objects.bulk_create,
    )


def _user(rng: Random, pools: NamePools, number: int, start: datetime) -> User:
    first, last = rng.choice(pools.first), rng.choice(pools.last)
    handle = f"{first}.{last}{number}".lower()
    return User(
        username=handle,
        email=f"{handle}@{rng.choice(pools.domains)}",
        first_name=first,
        last_name=last,
        password="!",  # unusable: seeded customers cannot log in
        date_joined=start - JOINED_WITHIN * rng.random(),
    )
