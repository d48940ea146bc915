from datetime import datetime, timedelta
from random import Random
from typing import Any

from django.db.models import Max
from django.utils import timezone

from user.models import User
from utils.jobs import Outcome
from utils.jobs.claims import Claimed
from utils.jobs.runner import ChunkWork
from utils.models import Job
from utils.seeding import NamePools, SeedOptions, chunk_random, name_pools, seed_run

JOINED_WITHIN = timedelta(days=3 * 365)


def users_seed(*, options: SeedOptions) -> Outcome:
    """Create `options.count` customers with realistic names and unique emails."""
    return seed_run(kind="seed_users", options=options, freeze=_freeze, work_for=_work_for)


def _freeze() -> dict[str, Any]:
    # Usernames number from the highest id so far: later runs never reuse a number.
    highest = User.objects.aggregate(highest=Max("pk"))["highest"] or 0
    return {"offset": highest, "now": timezone.now().isoformat()}


def _work_for(job: Job) -> ChunkWork:
    pools = name_pools(job.params["seed"])
    offset = job.params["offset"]
    now = datetime.fromisoformat(job.params["now"])

    def work(chunk: Claimed) -> int:
        rng = chunk_random(job=job, chunk=chunk)
        users = [_user(rng, pools, offset + n, now) for n in range(chunk.lo, chunk.hi)]
        User.objects.bulk_create(users)
        return len(users)

    return work


def _user(rng: Random, pools: NamePools, number: int, now: datetime) -> User:
    first, last = rng.choice(pools.first), rng.choice(pools.last)
    handle = f"{first}.{last}{number}".lower()
    return User(
        username=handle,
        email=f"{handle}@{rng.choice(pools.domains)}",
        first_name=first,
        last_name=last,
        password="!",  # unusable: seeded customers cannot log in
        date_joined=now - JOINED_WITHIN * rng.random(),
    )
