"""The batch-job engine every bulk command runs on.

Rules, for every kind of job:
- Transaction boundary: one chunk = one transaction. A chunk's work and its `done` mark commit
  together, and the `done` mark is a conditional UPDATE that only the chunk's current lease
  holder can make, so a chunk's work commits exactly once whatever fails and wherever.
- Idempotency: a chunk's work runs against a frozen scope (the job's params and range) and
  is deterministic where the job needs it to be, so doing it again after a rollback gives the
  same result.
- Resume: a job is a database row; a crash leaves its unfinished chunks pending, and their
  leases expire. `--resume` (from any number of processes) claims what is left.
"""

from utils.jobs.lifecycle import (
    JobConflict,
    JobDraft,
    JobError,
    JobFailed,
    job_abandon,
    job_open,
    job_progress,
)
from utils.jobs.runner import Outcome, run

__all__ = [
    "JobConflict",
    "JobDraft",
    "JobError",
    "JobFailed",
    "Outcome",
    "job_abandon",
    "job_open",
    "job_progress",
    "run",
]
