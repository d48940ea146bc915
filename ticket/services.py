import uuid
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any, Literal

from django.db.models import Count, Max, Min

from order.models import Order
from order.selectors import order_ids
from ticket.models import RevokedToken, Ticket
from ticket.tokens import token_hash, token_hexes, tokens_rotate_chunk
from utils.jobs import JobDraft, JobError, Outcome, job_open, run
from utils.jobs.claims import Claimed
from utils.jobs.runner import ChunkWork
from utils.models import Job
from utils.seeding import (
    DEFAULT_BATCH_SIZE,
    SeedOptions,
    barcode,
    chunk_random,
    code_key,
    seed_run,
)
from utils.sql import rows_insert

DEFAULT_UNSOLD_RATIO = 0.1
REGENERATE_KIND = "regenerate_tokens"
# Rotation waits on the disk more than on the CPU once the indexes outgrow the buffer pool:
# 1M tickets on MariaDB's default 128 MiB pool took 74.5 s with 1 worker, 53 s with 2,
# 39.4 s with 4 and 39.6 s with 8.
ROTATION_CONCURRENCY = 4
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


def ticket_tokens_regenerate(
    *,
    batch_size: int | None = None,
    concurrency: int = ROTATION_CONCURRENCY,
    lease_seconds: int = 30,
    resume: bool = False,
    abandon: bool = False,
) -> Outcome:
    """Give every ticket that exists now a new token, recording the old ones as revoked.

    The scope is frozen at the start: tickets created later already carry fresh tokens.
    Any number of processes may run this with resume=True to share the job.
    """
    job = rotation_job_open(batch_size=batch_size, resume=resume, abandon=abandon)
    return run(
        job,
        work=partial(tokens_rotate_chunk, job_id=job.pk),
        concurrency=concurrency,
        lease_seconds=lease_seconds,
    )


def rotation_job_open(
    *, batch_size: int | None = None, resume: bool = False, abandon: bool = False
) -> Job:
    """The rotation job to work on: the unfinished one, or a new one over today's tickets."""
    return job_open(
        kind=REGENERATE_KIND,
        requested={"batch_size": batch_size},
        resume=resume,
        abandon=abandon,
        draft=lambda: _rotation_draft(batch_size=batch_size or DEFAULT_BATCH_SIZE),
    )


def _rotation_draft(*, batch_size: int) -> JobDraft:
    # Index: MIN/MAX of the primary key are one probe each; COUNT scans it once.
    scope = Ticket.objects.aggregate(lo=Min("pk"), hi=Max("pk"), count=Count("pk"))
    lo, hi = scope["lo"] or 0, (scope["hi"] or -1) + 1
    return JobDraft(
        params={"batch_size": batch_size},
        scope_lo=lo,
        scope_hi=hi,
        chunk_size=batch_size,
        total=scope["count"],
    )


@dataclass(frozen=True)
class TokenCheck:
    status: Literal["valid", "revoked", "unknown"]
    ticket: Ticket | None = None
    revoked_at: datetime | None = None


def token_check(*, token: str) -> TokenCheck:
    """Tell whether a presented token is valid (with its ticket), revoked (with when, and
    the ticket it belonged to) or unknown: one or two unique-index probes.

    Not cached. Measured on MariaDB + Redis here: 0.77 ms for a valid answer, 1.66 ms for
    an unknown one, 0.21 ms for a Redis GET. A cache would save about half a millisecond,
    but must never answer "valid" for a token whose rotation has committed, even when Redis
    hangs; that belongs with the endpoint that needs the speed, and its benchmark.
    """
    try:
        value = uuid.UUID(token)
    except ValueError:
        return TokenCheck(status="unknown")
    # Index: the unique token index.
    ticket = Ticket.objects.filter(token=value).first()
    if ticket is not None:
        return TokenCheck(status="valid", ticket=ticket)
    # Index: token_hash. The latest revocation wins should a token ever recur.
    revoked = (
        RevokedToken.objects.filter(token_hash=token_hash(value.hex))
        .select_related("ticket")
        .order_by("-revoked_at")
        .first()
    )
    if revoked is not None:
        return TokenCheck(status="revoked", ticket=revoked.ticket, revoked_at=revoked.revoked_at)
    return TokenCheck(status="unknown")
