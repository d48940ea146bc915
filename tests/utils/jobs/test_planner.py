import pytest

pytestmark = pytest.mark.django_db


def test_chunks_cover_the_frozen_range_without_gaps_or_overlap(make_job) -> None:
    job = make_job(rows=2503, chunk_size=1000)
    ranges = list(job.chunks.order_by("seq").values_list("seq", "lo", "hi"))
    assert ranges == [(0, 0, 1000), (1, 1000, 2000), (2, 2000, 2503)]


def test_an_empty_range_plans_no_chunk(make_job) -> None:
    assert not make_job(rows=0).chunks.exists()
