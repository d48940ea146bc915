"""seed_orders in real subprocesses: killed, then resumed to the same result."""

import signal

import pytest
from django.core.management import call_command

from order.models import Order
from tests.conftest import signal_after_batches
from tests.utils.test_seeding import seeded_data
from utils.models import Job

pytestmark = pytest.mark.django_db(transaction=True)

COUNT = 6000
RUN = ("seed_orders", f"--count={COUNT}", "--seed=5", "--batch-size=50", "--lease-seconds=1")


def test_resume_after_kill_9_finishes_the_same_orders(spawn, manage) -> None:
    call_command("seed_users", count=50, seed=1)
    signal_after_batches(spawn(*RUN), 1, signal.SIGKILL)
    assert 0 < Order.objects.count() < COUNT

    result = manage("seed_orders", "--resume")

    assert result.returncode == 0, result.stderr
    resumed = seeded_data()["orders"]
    Order.objects.all().delete()
    Job.objects.filter(kind="seed_orders").delete()
    assert manage(*RUN).returncode == 0
    assert seeded_data()["orders"] == resumed
    assert len(resumed) == COUNT
