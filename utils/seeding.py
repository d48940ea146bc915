"""Shared pieces of the seed commands.

Rules (on top of the job engine's): a seed job freezes its parameters, its random seed and
its starting point at creation, and a chunk's rows depend only on those and the chunk's
range, so a chunk that is redone after an interruption writes exactly what it would have.
Faker is asked once per run for pools of values; rows draw from the pools, which keeps
Faker's per-call cost out of the per-row loop.
"""

import hashlib
import random
import secrets
from array import array
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from django.db.models import QuerySet

from utils.jobs import JobDraft, JobError, Outcome, job_open, run
from utils.jobs.claims import Claimed
from utils.jobs.runner import ChunkWork
from utils.models import Job

DEFAULT_BATCH_SIZE = 1000
POOL_SIZE = 1000
_MASK64 = (1 << 64) - 1


@dataclass(frozen=True, kw_only=True)
class SeedOptions:
    count: int | None = None
    seed: int | None = None
    batch_size: int | None = None
    resume: bool = False
    abandon: bool = False
    concurrency: int = 2
    lease_seconds: int = 30


def seed_run(
    *,
    kind: str,
    options: SeedOptions,
    requested: dict[str, Any] | None = None,
    freeze: Callable[[], dict[str, Any]],
    work_for: Callable[[Job], ChunkWork],
) -> Outcome:
    """Start (or resume) a seed job of `options.count` rows and run it.

    `requested` holds kind-specific options (None when not given); `freeze` returns what a
    new job must fix at its start (defaults, the current high-water mark of ids) and raises
    JobError when a prerequisite is missing; `work_for` builds the chunk work for the job.
    """
    asked = {
        "count": options.count,
        "seed": options.seed,
        "batch_size": options.batch_size,
        **(requested or {}),
    }

    def draft() -> JobDraft:
        if options.count is None:
            raise JobError(f"no unfinished {kind} job to resume: give --count")
        params = {
            "seed": secrets.randbelow(2**31),
            "batch_size": DEFAULT_BATCH_SIZE,
            **freeze(),
            **{name: value for name, value in asked.items() if value is not None},
        }
        return JobDraft(
            params=params,
            scope_lo=0,
            scope_hi=options.count,
            chunk_size=params["batch_size"],
            total=options.count,
        )

    job = job_open(
        kind=kind, requested=asked, resume=options.resume, abandon=options.abandon, draft=draft
    )
    return run(
        job,
        work=work_for(job),
        concurrency=options.concurrency,
        lease_seconds=options.lease_seconds,
    )


def chunk_random(*, job: Job, chunk: Claimed) -> random.Random:
    """The chunk's own generator: the same job seed and range always give the same rows."""
    return random.Random(f"{job.kind}:{job.params['seed']}:{chunk.lo}")


def scramble64(number: int, key: int) -> int:
    """A bijection on 64-bit integers (splitmix64's finaliser applied to number XOR key).

    Distinct numbers give distinct results, so codes built from a counter are unique without
    asking the database, yet look random.
    """
    z = (number ^ key) & _MASK64
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK64
    return z ^ (z >> 31)


def code_key(seed: int, purpose: str) -> int:
    digest = hashlib.blake2b(f"{purpose}:{seed}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big")


def barcode(number: int, key: int) -> str:
    """16 hex digits: all 64 bits of the scrambled counter (b32encode costs 10x more)."""
    return f"{scramble64(number, key):016X}"


@dataclass(frozen=True)
class NamePools:
    first: list[str]
    last: list[str]
    domains: list[str]


@lru_cache(maxsize=4)
def name_pools(seed: int) -> NamePools:
    from faker import Faker  # imported here: it costs 0.3 s that only name pools need

    fake = Faker("en_US")
    fake.seed_instance(seed)
    return NamePools(
        first=_distinct(fake.first_name() for _ in range(POOL_SIZE)),
        last=_distinct(fake.last_name() for _ in range(POOL_SIZE)),
        domains=_distinct(fake.free_email_domain() for _ in range(50)),
    )


def _distinct(values: Iterable[str]) -> list[str]:
    return sorted(set(values))


def pk_array(queryset: "QuerySet[Any]") -> "array[int]":
    """The queryset's primary keys as a compact array (8 bytes each), streamed from the
    database: a run picks related rows by position without holding model instances."""
    return array("q", queryset.order_by("pk").values_list("pk", flat=True).iterator(10_000))
