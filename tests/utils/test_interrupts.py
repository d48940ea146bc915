"""Ctrl-C and SIGTERM at every stage of a command, in real processes."""

import signal
import time

import pytest

from tests.conftest import SLOW_JOB, progress_lines
from tests.utils.jobs.slow_job import KIND
from ticket.models import Ticket
from user.models import User
from utils.management.base import EXIT_INTERRUPTED
from utils.models import Job

pytestmark = pytest.mark.django_db(transaction=True)

SIGNAL_AT = ("-m", "tests.signal_at")


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_a_signal_during_start_up_stops_with_one_line(manage, signum, code) -> None:
    result = manage(*SIGNAL_AT, signum.name, "django.setup", "regenerate_tokens")
    assert result.returncode == code
    assert result.stderr == f"Interrupted by {signum.name}.\n"


def test_a_signal_while_a_job_is_planned_stops_with_one_line_and_changes_nothing(
    manage,
) -> None:
    result = manage(*SIGNAL_AT, "SIGTERM", "ticket.services._rotation_draft", "regenerate_tokens")
    assert result.returncode == 143
    assert result.stderr == (
        "CommandError: Interrupted by SIGTERM before the job started: nothing was changed\n"
    )
    assert not Job.objects.exists()


def test_a_signal_while_the_work_is_prepared_stops_the_job_resumably(manage) -> None:
    # The job is open; its run is building its name pools when Ctrl-C comes.
    result = manage(*SIGNAL_AT, "SIGINT", "user.services.name_pools", "seed_users", "--count=50")

    assert result.returncode == EXIT_INTERRUPTED
    assert "Traceback" not in result.stderr
    job = Job.objects.get(kind="seed_users")
    assert (job.status, User.objects.count()) == (Job.Status.INTERRUPTED, 0)

    resumed = manage("seed_users", "--resume")

    assert resumed.returncode == 0, resumed.stderr
    assert User.objects.count() == 50


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_a_second_signal_stops_at_once_under_a_slow_chunk_and_the_job_resumes(
    spawn, manage, signum, code
) -> None:
    process = spawn(
        *SLOW_JOB,
        "--rows=4",
        "--delay=1.5",
        "--batch-size=1",
        "--lease-seconds=2",
        "--concurrency=1",
    )
    progress_lines(process, 1)  # one chunk committed; the next one is in flight for 1.5 s

    process.send_signal(signum)
    # The operator's second keystroke, 50 ms later: not a synchronisation (two signals sent
    # at the same instant are one signal to Unix).
    time.sleep(0.05)
    process.send_signal(signum)
    _, stderr = process.communicate(timeout=30)

    assert process.returncode == code
    assert "Stopping after the batches in flight" in stderr
    assert stderr.rstrip().endswith(
        "Stopped at once: the batches in flight were rolled back; resume with --resume."
    )
    assert "Traceback" not in stderr
    assert Ticket.objects.count() == 1  # the chunk in flight rolled back

    result = manage(*SLOW_JOB, "--rows=4", "--delay=0", "--resume")

    assert result.returncode == 0, result.stderr
    assert Ticket.objects.count() == 4
    assert Job.objects.get(kind=KIND).status == Job.Status.COMPLETED
