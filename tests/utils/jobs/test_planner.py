import pytest

from utils.jobs.claims import chunks_claim, leases_release
from utils.jobs.planner import split_even
from utils.models import Job

pytestmark = pytest.mark.django_db


def claim_all(job: Job, owner: str = "me") -> list[tuple[int, int, int]]:
    """Claim until nothing is left; the chunks in the order they were claimed."""
    claimed: list[tuple[int, int, int]] = []
    while batch := chunks_claim(
        job=job, owner=owner, lease_seconds=30, limit=100, split=split_even
    ):
        claimed += [(chunk.seq, chunk.lo, chunk.hi) for chunk in batch]
    return claimed


def test_chunks_cover_the_frozen_range_without_gaps_or_overlap(make_job) -> None:
    job = make_job(rows=2503, chunk_size=1000)
    assert claim_all(job) == [(0, 0, 1000), (1, 1000, 2000), (2, 2000, 2503)]


def test_an_empty_range_cuts_no_chunk(make_job) -> None:
    job = make_job(rows=0)
    assert claim_all(job) == []
    assert not job.chunks.exists()


def test_a_pending_chunk_is_recut_to_a_smaller_batch_size(make_job) -> None:
    job = make_job(rows=20, chunk_size=10)
    claim_all(job, owner="first")
    leases_release(job=job, owner="first")

    resumed = make_job(rows=20, chunk_size=4, resume=True)

    assert resumed.chunk_size == 4
    claimed = claim_all(resumed)
    assert claimed[:2] == [(0, 0, 4), (1, 10, 14)]
    covered = sorted((lo, hi) for _, lo, hi in claimed)
    assert covered == [(0, 4), (4, 8), (8, 10), (10, 14), (14, 18), (18, 20)]
    assert all(hi - lo <= 4 for _, lo, hi in claimed)
