import socket
import threading

import pytest
from django.db import OperationalError, connection

from tests.utils.jobs.test_claims import a_dead_process
from utils.jobs import JobFailed, run, runner
from utils.jobs.claims import Claimed, chunks_claim
from utils.jobs.planner import split_even
from utils.jobs.runner import ATTEMPTS
from utils.models import Chunk, Job

pytestmark = pytest.mark.django_db(transaction=True)

DEADLOCK = OperationalError(1213, "Deadlock found when trying to get lock")


def test_every_chunk_is_worked_exactly_once_by_the_workers(make_job) -> None:
    job = make_job(rows=60, chunk_size=1)
    seen: list[int] = []
    threads: set[str] = set()
    lock = threading.Lock()

    def work(chunk: Claimed) -> int:
        with lock:
            seen.append(chunk.seq)
            threads.add(threading.current_thread().name)
        return 1

    outcome = run(job, work=work, concurrency=3)

    assert sorted(seen) == list(range(60))
    # SQLite has one writer at a time, so the engine runs one worker there.
    assert len(threads) == (1 if connection.vendor == "sqlite" else 3)
    assert (outcome.status, outcome.done, outcome.total) == ("completed", 60, 60)
    job.refresh_from_db()
    assert (job.status, job.active_kind) == (Job.Status.COMPLETED, None)


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
            raise DEADLOCK
        return 1

    outcome = run(job, work=deadlocks_once)

    assert (outcome.status, outcome.done) == ("completed", 3)
    assert sorted(attempts) == [0, 1, 1, 2]


def test_a_chunk_out_of_retries_fails_the_run_in_one_line_and_stays_resumable(
    make_job,
) -> None:
    job = make_job(rows=3, chunk_size=1)
    attempts: list[int] = []

    def always_deadlocks(chunk: Claimed) -> int:
        if chunk.seq == 1:
            attempts.append(chunk.seq)
            raise DEADLOCK
        return 1

    with pytest.raises(JobFailed) as failure:
        run(job, work=always_deadlocks)

    assert len(attempts) == ATTEMPTS
    assert "\n" not in str(failure.value)
    assert "OperationalError: (1213, 'Deadlock found" in str(failure.value)
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED
    assert run(make_job(resume=True), work=lambda chunk: 1).status == "completed"


def test_a_job_that_fails_on_every_resume_finishes_with_a_smaller_batch_size(make_job) -> None:
    job = make_job(rows=40, chunk_size=20)

    def too_big_over_ten(chunk: Claimed) -> int:
        if chunk.hi - chunk.lo > 10:
            raise ValueError("packet too large")
        return chunk.hi - chunk.lo

    with pytest.raises(JobFailed, match="packet too large"):
        run(job, work=too_big_over_ten)
    with pytest.raises(JobFailed, match="packet too large"):
        run(make_job(resume=True), work=too_big_over_ten)

    outcome = run(make_job(chunk_size=10, resume=True), work=too_big_over_ten)

    assert (outcome.status, outcome.done) == ("completed", 40)
    assert all(hi - lo <= 10 for lo, hi in job.chunks.filter(state="done").values_list("lo", "hi"))


def test_a_claim_that_times_out_on_a_lock_is_retried(make_job, monkeypatch) -> None:
    job = make_job(rows=3)
    claims: list[int] = []

    def times_out_once(**kwargs):
        claims.append(1)
        if len(claims) == 1:  # waited 50 s behind an abandonment, say
            raise OperationalError(1205, "Lock wait timeout exceeded; try restarting transaction")
        return chunks_claim(**kwargs)

    monkeypatch.setattr(runner, "chunks_claim", times_out_once)

    assert run(job, work=lambda chunk: 1).status == "completed"
    assert len(claims) >= 2


def test_a_resumed_run_first_takes_back_the_chunks_of_a_dead_process_of_this_host(
    make_job,
) -> None:
    job = make_job(rows=4, chunk_size=1)
    dead = f"{socket.gethostname()}:{a_dead_process()}:x"
    chunks_claim(job=job, owner=dead, lease_seconds=3600, limit=2, split=split_even)
    seen: list[int] = []

    def work(chunk: Claimed) -> int:
        seen.append(chunk.seq)
        return 1

    outcome = run(make_job(resume=True), work=work)

    assert seen == [0, 1, 2, 3]
    assert outcome.status == "completed"
