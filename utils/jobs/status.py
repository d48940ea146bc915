"""A job's record as text, for `--status`."""

from datetime import datetime, timedelta

from django.db.models import Sum
from django.utils import timezone

from utils.jobs.lifecycle import JobError, job_progress
from utils.models import Chunk, Job

RATE_WINDOW = timedelta(minutes=1)


def job_find(*, kind: str, job_id: int | None = None) -> Job | None:
    """The given job, or the latest of its kind. Index: job_kind_created."""
    if job_id is None:
        return Job.objects.filter(kind=kind).order_by("-created_at").first()
    job = Job.objects.filter(kind=kind, pk=job_id).first()
    if job is None:
        raise JobError(f"there is no {kind} job #{job_id}")
    return job


def job_status_text(*, job: Job) -> str:
    progress = job_progress(job=job)
    percent = 100 * progress.done / progress.total if progress.total else 100.0
    now = timezone.now()
    pending = job.chunks.filter(state=Chunk.State.PENDING)
    workers = pending.filter(lease_until__gt=now).values("lease_owner").distinct().count()
    recent = job.chunks.filter(state=Chunk.State.DONE, done_at__gt=now - RATE_WINDOW)
    rate = (recent.aggregate(rows=Sum("rows"))["rows"] or 0) / RATE_WINDOW.total_seconds()
    lines = [
        f"{job.kind} job #{job.pk}: {job.status}",
        f"  done      {progress.done:,}/{progress.total:,} ({percent:.1f}%),"
        f" {pending.count():,} batches left",
        f"  scope     ids {job.scope_lo:,} to {job.scope_hi - 1:,},"
        f" in batches of {job.chunk_size:,}",
        f"  started   {_when(job.started_at)}",
        f"  finished  {_when(job.finished_at)}",
        f"  workers   {workers} holding batches; {rate:,.0f} rows/s over the last minute",
    ]
    if job.last_error:
        lines.append(f"  error     {job.last_error}")
    return "\n".join(lines)


def _when(moment: datetime | None) -> str:
    return f"{moment:%Y-%m-%d %H:%M:%S} UTC" if moment else "-"
