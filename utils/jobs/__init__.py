"""The batch-job engine every bulk command runs on.

Rules, for every kind of job:
- Transaction boundary: one chunk = one transaction. It opens by locking the chunk's row and
  checking that this worker holds it (claims.chunk_begin), and closes by marking it done, so a
  chunk's work commits exactly once whatever fails and wherever. A job abandoned while it runs
  commits no chunk after its abandonment has committed.
- Idempotency: a chunk's work runs against a frozen scope (the job's params and range) and
  is deterministic where the job needs it to be, so doing it again after a rollback gives the
  same result.
- Resume: a job is a database row; a crash leaves its unfinished chunks pending, and their
  leases expire. `--resume` (from any number of processes, on any hosts) claims what is left,
  and may change the batch size of what is left.
"""

from utils.jobs.lifecycle import (
    JobConflict,
    JobDraft,
    JobError,
    JobFailed,
    job_abandon,
    job_open,
)
from utils.jobs.runner import ChunkWork, Outcome, RunOptions, job_run, run
from utils.jobs.selectors import job_progress

__all__ = [
    "ChunkWork",
    "JobConflict",
    "JobDraft",
    "JobError",
    "JobFailed",
    "Outcome",
    "RunOptions",
    "job_abandon",
    "job_open",
    "job_progress",
    "job_run",
    "run",
]
