import datetime

import pytest
from django.db import transaction
from django.utils import timezone

from utils.jobs.claims import LeaseLost, chunk_complete, chunks_claim, others_pending_until
from utils.models import Chunk

pytestmark = pytest.mark.django_db


def test_each_chunk_is_claimed_by_one_worker_in_order(make_job) -> None:
    job = make_job(rows=5)
    first = chunks_claim(job=job, owner="a", lease_seconds=30, limit=2)
    second = chunks_claim(job=job, owner="b", lease_seconds=30, limit=10)
    assert [chunk.seq for chunk in first] == [0, 1]
    assert [chunk.seq for chunk in second] == [2, 3, 4]
    assert chunks_claim(job=job, owner="c", lease_seconds=30, limit=1) == []


def test_an_expired_lease_is_taken_over_and_its_holder_cannot_complete(make_job) -> None:
    job = make_job(rows=1)
    [stale] = chunks_claim(job=job, owner="dead", lease_seconds=30, limit=1)
    Chunk.objects.filter(pk=stale.pk).update(
        lease_until=timezone.now() - datetime.timedelta(seconds=1)
    )

    [taken] = chunks_claim(job=job, owner="alive", lease_seconds=30, limit=1)

    assert taken.pk == stale.pk
    with pytest.raises(LeaseLost), transaction.atomic():
        chunk_complete(chunk=stale, owner="dead", rows=1)
    with transaction.atomic():
        chunk_complete(chunk=taken, owner="alive", rows=1)
    assert Chunk.objects.get(pk=taken.pk).lease_owner == "alive"


def test_a_done_chunk_cannot_be_completed_twice(make_job) -> None:
    job = make_job(rows=1)
    [chunk] = chunks_claim(job=job, owner="a", lease_seconds=30, limit=1)
    chunk_complete(chunk=chunk, owner="a", rows=7)
    with pytest.raises(LeaseLost):
        chunk_complete(chunk=chunk, owner="a", rows=7)
    assert Chunk.objects.get(pk=chunk.pk).rows == 7


def test_others_pending_tells_when_a_foreign_lease_runs_out(make_job) -> None:
    job = make_job(rows=2)
    chunks_claim(job=job, owner="other", lease_seconds=30, limit=1)
    [mine] = chunks_claim(job=job, owner="me", lease_seconds=30, limit=1)
    until = others_pending_until(job=job, owner="me")
    assert until is not None
    assert until > timezone.now() + datetime.timedelta(seconds=20)
    assert others_pending_until(job=job, owner="other") is not None  # mine is still pending
    chunk_complete(chunk=mine, owner="me", rows=1)
    assert others_pending_until(job=job, owner="other") is None
