import threading

import pytest
from django.db import connection, transaction

import utils.jobs.ordered
from tests.utils.jobs.test_claims import claim
from utils.jobs import JobError
from utils.jobs.claims import LeaseLost, chunk_begin, chunk_complete
from utils.jobs.ordered import LineOrder

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_chunk_takes_the_keys_that_the_one_before_passed_until_it_commits(make_job) -> None:
    job = make_job(rows=3)
    first, second = claim(job, "a", limit=2)
    order = LineOrder(job)
    with transaction.atomic():
        chunk_begin(job=job, chunk=first, owner="a", lease_seconds=30)
        with order.doing(first):
            order.pass_(first, frozenset({"X"}))
            assert order.turn(second) == {"X"}
        chunk_complete(job=job, chunk=first, owner="a", rows=1)
    assert order.turn(second) == frozenset()


def test_a_chunk_waits_for_the_one_before_to_pass(make_job) -> None:
    job = make_job(rows=3)
    first, second = claim(job, "a", limit=2)
    order = LineOrder(job)
    turns: list[frozenset[object]] = []

    def later() -> None:
        turns.append(order.turn(second))
        connection.close()

    with transaction.atomic():
        chunk_begin(job=job, chunk=first, owner="a", lease_seconds=30)
        with order.doing(first):
            waiting = threading.Thread(target=later)
            waiting.start()
            waiting.join(timeout=0.3)
            assert waiting.is_alive()  # the first has not decided yet
            assert turns == []
            order.pass_(first, frozenset({"X"}))
            waiting.join()
    assert turns == [{"X"}]


@pytest.fixture
def short_grace(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(utils.jobs.ordered, "GRACE_SECONDS", 0.1)


def test_a_chunk_gives_way_when_the_one_before_is_not_being_done(make_job, short_grace) -> None:
    # Claimed by this run but never started: a stop skipped it, or it is between attempts.
    job = make_job(rows=3)
    _, second = claim(job, "a", limit=2)
    with pytest.raises(LeaseLost, match="gave way"):
        LineOrder(job).turn(second)


def test_a_chunk_that_needs_the_one_before_committed_is_not_let_by_its_pass(
    make_job, short_grace
) -> None:
    job = make_job(rows=3)
    first, second = claim(job, "a", limit=2)
    order = LineOrder(job)
    order.pass_(first, frozenset({"X"}))
    with pytest.raises(LeaseLost):
        order.turn(second, settled_below=second.lo)


def test_a_chunk_after_one_that_another_process_holds_stops_its_run(make_job) -> None:
    job = make_job(rows=3)
    claim(job, "other-host:1:x")
    (second,) = claim(job, "a")
    with pytest.raises(JobError, match="held by another process"):
        LineOrder(job).turn(second)
