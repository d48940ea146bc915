import pytest

from utils.jobs import JobConflict, JobDraft, job_abandon, job_open, job_progress
from utils.models import Job

pytestmark = pytest.mark.django_db


def test_a_second_job_of_a_kind_is_refused_while_one_is_unfinished(make_job) -> None:
    first = make_job()
    with pytest.raises(JobConflict, match=rf"job #{first.pk} is unfinished .*--resume.*--abandon"):
        make_job()
    assert Job.objects.count() == 1


def test_resume_returns_the_unfinished_job(make_job) -> None:
    first = make_job()
    assert make_job(resume=True).pk == first.pk


def test_abandon_closes_the_unfinished_job_and_opens_a_new_one(make_job) -> None:
    first = make_job()
    second = make_job(abandon=True)
    first.refresh_from_db()
    assert first.status == Job.Status.ABANDONED
    assert first.active_kind is None
    assert second.pk != first.pk


def test_resume_refuses_parameters_that_differ_from_the_job(make_job) -> None:
    make_job(rows=10)
    with pytest.raises(JobConflict, match="started with rows=10, not 11"):
        job_open(
            kind="test",
            requested={"rows": 11},
            resume=True,
            abandon=False,
            draft=lambda: JobDraft(params={}, scope_lo=0, scope_hi=0, chunk_size=1, total=0),
        )


def test_progress_sums_done_chunks(make_job) -> None:
    job = make_job(rows=10, chunk_size=4)
    job.chunks.filter(seq__lt=2).update(state="done", rows=4)
    progress = job_progress(job=job)
    assert (progress.done, progress.total) == (8, 10)
    job_abandon(job=job)
