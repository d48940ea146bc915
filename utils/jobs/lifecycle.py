"""Open (start or resume), abandon and close jobs. At most one unfinished job per kind."""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone

from utils.jobs.planner import chunks_plan
from utils.models import Chunk, Job


class JobError(Exception):
    """A job cannot go on; the message is one line for the operator."""


class JobConflict(JobError):
    pass


class JobFailed(JobError):
    pass


@dataclass(frozen=True)
class JobDraft:
    """What a new job freezes at its start: its parameters and the range it covers."""

    params: dict[str, Any]
    scope_lo: int
    scope_hi: int
    chunk_size: int
    total: int


@dataclass(frozen=True)
class JobProgress:
    done: int
    total: int


def job_open(
    *,
    kind: str,
    requested: Mapping[str, Any],
    resume: bool,
    abandon: bool,
    draft: Callable[[], JobDraft],
) -> Job:
    """Return the job to run: the unfinished one (with resume) or a new one.

    `requested` holds the parameters the operator gave explicitly; resuming a job that was
    started with other values is refused rather than silently ignoring them.
    """
    unfinished = Job.objects.filter(active_kind=kind).first()
    if unfinished is not None and abandon:
        job_abandon(job=unfinished)
        unfinished = None
    if unfinished is None:
        return _job_create(kind=kind, draft=draft)
    if not resume:
        progress = job_progress(job=unfinished)
        raise JobConflict(
            f"{kind} job #{unfinished.pk} is unfinished ({progress.done}/{progress.total} done,"
            f" {unfinished.status}): rerun with --resume to finish it, or --abandon to close it"
            " and start afresh"
        )
    _check_same_params(job=unfinished, requested=requested)
    Job.objects.filter(pk=unfinished.pk).update(
        status=Job.Status.RUNNING, updated_at=timezone.now()
    )
    unfinished.refresh_from_db()
    return unfinished


def job_abandon(*, job: Job) -> None:
    Job.objects.filter(pk=job.pk, active_kind__isnull=False).update(
        status=Job.Status.ABANDONED, active_kind=None, finished_at=timezone.now()
    )


def job_progress(*, job: Job) -> JobProgress:
    """Rows done so far, summed over done chunks (there is no hot counter row to contend on)."""
    done = job.chunks.filter(state=Chunk.State.DONE).aggregate(rows=Sum("rows"))["rows"]
    return JobProgress(done=done or 0, total=job.total)


def job_finish(*, job: Job) -> bool:
    """Mark the job completed if no chunk is pending; True when it is (or already was)."""
    with transaction.atomic():
        if job.chunks.filter(state=Chunk.State.PENDING).exists():
            return False
        Job.objects.filter(pk=job.pk, active_kind__isnull=False).update(
            status=Job.Status.COMPLETED, active_kind=None, finished_at=timezone.now()
        )
    return True


def job_stopped(*, job: Job, status: Job.Status, error: str = "") -> None:
    """Record an interruption or a failure; the job stays unfinished and resumable."""
    Job.objects.filter(pk=job.pk, active_kind__isnull=False).update(
        status=status, last_error=error[:2000], updated_at=timezone.now()
    )


def _job_create(*, kind: str, draft: Callable[[], JobDraft]) -> Job:
    try:
        with transaction.atomic():
            frozen = draft()
            job = Job.objects.create(
                kind=kind,
                active_kind=kind,
                params=frozen.params,
                scope_lo=frozen.scope_lo,
                scope_hi=frozen.scope_hi,
                chunk_size=frozen.chunk_size,
                total=frozen.total,
                started_at=timezone.now(),
            )
            chunks_plan(job=job)
    except IntegrityError:
        # Another process created the unfinished job between our check and our insert.
        raise JobConflict(
            f"another {kind} job was started at the same time: rerun with --resume to join it"
        ) from None
    return job


def _check_same_params(*, job: Job, requested: Mapping[str, Any]) -> None:
    for name, value in requested.items():
        if value is not None and job.params.get(name) != value:
            raise JobConflict(
                f"{job.kind} job #{job.pk} was started with {name}={job.params.get(name)!r},"
                f" not {value!r}: resume it with the same value, or --abandon it"
            )
