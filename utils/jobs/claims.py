"""Claiming chunks with a lease, and completing them only while the lease is held."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import models, transaction
from django.db.models import Count, Min, Q
from django.utils import timezone

from utils.models import Chunk, Job


class _Contended(Exception):
    """Another claimer took the chunk between our SELECT and our UPDATE."""


class LeaseLost(Exception):
    """The chunk was taken over (our lease ran out) or completed by another worker."""


@dataclass(frozen=True)
class Claimed:
    pk: int
    seq: int
    lo: int
    hi: int


CLAIM_ATTEMPTS = 5


def chunks_claim(*, job: Job, owner: str, lease_seconds: int, limit: int) -> list[Claimed]:
    """Lease up to `limit` pending chunks whose lease is free or expired, in seq order.

    SKIP LOCKED (MySQL 8, MariaDB >= 10.6) lets concurrent claimers pass over each other's
    candidate rows; the conditional UPDATE with its row count is what makes the claim safe on
    every backend, including SQLite where FOR UPDATE does not exist. Claiming several chunks
    per transaction matters: each claim costs a commit (about 3 ms on MariaDB here).
    Index: chunk_job_state_seq (job, state='pending', in seq order).
    """
    for _ in range(CLAIM_ATTEMPTS):
        try:
            return _claim_once(job=job, owner=owner, lease_seconds=lease_seconds, limit=limit)
        except _Contended:
            continue
    return []


def _claim_once(*, job: Job, owner: str, lease_seconds: int, limit: int) -> list[Claimed]:
    now = timezone.now()
    with transaction.atomic():
        chunks = list(
            _claimable(job=job, now=now)
            .select_for_update(skip_locked=True)
            .order_by("seq")
            .values_list("pk", "seq", "lo", "hi")[:limit]
        )
        if not chunks:
            return []
        claimed = (
            _claimable(job=job, now=now)
            .filter(pk__in=[pk for pk, *_ in chunks])
            .update(lease_owner=owner, lease_until=now + timedelta(seconds=lease_seconds))
        )
        if claimed != len(chunks):
            raise _Contended  # rolls back our partial claim; try again
    return [Claimed(*chunk) for chunk in chunks]


def chunk_complete(*, chunk: Claimed, owner: str, rows: int) -> None:
    """Mark the chunk done inside the caller's transaction, or raise LeaseLost.

    The UPDATE takes the chunk's row lock and keeps it to commit: a claimer that wants the
    chunk after our lease ran out waits for our commit and then finds the chunk done.
    """
    marked = Chunk.objects.filter(pk=chunk.pk, state=Chunk.State.PENDING, lease_owner=owner).update(
        state=Chunk.State.DONE, rows=rows, done_at=timezone.now()
    )
    if marked != 1:
        raise LeaseLost(f"chunk {chunk.seq} was taken over by another worker")


def leases_release(*, job: Job, owner: str) -> None:
    """Hand back chunks this worker claimed but did not start, so others need not wait."""
    Chunk.objects.filter(job=job, state=Chunk.State.PENDING, lease_owner=owner).update(
        lease_owner="", lease_until=None
    )


def others_pending_until(*, job: Job, owner: str) -> datetime | None:
    """None when no pending chunk is left outside this worker; else when to look again
    (the earliest lease held elsewhere runs out then, and its chunk becomes claimable)."""
    held = Chunk.objects.filter(job=job, state=Chunk.State.PENDING).exclude(lease_owner=owner)
    found = held.aggregate(count=Count("pk"), until=Min("lease_until"))
    if not found["count"]:
        return None
    return found["until"] or timezone.now()


def _claimable(*, job: Job, now: datetime) -> models.QuerySet[Chunk]:
    return Chunk.objects.filter(job=job, state=Chunk.State.PENDING).filter(
        Q(lease_until__isnull=True) | Q(lease_until__lt=now)
    )
