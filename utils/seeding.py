"""Shared pieces of the seed commands.

Rules, on top of the job engine's (utils/jobs):
- Determinism: a seed job freezes its seed, its start date and the numbers it reserves when
  it starts. Row n's values come from a random stream keyed by the fixed block of ROW_BLOCK
  rows that n falls in, so they depend on neither --batch-size nor --concurrency, and a chunk
  redone after an interruption writes exactly what it would have.
- Unique codes by construction: usernames and barcodes number from installation-wide
  counters (utils.Counter) that never hand out a number twice, and barcodes are scrambled
  with one key per installation, a bijection. The key comes from the first run's seed, so the
  same --seed on an empty database gives the same codes.
- Memory: a chunk is written in statements of STATEMENT_ROWS rows, whatever its size.
Faker is asked once per run for pools of values; rows draw from the pools.
"""

import hashlib
import random
import secrets
from array import array
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from functools import lru_cache
from itertools import islice
from typing import Any, TypeVar

from django.db.models import F, QuerySet
from django.utils import timezone

from utils.jobs import ChunkWork, JobDraft, JobError, Outcome, RunOptions, job_run
from utils.jobs.claims import Claimed
from utils.models import Counter, Job

# Rows that share one random stream. Small, because a chunk that starts inside a block
# replays the block from its start.
ROW_BLOCK = 100
STATEMENT_ROWS = 1000
POOL_SIZE = 1000
# At 40,000 rows/s a billion rows take seven hours; beyond that, run the command again.
MAX_COUNT = 1_000_000_000
_MASK64 = (1 << 64) - 1
_MASK63 = (1 << 63) - 1

Row = TypeVar("Row")


@dataclass(frozen=True, kw_only=True)
class SeedOptions:
    count: int | None = None
    seed: int | None = None
    run: RunOptions = field(default_factory=RunOptions)


def seed_run(
    *,
    kind: str,
    options: SeedOptions,
    requested: dict[str, Any] | None = None,
    freeze: Callable[[int, int], dict[str, Any]],
    work_for: Callable[[Job], ChunkWork],
) -> Outcome:
    """Start (or resume) a seed job of `options.count` rows and run it.

    `requested` holds kind-specific options (None when not given); `freeze(count, seed)`
    returns what a new job must fix at its start (defaults, reserved numbers) and raises
    JobError when a prerequisite is missing; `work_for` builds the chunk work for the job.
    """
    asked = {"count": options.count, "seed": options.seed, **(requested or {})}

    def draft() -> JobDraft:
        if options.count is None:
            raise JobError(f"no unfinished {kind} job to resume: give --count")
        seed = secrets.randbelow(2**31) if options.seed is None else options.seed
        params = {
            "seed": seed,
            "start_date": timezone.now().date().isoformat(),
            **freeze(options.count, seed),
            **{name: value for name, value in asked.items() if value is not None},
        }
        return JobDraft(params=params, scope_lo=0, scope_hi=options.count, total=options.count)

    return job_run(kind=kind, options=options.run, draft=draft, requested=asked, work_for=work_for)


def seed_work(
    *, job: Job, row: Callable[[random.Random, int], Row], write: Callable[[list[Row]], Any]
) -> ChunkWork:
    """Chunk work that writes rows lo..hi-1 of the job's stream, STATEMENT_ROWS at a time."""
    stream = f"{job.kind}:{job.params['seed']}"

    def work(chunk: Claimed) -> int:
        rows = iter(seeded_rows(stream=stream, lo=chunk.lo, hi=chunk.hi, row=row))
        while batch := list(islice(rows, STATEMENT_ROWS)):
            write(batch)
        return chunk.hi - chunk.lo

    return work


def seeded_rows(
    *, stream: str, lo: int, hi: int, row: Callable[[random.Random, int], Row]
) -> Iterator[Row]:
    """Rows lo..hi-1 of a stream: each block of ROW_BLOCK rows draws from a generator of its
    own, replayed from the block's start, so row n depends on the stream and n alone."""
    for block in range(lo // ROW_BLOCK, -(-hi // ROW_BLOCK)):
        rng = random.Random(f"{stream}:{block}")
        start = block * ROW_BLOCK
        for n in range(start, min(start + ROW_BLOCK, hi)):
            value = row(rng, n)
            if n >= lo:
                yield value


def numbers_reserve(
    *, name: str, count: int, seed: int, first: Callable[[], int]
) -> tuple[int, int]:
    """Reserve `count` numbers of the named counter for a new job; return the counter's key
    and the first number. Runs in the job's creation transaction; the counter's row lock
    queues concurrent reservations. `first` gives a new counter's start (past the numbers
    that rows made before counters existed may use)."""
    counter = Counter.objects.select_for_update().filter(name=name).first()
    if counter is None:
        counter = Counter.objects.create(name=name, key=code_key(seed, name), next=first())
    Counter.objects.filter(name=name).update(next=F("next") + count)
    return counter.key, counter.next


def start_moment(job: Job) -> datetime:
    """Midnight (UTC) of the day the job started: seeded dates count back from it."""
    return datetime.combine(date.fromisoformat(job.params["start_date"]), time(), UTC)


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
    """63 bits, so the key fits a signed BIGINT on every backend."""
    digest = hashlib.blake2b(f"{purpose}:{seed}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") & _MASK63


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
    """The (ordered) queryset's primary keys as a compact array (8 bytes each), streamed from
    the database: a run picks related rows by position without holding model instances."""
    return array("q", queryset.values_list("pk", flat=True).iterator(10_000))
