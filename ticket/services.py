from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from random import Random
from typing import Any, Literal

from django.db.models import Count, Max, Min
from django.utils import timezone

from order.models import Order
from order.selectors import order_ids
from ticket.models import RevokedToken, Ticket
from ticket.rotation import tokens_rotate_chunk, tokens_rotate_selected_chunk
from ticket.selectors import ticket_by_token, tickets_range_end
from ticket.tokens import token_hash, token_hexes, token_keys, token_parse
from utils.jobs import (
    ChunkWork,
    JobConflict,
    JobDraft,
    JobError,
    Outcome,
    RunOptions,
    job_abandon,
    job_open,
    job_run,
)
from utils.jobs.selectors import job_activity
from utils.models import Job
from utils.seeding import SeedOptions, barcode, numbers_reserve, seed_run, seed_work
from utils.sql import rows_insert

DEFAULT_UNSOLD_RATIO = 0.1
REGENERATE_KIND = "regenerate_tokens"
# Staff rotate a selection of tickets from the admin, in the request: bounded, so that the
# request ends in seconds (10,000 tickets: 1.3 to 2.1 s on MariaDB here, 300,000 in the table).
REGENERATE_SELECTED_KIND = "regenerate_tokens_selected"
SELECTION_LIMIT = 10_000
SELECTION_LEASE_SECONDS = 30
# Rotation waits on the disk more than on the CPU once the indexes outgrow the buffer pool:
# 1M tickets on MariaDB's default 128 MiB pool took 74.5 s with 1 worker, 53 s with 2,
# 39.4 s with 4 and 39.6 s with 8.
ROTATION_CONCURRENCY = 4
TICKET_COLUMNS = ("barcode", "token", "order")

SEED_TICKETS_KIND = "seed_tickets"


def tickets_seed(*, options: SeedOptions, unsold_ratio: float | None = None) -> Outcome:
    """Create `options.count` tickets over the existing orders, a share of them unsold.

    Barcodes and order assignment are a function of the seed and the ticket's position, so
    an interrupted and resumed run ends with the same tickets as an uninterrupted one;
    tokens are fresh random UUIDs by design.
    """
    return seed_run(
        kind=SEED_TICKETS_KIND,
        options=options,
        requested={"unsold_ratio": unsold_ratio},
        freeze=_freeze,
        work_for=_work_for,
    )


def _freeze(count: int, seed: int) -> dict[str, Any]:
    highest_order = Order.objects.aggregate(highest=Max("pk"))["highest"]
    if highest_order is None:
        raise JobError("there are no orders yet: run seed_orders first")
    key, first = numbers_reserve(name="barcode", count=count, seed=seed, first=_highest_ticket)
    return {
        "unsold_ratio": DEFAULT_UNSOLD_RATIO,
        "barcode_key": key,
        "first_number": first,
        "max_order_id": highest_order,
    }


def _highest_ticket() -> int:
    return Ticket.objects.aggregate(highest=Max("pk"))["highest"] or 0


def _work_for(job: Job) -> ChunkWork:
    orders = order_ids(up_to=job.params["max_order_id"])
    unsold_ratio = job.params["unsold_ratio"]
    first = job.params["first_number"]
    key = job.params["barcode_key"]

    def row(rng: Random, n: int) -> tuple[str, int | None]:
        unsold, pick = rng.random(), rng.random()  # two draws a row, whatever is drawn
        order = None if unsold < unsold_ratio else orders[int(pick * len(orders))]
        return barcode(first + n, key), order

    return seed_work(job=job, row=row, write=tickets_insert)


def tickets_insert(rows: list[tuple[str, int | None]]) -> None:
    """New tickets (barcode, order or None), each with a fresh token."""
    rows_insert(model=Ticket, fields=TICKET_COLUMNS, rows=ticket_rows(rows))


def ticket_rows(rows: list[tuple[str, int | None]]) -> list[tuple[str, str, int | None]]:
    """Ticket rows (barcode, token, order) for TICKET_COLUMNS, each with a fresh token."""
    tokens = token_hexes(len(rows))
    return [(code, token, order) for (code, order), token in zip(rows, tokens, strict=True)]


def ticket_tokens_regenerate(*, options: RunOptions) -> Outcome:
    """Give every ticket that exists now a new token, recording the old ones as revoked.

    The scope is frozen at the start: tickets created later already carry fresh tokens.
    Any number of processes may run this with resume=True to share the job.
    """
    return job_run(
        kind=REGENERATE_KIND,
        options=options,
        draft=_rotation_draft,
        requested={},
        work_for=lambda job: partial(tokens_rotate_chunk, job_id=job.pk),
        split=tickets_range_end,
    )


