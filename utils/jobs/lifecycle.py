"""Open (start or resume), abandon and close jobs. At most one unfinished job per kind."""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models.functions import Now

from utils.jobs.claims import chunks_update_pending
from utils.jobs.selectors import job_activity, job_progress, job_state
from utils.models import Chunk, Job

# Rows per chunk when the command is not given --batch-size.
DEFAULT_BATCH_SIZE = 1000


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
    total: int


def job_open(
    *,
    kind: str,
    draft: Callable[[], JobDraft],
    requested: Mapping[str, Any],
    batch_size: int | None,
    resume: bool,
    abandon: bool,
) -> Job:
    """Return the job to run: the unfinished one (with resume) or a new one.

    `requested` holds the parameters the operator gave explicitly; resuming a job that was
    started with other values is refused rather than silently ignoring them. The batch size
    is not frozen: a resume may change it for the chunks still to do.
    """
    if resume and abandon:
        raise JobConflict("--resume and --abandon exclude each other")
    unfinished = Job.objects.filter(active_kind=kind).first()
    if unfinished is not None and abandon:
        job_abandon(job=unfinished)
        unfinished = None
    if unfinished is None:
        return _job_create(kind=kind, draft=draft, chunk_size=batch_size or DEFAULT_BATCH_SIZE)
    if not resume:
        raise JobConflict(
            f"{kind} job #{unfinished.pk} is unfinished ({_describe(unfinished)}): rerun with"
            " --resume to finish it, or --abandon to close it and start afresh"
        )
    _check_same_params(job=unfinished, requested=requested)
    # Only while it is unfinished: another process may have completed or abandoned it since
    # we read it, and the run then ends at once with that outcome.
    Job.objects.filter(pk=unfinished.pk, active_kind=kind).update(
        status=Job.Status.RUNNING, chunk_size=batch_size or unfinished.chunk_size, updated_at=Now()
    )
    unfinished.refresh_from_db()
    return unfinished


def job_abandon(*, job: Job) -> None:
    """Close an unfinished job. Its workers stop at their next claim or commit.

    The job's row is locked first, as claims do, so no chunk is cut after this; then every
    pending chunk is cancelled, which waits for the chunks being done right now (their
    transactions hold their rows) to commit. No chunk commits after this transaction has.
    The finish time is stamped last, so it follows every chunk that committed meanwhile.
    """
    with transaction.atomic():
        closed = Job.objects.filter(pk=job.pk, active_kind__isnull=False).update(
            status=Job.Status.ABANDONED, active_kind=None
        )
        if closed:
            chunks_update_pending(job=job, to={"state": Chunk.State.CANCELLED})
            Job.objects.filter(pk=job.pk).update(finished_at=Now())


def job_finish(*, job: Job) -> bool:
    """Mark the job completed if every chunk is cut and done; True when it is (or was)."""
    with transaction.atomic():
        locked = Job.objects.select_for_update().get(pk=job.pk)
        if locked.active_kind is None:
            return locked.status == Job.Status.COMPLETED
        if locked.planned_to < locked.scope_hi:
            return False
        if locked.chunks.filter(state=Chunk.State.PENDING).exists():
            return False
        # Rows still being written when the job counted its scope are done too: the total
        # becomes what was done.
        done = job_progress(job=locked).done
        Job.objects.filter(pk=job.pk).update(
            status=Job.Status.COMPLETED,
            active_kind=None,
            finished_at=Now(),
            total=max(locked.total, done),
        )
    return True


def job_stopped(*, job: Job, status: Job.Status, error: str = "") -> None:
    """Record an interruption or a failure; the job stays unfinished and resumable."""
    Job.objects.filter(pk=job.pk, active_kind__isnull=False).update(
        status=status, last_error=error[:2000], updated_at=Now()
    )


def _job_create(*, kind: str, draft: Callable[[], JobDraft], chunk_size: int) -> Job:
    try:
        with transaction.atomic():
            frozen = draft()
            job = Job.objects.create(
                kind=kind,
                active_kind=kind,
                params=frozen.params,
                scope_lo=frozen.scope_lo,
                scope_hi=frozen.scope_hi,
                planned_to=frozen.scope_lo,
                chunk_size=chunk_size,
                total=frozen.total,
                started_at=Now(),
            )
    except IntegrityError:
        # Another process created the unfinished job between our check and our insert.
        raise JobConflict(
            f"another {kind} job was started at the same time: rerun with --resume to join it"
        ) from None
    job.refresh_from_db()  # the times the database gave it
    return job


def _describe(job: Job) -> str:
    progress = job_progress(job=job)
    activity = job_activity(job=job)
    state = job_state(job=job, activity=activity)
    text = f"{progress.done:,}/{progress.total:,} done, {state}"
    if state != Job.Status.RUNNING and activity.last_moved is not None:
        text += f", last moved {activity.last_moved:%Y-%m-%d %H:%M:%S} UTC"
    return text


def _check_same_params(*, job: Job, requested: Mapping[str, Any]) -> None:
    for name, value in requested.items():
        if value is not None and job.params.get(name) != value:
            raise JobConflict(
                f"{job.kind} job #{job.pk} was started with {name}={job.params.get(name)!r},"
                f" not {value!r}: resume it with the same value, or --abandon it"
            )
