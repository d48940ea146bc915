"""Reads about jobs: progress, whether anyone is working on them, how fast they go."""

from dataclasses import dataclass
from datetime import datetime

from django.db import connection, transaction
from django.db.models import Max, QuerySet, Sum
from django.db.models.functions import Now
from django.utils import timezone

from utils.jobs.claims import owner_gone
from utils.models import Chunk, Job

# The recent rate is measured over the last this many chunks done.
RATE_CHUNKS = 20


@dataclass(frozen=True)
class JobProgress:
    done: int
    total: int


@dataclass(frozen=True)
class JobActivity:
    # Workers whose lease on a pending chunk has not run out.
    workers: int
    # The last time the job moved: its latest done chunk, or its own latest change.
    last_moved: datetime | None


def job_find(*, kind: str, job_id: int | None = None) -> Job | None:
    """The given job, or the latest of its kind. Index: job_kind_created."""
    jobs = Job.objects.filter(kind=kind)
    return jobs.filter(pk=job_id).first() if job_id else jobs.order_by("-created_at").first()


def job_progress(*, job: Job) -> JobProgress:
    """Rows done so far, summed over done chunks (there is no hot counter row to contend on)."""
    done = job.chunks.filter(state=Chunk.State.DONE).aggregate(rows=Sum("rows"))["rows"]
    return JobProgress(done=done or 0, total=job.total)


def job_activity(*, job: Job) -> JobActivity:
    """Who is working on the job: holders of a lease that has not run out (but for processes
    of this host that died), and of a chunk whose lease ran out while it is being done (its
    transaction holds the chunk's row)."""
    last_done = job.chunks.filter(state=Chunk.State.DONE).aggregate(last=Max("done_at"))["last"]
    moments = [moment for moment in (last_done, job.updated_at) if moment is not None]
    return JobActivity(
        workers=len(job_lease_holders(job=job)), last_moved=max(moments, default=None)
    )


def job_lease_holders(*, job: Job) -> set[str]:
    """The workers (host:pid:nonce) holding the job's pending chunks, as job_activity counts
    them. Index: chunk_job_state_seq."""
    pending = job.chunks.filter(state=Chunk.State.PENDING).exclude(lease_owner="")
    live = pending.filter(lease_until__gt=Now()).values_list("lease_owner", flat=True)
    return {owner for owner in live if not owner_gone(owner)} | _owners_in_expired_chunks(
        pending.filter(lease_until__lte=Now())
    )


def _owners_in_expired_chunks(expired: QuerySet[Chunk]) -> set[str]:
    """The owners of expired chunks that a transaction holds: rows SKIP LOCKED passes over.
    (SQLite has no row locks, and a write transaction there would queue behind the worker.)"""
    if not connection.features.has_select_for_update_skip_locked:
        return set()
    with transaction.atomic():
        free = set(expired.select_for_update(skip_locked=True).values_list("pk", flat=True))
        return {owner for pk, owner in expired.values_list("pk", "lease_owner") if pk not in free}


def job_state(*, job: Job, activity: JobActivity) -> str:
    """The recorded status, except that an unfinished job is `running` only while a worker
    holds a lease on it: a job left `running` by a process that died is `stalled`."""
    if job.active_kind is None:
        return job.status
    if activity.workers:
        return Job.Status.RUNNING
    return "stalled" if job.status == Job.Status.RUNNING else job.status


def job_recent_rate(*, job: Job) -> float | None:
    """Rows per second over the job's last RATE_CHUNKS done chunks, between the first and
    the last of them; None before two chunks are done. Index: chunk_job_state_seq."""
    recent = list(
        job.chunks.filter(state=Chunk.State.DONE)
        .order_by("-done_at")
        .values_list("rows", "done_at")[:RATE_CHUNKS]
    )
    if len(recent) < 2:
        return None
    (_, newest), (_, oldest) = recent[0], recent[-1]
    if newest is None or oldest is None:  # done chunks have their time
        return None
    seconds = (newest - oldest).total_seconds()
    # The oldest chunk's rows were done before the measured span began.
    rows = sum(rows for rows, _ in recent[:-1])
    return rows / seconds if seconds > 0 else None


def job_average_rate(*, job: Job, done: int) -> float | None:
    """Rows per second from the job's start to its end, or to now while unfinished."""
    if job.started_at is None or not done:
        return None
    seconds = ((job.finished_at or timezone.now()) - job.started_at).total_seconds()
    return done / seconds if seconds > 0 else None


def job_eta_seconds(*, job: Job, done: int, rate: float | None) -> float | None:
    """Seconds left at `rate`, for an unfinished job."""
    if job.active_kind is None or not rate:
        return None
    return max(job.total - done, 0) / rate