def ticket_tokens_regenerate_selected(*, ticket_ids: Collection[int]) -> Outcome:
    """Give the given tickets new tokens now, in this process, under a job of their own: the
    same rotation as ticket_tokens_regenerate, for a staff member's selection of at most
    SELECTION_LIMIT tickets. Ids that name no ticket are passed over.

    One such job runs at a time. One left unfinished by a process that died (its leases ran
    out, nothing moved for a lease's length) is abandoned; its committed batches stand.
    """
    ids = sorted(set(ticket_ids))
    if len(ids) > SELECTION_LIMIT:
        raise JobError(
            f"{len(ids):,} tickets selected, more than {SELECTION_LIMIT:,}: run"
            " `python manage.py regenerate_tokens` to rotate every ticket in batches"
        )
    _stalled_selection_abandon()
    try:
        return job_run(
            kind=REGENERATE_SELECTED_KIND,
            options=RunOptions(lease_seconds=SELECTION_LEASE_SECONDS),
            draft=lambda: JobDraft(
                params={"ticket_ids": ids}, scope_lo=0, scope_hi=len(ids), total=len(ids)
            ),
            requested={},
            work_for=lambda job: partial(
                tokens_rotate_selected_chunk, job_id=job.pk, ticket_ids=job.params["ticket_ids"]
            ),
        )
    except JobConflict:
        # job_open's message speaks of the command's --resume and --abandon.
        raise JobConflict(
            "Another selection of tickets is being rotated right now; try again in a moment."
            f" (One whose request died is closed {SELECTION_LEASE_SECONDS} s after it last"
            " moved.)"
        ) from None


def _stalled_selection_abandon() -> None:
    job = Job.objects.filter(active_kind=REGENERATE_SELECTED_KIND).first()
    if job is None:
        return
    activity = job_activity(job=job)
    quiet_since = timezone.now() - timedelta(seconds=SELECTION_LEASE_SECONDS)
    if not activity.workers and (activity.last_moved or quiet_since) <= quiet_since:
        job_abandon(job=job)


def rotation_job_open(*, batch_size: int | None = None) -> Job:
    """A new rotation job over today's tickets, for workers to join with --resume."""
    return job_open(
        kind=REGENERATE_KIND,
        draft=_rotation_draft,
        requested={},
        batch_size=batch_size,
        resume=False,
        abandon=False,
    )


def _rotation_draft() -> JobDraft:
    # Index: MIN/MAX of the primary key are one probe each; COUNT scans it once.
    scope = Ticket.objects.aggregate(lo=Min("pk"), hi=Max("pk"), count=Count("pk"))
    lo, hi = scope["lo"] or 0, (scope["hi"] or -1) + 1
    return JobDraft(params={}, scope_lo=lo, scope_hi=hi, total=scope["count"])


@dataclass(frozen=True)
class TokenCheck:
    status: Literal["valid", "revoked", "unknown"]
    ticket: Ticket | None = None
    revoked_at: datetime | None = None


def token_check(*, token: str) -> TokenCheck:
    """Tell whether a presented token is valid (with its ticket and `customer_id`), revoked
    (with when, and the ticket it belonged to) or unknown: a unique-index probe, then for a
    token no ticket holds one range access of the revoked tokens' key index.

    Not cached: one probe costs about what a Redis GET does (0.28 ms against 0.21 ms here),
    and a cache must never answer "valid" for a token whose rotation has committed.
    """
    value = token_parse(token)
    if value is None:
        return TokenCheck(status="unknown")
    ticket = ticket_by_token(token=value)
    if ticket is not None:
        return TokenCheck(status="valid", ticket=ticket)
    # Index: revoked_token_key, one range access of two keys; the full hash tells apart
    # tokens that share a key. The latest revocation wins should a token ever recur.
    revoked = (
        RevokedToken.objects.filter(
            token_key__in=token_keys(value.hex), token_hash=token_hash(value.hex)
        )
        .select_related("ticket")
        .order_by("-revoked_at")
        .first()
    )
    if revoked is not None:
        return TokenCheck(status="revoked", ticket=revoked.ticket, revoked_at=revoked.revoked_at)
    return TokenCheck(status="unknown")
