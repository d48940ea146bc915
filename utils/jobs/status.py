"""A job's record as text, for `--status`."""

from datetime import datetime

from utils.jobs.selectors import job_activity, job_progress, job_recent_rate, job_state
from utils.models import Chunk, Job


def job_status_text(*, job: Job) -> str:
    progress = job_progress(job=job)
    activity = job_activity(job=job)
    state = job_state(job=job, activity=activity)
    percent = 100 * progress.done / progress.total if progress.total else 100.0
    pending = job.chunks.filter(state=Chunk.State.PENDING).count()
    rate = job_recent_rate(job=job)
    done = (
        f"  done      {progress.done:,}/{progress.total:,} ({percent:.1f}%),"
        f" {pending:,} batches pending"
    )
    if job.planned_to < job.scope_hi:
        done += f", ids from {job.planned_to:,} not yet cut into batches"
    lines = [
        f"{job.kind} job #{job.pk}: {state}",
        done,
        f"  scope     ids {job.scope_lo:,} to {job.scope_hi - 1:,},"
        f" in batches of {job.chunk_size:,}",
        f"  started   {_when(job.started_at)}",
        f"  finished  {_when(job.finished_at)}",
        f"  workers   {activity.workers} holding batches; last moved {_when(activity.last_moved)}",
        "  rate      " + (f"{rate:,.0f} rows/s over the last batches" if rate else "-"),
    ]
    if state == "stalled":
        lines.append("  note      no worker holds a lease: the process that ran it has stopped")
    if job.last_error:
        lines.append(f"  error     {job.last_error}")
    return "\n".join(lines)


def _when(moment: datetime | None) -> str:
    return f"{moment:%Y-%m-%d %H:%M:%S} UTC" if moment else "-"
