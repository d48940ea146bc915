from collections.abc import Callable

import pytest

from utils.jobs import JobDraft, job_open
from utils.models import Job

MakeJob = Callable[..., Job]


@pytest.fixture
def make_job() -> MakeJob:
    """A job of kind `test` over [0, rows) in chunks of `chunk_size`."""

    def make(rows: int = 10, chunk_size: int = 1, **options: bool) -> Job:
        draft = JobDraft(
            params={"rows": rows}, scope_lo=0, scope_hi=rows, chunk_size=chunk_size, total=rows
        )
        return job_open(
            kind="test",
            requested={},
            resume=options.get("resume", False),
            abandon=options.get("abandon", False),
            draft=lambda: draft,
        )

    return make
