"""seed_users in real subprocesses: killed, then resumed to the same result."""

import signal

import pytest

from tests.conftest import signal_after_batches
from tests.utils.test_seeding import seeded_data
from user.models import User
from utils.models import Counter, Job

pytestmark = pytest.mark.django_db(transaction=True)

COUNT = 3000
RUN = ("seed_users", f"--count={COUNT}", "--seed=5", "--batch-size=50", "--lease-seconds=1")


def test_resume_after_kill_9_finishes_the_same_users(spawn, manage) -> None:
    signal_after_batches(spawn(*RUN), 1, signal.SIGKILL)
    assert 0 < User.objects.count() < COUNT

    result = manage("seed_users", "--resume")

    assert result.returncode == 0, result.stderr
    resumed = seeded_data()["users"]
    for model in (User, Job, Counter):
        model.objects.all().delete()
    assert manage(*RUN).returncode == 0
    assert seeded_data()["users"] == resumed
    assert len(resumed) == len({email for _, email, *_ in resumed}) == COUNT
