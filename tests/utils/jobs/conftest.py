from collections.abc import Callable

import pytest

from utils.jobs import JobDraft, job_open
from utils.models import Job

MakeJob = Callable[..., Job]


@pytest.fixture
def make_job() -> MakeJob:
    """A job of kind `test` over [0, rows) in chunks of `chunk_size` (1 for a new job; a
    resume keeps the job's unless given)."""

    def make(rows: int = 10, chunk_size: int | None = None, **options: bool) -> Job:
        draft = JobDraft(params={"rows": rows}, scope_lo=0, scope_hi=rows, total=rows)
        resume = options.get("resume", False)
        return job_open(
            kind="test",
            draft=lambda: draft,
            requested={},
            batch_size=chunk_size or (None if resume else 1),
            resume=resume,
            abandon=options.get("abandon", False),
        )

    return make
