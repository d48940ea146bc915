"""Leases shorter than a chunk, with real processes sharing one job."""

import signal

import pytest

from tests.conftest import SLOW_JOB, signal_after_batches
from tests.utils.jobs.slow_job import KIND, barcode
from ticket.models import Ticket
from utils.jobs import JobDraft, job_open
from utils.models import Chunk, Job

pytestmark = pytest.mark.django_db(transaction=True)

ROWS = 6


def test_two_processes_with_leases_shorter_than_a_chunk_do_each_row_once(spawn) -> None:
    job_open(
        kind=KIND,
        draft=lambda: JobDraft(params={}, scope_lo=0, scope_hi=ROWS, total=ROWS),
        requested={},
        batch_size=1,
        resume=False,
        abandon=False,
    )
    # Each chunk takes 1.2 s against a lease of 1 s: a chunk waiting in one process's queue
    # loses its lease, the other process takes it over, and the first must skip it.
    workers = [
        spawn(*SLOW_JOB, "--resume", f"--rows={ROWS}", "--delay=1.2", "--lease-seconds=1")
        for _ in range(2)
    ]

    for worker in workers:
        _, stderr = worker.communicate(timeout=120)
        assert worker.returncode == 0, stderr
        assert "Traceback" not in stderr

    job = Job.objects.get(kind=KIND)
    assert job.status == Job.Status.COMPLETED
    assert sorted(Ticket.objects.values_list("barcode", flat=True)) == sorted(
        barcode(n) for n in range(ROWS)
    )
    assert list(job.chunks.values_list("state", flat=True).distinct()) == [Chunk.State.DONE]
    assert sum(job.chunks.values_list("rows", flat=True)) == ROWS


def test_resume_takes_over_a_killed_process_batches_without_waiting_for_its_leases(
    spawn, manage
) -> None:
    # Default 30 s leases; two batches in hand when it dies.
    process = spawn(*SLOW_JOB, "--rows=4", "--delay=0.5", "--batch-size=1", "--concurrency=1")
    signal_after_batches(process, 1, signal.SIGKILL)

    result = manage(*SLOW_JOB, "--rows=4", "--delay=0", "--resume")

    assert result.returncode == 0, result.stderr
    assert "waiting up to" not in result.stderr
    assert Ticket.objects.count() == 4
