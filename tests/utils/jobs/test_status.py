import datetime
import threading

import pytest
from django.db import connection, transaction
from django.utils import timezone

from tests.conftest import mysql_only
from utils.jobs.claims import chunk_begin, chunks_claim
from utils.jobs.planner import split_even
from utils.jobs.selectors import job_recent_rate
from utils.jobs.status import job_status_text
from utils.models import Chunk

pytestmark = pytest.mark.django_db

MOVED = datetime.datetime(2026, 3, 4, 5, 6, 7, tzinfo=datetime.UTC)


def test_a_job_whose_workers_are_gone_reads_stalled_with_when_it_last_moved(make_job) -> None:
    job = make_job(rows=3)
    chunks_claim(job=job, owner="gone", lease_seconds=30, limit=2, split=split_even)
    job.chunks.filter(seq=0).update(state=Chunk.State.DONE, rows=1, done_at=MOVED)
    # The database went away: the worker died holding a lease, which has run out since.
    job.chunks.filter(seq=1).update(lease_until=timezone.now() - datetime.timedelta(seconds=1))
    job.__class__.objects.filter(pk=job.pk).update(updated_at=MOVED)
    job.refresh_from_db()

    text = job_status_text(job=job)

    assert text.startswith(f"test job #{job.pk}: stalled\n")
    assert "workers   0 holding batches; last moved 2026-03-04 05:06:07 UTC" in text
    assert "no worker holds a lease" in text


def test_a_job_with_a_live_lease_reads_running(make_job) -> None:
    job = make_job(rows=3)
    chunks_claim(job=job, owner="alive", lease_seconds=30, limit=1, split=split_even)
    text = job_status_text(job=job)
    assert text.startswith(f"test job #{job.pk}: running\n")
    assert "workers   1 holding batches" in text


def test_the_rate_is_rows_over_the_time_the_last_batches_took(make_job) -> None:
    job = make_job(rows=300, chunk_size=100)
    chunks_claim(job=job, owner="a", lease_seconds=30, limit=3, split=split_even)
    for seq in range(3):
        job.chunks.filter(seq=seq).update(
            state=Chunk.State.DONE, rows=100, done_at=MOVED + datetime.timedelta(seconds=seq)
        )
    # The first batch ended when the measured span began: 200 rows in 2 seconds.
    assert job_recent_rate(job=job) == 100.0
    assert "rate      100 rows/s" in job_status_text(job=job)


def test_there_is_no_rate_before_two_batches_are_done(make_job) -> None:
    job = make_job(rows=3)
    assert job_recent_rate(job=job) is None
    assert "rate      -" in job_status_text(job=job)


@mysql_only
@pytest.mark.django_db(transaction=True)
def test_a_worker_still_doing_a_chunk_whose_lease_ran_out_reads_running(make_job) -> None:
    job = make_job(rows=2)
    claimed = chunks_claim(job=job, owner="slow", lease_seconds=30, limit=1, split=split_even)
    assert claimed is not None
    [chunk] = claimed
    inside, done = threading.Event(), threading.Event()

    def slow_worker() -> None:
        with transaction.atomic():
            chunk_begin(job=job, chunk=chunk, owner="slow", lease_seconds=30)
            inside.set()
            done.wait(10)
        connection.close()

    # The lease others see is the claim's until the chunk commits; it has run out.
    job.chunks.update(lease_until=timezone.now() - datetime.timedelta(seconds=1))
    worker = threading.Thread(target=slow_worker)
    worker.start()
    inside.wait(10)
    try:
        text = job_status_text(job=job)
    finally:
        done.set()
        worker.join(10)
    assert text.startswith(f"test job #{job.pk}: running\n")
    assert "workers   1 holding batches" in text
