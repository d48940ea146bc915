import threading

import pytest
from django.db import OperationalError

from utils.jobs import JobFailed, run
from utils.jobs.claims import Claimed
from utils.models import Chunk, Job

pytestmark = pytest.mark.django_db(transaction=True)


def test_every_chunk_is_worked_exactly_once_across_threads(make_job) -> None:
    job = make_job(rows=60, chunk_size=1)
    seen: list[int] = []
    lock = threading.Lock()

    def work(chunk: Claimed) -> int:
        with lock:
            seen.append(chunk.seq)
        return 1

    outcome = run(job, work=work, concurrency=3)

    assert sorted(seen) == list(range(60))
    assert (outcome.status, outcome.done, outcome.total) == ("completed", 60, 60)
    job.refresh_from_db()
    assert job.status == Job.Status.COMPLETED
    assert job.active_kind is None


def test_a_failing_chunk_fails_the_run_and_resume_finishes_the_rest(make_job) -> None:
    job = make_job(rows=10, chunk_size=1)

    def fragile(chunk: Claimed) -> int:
        if chunk.seq == 4:
            raise ValueError("disk on fire")
        return 1

    with pytest.raises(JobFailed, match="ValueError: disk on fire"):
        run(job, work=fragile)
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED
    assert "disk on fire" in job.last_error
    assert not Chunk.objects.filter(job=job, seq=4, state="done").exists()
    assert not Chunk.objects.filter(job=job, state="pending").exclude(lease_owner="").exists()

    outcome = run(make_job(resume=True), work=lambda chunk: 1)

    assert (outcome.status, outcome.done) == ("completed", 10)


def test_a_deadlocked_chunk_is_retried_and_committed_once(make_job) -> None:
    job = make_job(rows=3, chunk_size=1)
    attempts: list[int] = []

    def deadlocks_once(chunk: Claimed) -> int:
        attempts.append(chunk.seq)
        if attempts.count(chunk.seq) == 1 and chunk.seq == 1:
            raise OperationalError(1213, "Deadlock found when trying to get lock")
        return 1

    outcome = run(job, work=deadlocks_once)

    assert (outcome.status, outcome.done) == ("completed", 3)
    assert sorted(attempts) == [0, 1, 1, 2]
