import datetime
import threading

import pytest
from django.db import connection, transaction
from django.utils import timezone

from tests.conftest import until_a_transaction_waits_for_a_lock
from utils.jobs import JobConflict, JobDraft, job_abandon, job_open, job_progress, lifecycle
from utils.jobs.claims import chunk_begin, chunk_complete, chunks_claim
from utils.jobs.planner import split_even
from utils.models import Chunk, Job

pytestmark = pytest.mark.django_db


def test_a_second_job_of_a_kind_is_refused_while_one_is_unfinished(make_job) -> None:
    first = make_job()
    with pytest.raises(JobConflict, match=rf"job #{first.pk} is unfinished .*--resume.*--abandon"):
        make_job()
    assert list(Job.objects.values_list("pk", flat=True)) == [first.pk]


def test_the_refusal_says_a_job_nobody_works_on_is_stalled(make_job) -> None:
    job = make_job(rows=3)
    chunks_claim(job=job, owner="dead", lease_seconds=30, limit=1, split=split_even)
    job.chunks.update(lease_until=timezone.now() - datetime.timedelta(seconds=5))

    with pytest.raises(JobConflict, match=r"\(0/3 done, stalled, last moved 20\d\d-"):
        make_job()


def test_resume_returns_the_unfinished_job(make_job) -> None:
    first = make_job()
    assert make_job(resume=True).pk == first.pk


def test_abandon_closes_the_unfinished_job_and_opens_a_new_one(make_job) -> None:
    first = make_job(rows=4)
    chunks_claim(job=first, owner="a", lease_seconds=30, limit=2, split=split_even)

    second = make_job(abandon=True)

    first.refresh_from_db()
    assert (first.status, first.active_kind) == (Job.Status.ABANDONED, None)
    assert set(first.chunks.values_list("state", flat=True)) == {Chunk.State.CANCELLED}
    assert (second.status, second.active_kind) == (Job.Status.RUNNING, "test")


def test_resume_and_abandon_together_are_refused(make_job) -> None:
    first = make_job()
    with pytest.raises(JobConflict, match="--resume and --abandon exclude each other"):
        make_job(resume=True, abandon=True)
    first.refresh_from_db()
    assert first.status == Job.Status.RUNNING


def test_resume_refuses_parameters_that_differ_from_the_job(make_job) -> None:
    make_job(rows=10)
    with pytest.raises(JobConflict, match="started with rows=10, not 11"):
        job_open(
            kind="test",
            draft=lambda: JobDraft(params={}, scope_lo=0, scope_hi=0, total=0),
            requested={"rows": 11},
            batch_size=None,
            resume=True,
            abandon=False,
        )


def test_progress_sums_done_chunks(make_job) -> None:
    job = make_job(rows=10, chunk_size=4)
    chunks_claim(job=job, owner="a", lease_seconds=30, limit=3, split=split_even)
    job.chunks.filter(seq__lt=2).update(state=Chunk.State.DONE, rows=4)
    progress = job_progress(job=job)
    assert (progress.done, progress.total) == (8, 10)


def test_a_resume_never_reopens_a_job_finished_while_it_was_opening(make_job, monkeypatch) -> None:
    job = make_job(rows=0)
    check = lifecycle._check_same_params

    def finished_meanwhile(**kwargs):
        lifecycle.job_finish(job=job)  # another process completes the job right now
        check(**kwargs)

    monkeypatch.setattr(lifecycle, "_check_same_params", finished_meanwhile)

    resumed = make_job(rows=0, resume=True)

    assert (resumed.pk, resumed.status, resumed.active_kind) == (
        job.pk,
        Job.Status.COMPLETED,
        None,
    )
    assert lifecycle.job_finish(job=resumed)  # so its run reports "completed"


@pytest.mark.django_db(transaction=True)
def test_abandon_waits_for_the_chunk_in_flight_and_cancels_the_rest(make_job) -> None:
    # A table like a real one: other jobs' chunks, and this job mostly done. The server then
    # finds the job's pending chunks through the (job, state) index, which is what made
    # abandonment and a worker deadlock.
    earlier = Job.objects.create(kind="earlier", chunk_size=1, status=Job.Status.COMPLETED)
    Chunk.objects.bulk_create(
        Chunk(job=earlier, seq=n, lo=n, hi=n + 1, state=Chunk.State.DONE) for n in range(30_000)
    )
    job = make_job(rows=1000)
    claimed = chunks_claim(job=job, owner="w", lease_seconds=30, limit=1000, split=split_even)
    assert claimed is not None
    chunk = claimed[0]
    job.chunks.filter(seq__gte=3).update(state=Chunk.State.DONE)
    if connection.vendor == "mysql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE TABLE utils_chunk")  # statistics as of a table in use
    begun, errors = threading.Event(), []

    def worker() -> None:
        try:
            with transaction.atomic():
                chunk_begin(job=job, chunk=chunk, owner="w", lease_seconds=30)
                begun.set()
                until_a_transaction_waits_for_a_lock()  # the abandonment, on our chunk's row
                chunk_complete(job=job, chunk=chunk, owner="w", rows=1)
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    def abandoner() -> None:
        begun.wait(10)
        try:
            job_abandon(job=job)
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker), threading.Thread(target=abandoner)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert errors == []
    states = dict(job.chunks.filter(seq__lt=3).values_list("seq", "state"))
    assert states == {0: Chunk.State.DONE, 1: Chunk.State.CANCELLED, 2: Chunk.State.CANCELLED}
    job.refresh_from_db()
    assert job.status == Job.Status.ABANDONED
    # Its recorded end follows the chunk that committed while the abandonment waited.
    assert job.finished_at is not None
    assert job.chunks.get(seq=0).done_at <= job.finished_at
