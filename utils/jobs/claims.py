"""Leases: which worker may do a chunk, and for how long it is reserved to it.

Rules:
- Lock order, everywhere: the job's row, then chunk rows. Claims and abandonment lock the job
  row first; a chunk's own transaction never touches the job row, so workers do not queue
  behind claims.
- A chunk's transaction opens by locking its chunk row, checking that this worker still holds
  it and that it is pending, and extending the lease (chunk_begin). From then on nobody can
  take it over, however long the work takes: claimers skip locked rows. A chunk that was taken
  over while it waited in a worker's queue is skipped by that worker (LeaseLost), never failed.
- A worker never claims a chunk it already holds, and does a chunk only with the range it
  holds it with now.
- Lease times are the database's clock (NOW(6)), so a host whose clock is off cannot shorten
  another host's lease. A lease held by a process of this host that has died (kill -9, a
  second Ctrl-C) is handed back at once instead of running out.
- Statements that change many chunk rows find them by primary key first: through the
  (job, state) index they would hold that index's entries while waiting for a worker's row,
  which the worker needs to mark its chunk done: a deadlock.
"""

import os
import socket
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.db.models import Count, F, Min, Q, QuerySet
from django.db.models.expressions import CombinedExpression
from django.db.models.functions import Now

from utils.jobs.planner import Split, chunk_recut, chunks_cut
from utils.models import Chunk, Job


class LeaseLost(Exception):
    """The chunk was taken over by another worker, done, or cancelled with its job."""


@dataclass(frozen=True)
class Claimed:
    seq: int
    lo: int
    hi: int


def chunks_claim(
    *, job: Job, owner: str, lease_seconds: int, limit: int, split: Split
) -> list[Claimed] | None:
    """Lease up to `limit` chunks: pending ones that nobody holds (re-cut to the job's chunk
    size), then new ones cut from what is left. None when the job is no longer unfinished.

    Claimers queue on the job's row lock; SKIP LOCKED passes over the chunks that workers are
    doing right now. Each claim costs a commit, so a worker's claimer takes several at once.
    Index: chunk_job_state_seq (job, state='pending', in seq order).
    """
    with transaction.atomic():
        locked = Job.objects.select_for_update().filter(pk=job.pk, active_kind=job.kind).first()
        if locked is None:
            return None
        free = list(
            _claimable(job=locked, owner=owner)
            .select_for_update(skip_locked=True)
            .order_by("seq")
            .values_list("seq", "lo", "hi")[:limit]
        )
        claimed = [
            Claimed(seq, lo, chunk_recut(job=locked, seq=seq, lo=lo, hi=hi, split=split))
            for seq, lo, hi in free
        ]
        leased = (
            _claimable(job=locked, owner=owner)
            .filter(seq__in=[chunk.seq for chunk in claimed])
            .update(lease_owner=owner, lease_until=lease_end(lease_seconds))
        )
        if leased != len(claimed):  # the job's row lock rules it out; the count checks it
            raise RuntimeError(f"claimed {len(claimed)} chunks but leased {leased}")
        cut = chunks_cut(
            job=locked,
            count=limit - len(claimed),
            split=split,
            lease_owner=owner,
            lease_until=lease_end(lease_seconds),
        )
    return claimed + [Claimed(chunk.seq, chunk.lo, chunk.hi) for chunk in cut]


def chunk_begin(*, job: Job, chunk: Claimed, owner: str, lease_seconds: int) -> None:
    """The first statement of a chunk's transaction: lock the chunk's row if this worker
    still holds it, pending and with the range it was claimed with, and extend the lease;
    else raise LeaseLost. (A chunk re-cut smaller by another worker and then leased back to
    this process sits in its queue twice: only the claim with the current range may run.)"""
    held = Chunk.objects.filter(
        job=job,
        seq=chunk.seq,
        lo=chunk.lo,
        hi=chunk.hi,
        state=Chunk.State.PENDING,
        lease_owner=owner,
    ).update(lease_until=lease_end(lease_seconds))
    if held != 1:
        raise LeaseLost(f"chunk {chunk.seq} is no longer this worker's")


def chunk_complete(*, job: Job, chunk: Claimed, owner: str, rows: int) -> None:
    """Mark the chunk done, in the transaction that chunk_begin opened."""
    marked = Chunk.objects.filter(
        job=job, seq=chunk.seq, state=Chunk.State.PENDING, lease_owner=owner
    ).update(state=Chunk.State.DONE, rows=rows, done_at=Now())
    if marked != 1:
        raise LeaseLost(f"chunk {chunk.seq} is no longer this worker's")


def leases_release(*, job: Job, owner: str) -> None:
    """Hand back chunks this worker claimed but did not do, so others need not wait."""
    chunks_update_pending(job=job, lease_owner=owner, to={"lease_owner": "", "lease_until": None})


def leases_release_gone(*, job: Job, owner: str) -> int:
    """Hand back the chunks held by processes of this host that no longer run; their
    transactions rolled back with their connections. Return how many."""
    holders = job.chunks.filter(state=Chunk.State.PENDING, lease_until__gt=Now())
    gone = {
        holder
        for holder in holders.exclude(lease_owner=owner).values_list("lease_owner", flat=True)
        if owner_gone(holder)
    }
    if not gone:
        return 0
    return chunks_update_pending(
        job=job, lease_owner__in=gone, to={"lease_owner": "", "lease_until": None}
    )


def chunks_update_pending(*, job: Job, to: dict[str, Any], **where: Any) -> int:
    """Update the job's pending chunks that match `where`, found by primary key first."""
    pending = Chunk.objects.filter(job=job, state=Chunk.State.PENDING, **where)
    pks = list(pending.values_list("pk", flat=True))
    return Chunk.objects.filter(pk__in=pks, state=Chunk.State.PENDING, **where).update(**to)


def owner_name() -> str:
    """A lease holder: this host, this process, and a nonce for this run."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def owner_gone(owner: str) -> bool:
    """True when `owner` was a process of this host that no longer runs. A process on
    another host is never judged gone: its leases run out instead. (A pid reused since only
    makes us wait for the lease; a wrong verdict costs time, never a chunk: a chunk being
    worked on is locked, and claimers skip it.)"""
    host, _, rest = owner.partition(":")
    pid = rest.partition(":")[0]
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def others_pending_wait(*, job: Job, owner: str) -> float | None:
    """Seconds until a chunk held by another worker may be claimed (0 if one is free now);
    None when no pending chunk is left outside this worker."""
    held = Chunk.objects.filter(job=job, state=Chunk.State.PENDING).exclude(lease_owner=owner)
    found = held.aggregate(count=Count("pk"), wait=Min(F("lease_until") - Now()))
    if not found["count"]:
        return None
    wait: timedelta | None = found["wait"]
    return max(wait.total_seconds(), 0.0) if wait is not None else 0.0


def lease_end(seconds: int) -> CombinedExpression:
    return Now() + timedelta(seconds=seconds)


def _claimable(*, job: Job, owner: str) -> QuerySet[Chunk]:
    return (
        Chunk.objects.filter(job=job, state=Chunk.State.PENDING)
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=Now()))
        .exclude(lease_owner=owner)
    )
