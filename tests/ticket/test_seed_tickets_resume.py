"""Real subprocesses and real signals: an interrupted seed run resumes to the same result."""

import signal

import pytest
from django.core.management import call_command

from tests.conftest import signal_after_batches
from ticket.models import Ticket
from utils.management.base import EXIT_INTERRUPTED
from utils.models import Counter, Job

pytestmark = pytest.mark.django_db(transaction=True)

COUNT = 30_000
RUN = ("seed_tickets", f"--count={COUNT}", "--seed=5", "--batch-size=500", "--lease-seconds=2")


@pytest.fixture
def orders() -> None:
    call_command("seed_users", count=20, seed=1)
    call_command("seed_orders", count=100, seed=1)


def interrupt(spawn, signum: int) -> int:
    """Start a run, wait until it reports progress (batches have committed), signal it."""
    process = spawn(*RUN)
    signal_after_batches(process, 1, signum)
    return int(process.returncode)


def uninterrupted_result() -> dict[str, int | None]:
    """What the same seed gives without interruption, from the same starting state."""
    Ticket.objects.all().delete()
    Job.objects.filter(kind="seed_tickets").delete()
    Counter.objects.filter(name="barcode").delete()  # a database that never had tickets
    call_command("seed_tickets", count=COUNT, seed=5, batch_size=500)
    return dict(Ticket.objects.values_list("barcode", "order_id"))


def test_resume_after_kill_9_finishes_the_same_run(orders, spawn, manage) -> None:
    assert interrupt(spawn, signal.SIGKILL) == -signal.SIGKILL
    assert 0 < Ticket.objects.count() < COUNT

    result = manage("seed_tickets", f"--count={COUNT}", "--resume")

    assert result.returncode == 0, result.stderr
    assert Ticket.objects.count() == COUNT
    assert Ticket.objects.values("token").distinct().count() == COUNT
    resumed = dict(Ticket.objects.values_list("barcode", "order_id"))
    assert resumed == uninterrupted_result()


def test_sigterm_commits_in_flight_batches_and_exits_resumable(orders, spawn, manage) -> None:
    assert interrupt(spawn, signal.SIGTERM) == EXIT_INTERRUPTED
    job = Job.objects.get(kind="seed_tickets")
    assert job.status == Job.Status.INTERRUPTED
    done_rows = sum(job.chunks.filter(state="done").values_list("rows", flat=True))
    assert Ticket.objects.count() == done_rows  # nothing half written

    result = manage("seed_tickets", "--resume")

    assert result.returncode == 0, result.stderr
    assert f"{COUNT:,}/{COUNT:,} tickets" in result.stdout
    assert Ticket.objects.values("barcode").distinct().count() == COUNT


def test_ctrl_c_prints_how_to_resume(orders, spawn) -> None:
    process = spawn(*RUN)
    stderr = signal_after_batches(process, 1, signal.SIGINT)
    assert process.returncode == EXIT_INTERRUPTED
    assert "python manage.py seed_tickets --resume" in stderr


def test_unfinished_job_is_refused_without_resume(orders, spawn, manage) -> None:
    interrupt(spawn, signal.SIGTERM)
    before = Ticket.objects.count()

    result = manage("seed_tickets", "--count=10")

    assert result.returncode == 1
    assert "--resume" in result.stderr
    assert "--abandon" in result.stderr
    assert Ticket.objects.count() == before


def test_abandon_closes_the_unfinished_job_and_starts_afresh(orders, spawn, manage) -> None:
    interrupt(spawn, signal.SIGTERM)
    before = Ticket.objects.count()

    result = manage("seed_tickets", "--count=10", "--abandon")

    assert result.returncode == 0, result.stderr
    assert Ticket.objects.count() == before + 10
    statuses = set(Job.objects.filter(kind="seed_tickets").values_list("status", flat=True))
    assert statuses == {Job.Status.ABANDONED, Job.Status.COMPLETED}


def test_resume_with_nothing_to_resume_simply_runs(orders, manage) -> None:
    result = manage("seed_tickets", "--count=40", "--resume")
    assert result.returncode == 0, result.stderr
    assert Ticket.objects.count() == 40
