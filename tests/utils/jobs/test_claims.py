import datetime
import os
import socket
import subprocess
import sys

import pytest
from django.db import transaction
from django.utils import timezone

from utils.jobs import job_abandon
from utils.jobs.claims import (
    Claimed,
    LeaseLost,
    chunk_begin,
    chunk_complete,
    chunks_claim,
    leases_release,
    leases_release_gone,
    others_pending_wait,
)
from utils.jobs.planner import split_even
from utils.jobs.selectors import job_activity
from utils.models import Chunk, Job

pytestmark = pytest.mark.django_db


def claim(job: Job, owner: str, limit: int = 1, lease_seconds: int = 30) -> list[Claimed]:
    claimed = chunks_claim(
        job=job, owner=owner, lease_seconds=lease_seconds, limit=limit, split=split_even
    )
    assert claimed is not None
    return claimed


def expire(job: Job, chunk: Claimed) -> None:
    Chunk.objects.filter(job=job, seq=chunk.seq).update(
        lease_until=timezone.now() - datetime.timedelta(seconds=1)
    )


def do(job: Job, chunk: Claimed, owner: str, rows: int = 1) -> None:
    with transaction.atomic():
        chunk_begin(job=job, chunk=chunk, owner=owner, lease_seconds=30)
        chunk_complete(job=job, chunk=chunk, owner=owner, rows=rows)


def test_each_chunk_is_claimed_by_one_worker_in_order(make_job) -> None:
    job = make_job(rows=5)
    first = claim(job, "a", limit=2)
    second = claim(job, "b", limit=10)
    assert [(chunk.seq, chunk.lo, chunk.hi) for chunk in first] == [(0, 0, 1), (1, 1, 2)]
    assert [chunk.seq for chunk in second] == [2, 3, 4]
    assert claim(job, "c") == []


def test_chunks_are_cut_only_as_they_are_claimed(make_job) -> None:
    job = make_job(rows=10**12, chunk_size=1000)
    assert not job.chunks.exists()

    claimed = claim(job, "a", limit=3)

    assert [(chunk.lo, chunk.hi) for chunk in claimed] == [(0, 1000), (1000, 2000), (2000, 3000)]
    job.refresh_from_db()
    assert (job.chunks.count(), job.planned_to) == (3, 3000)


def test_an_expired_lease_is_taken_over_and_its_holder_skips_the_chunk(make_job) -> None:
    job = make_job(rows=1)
    [stale] = claim(job, "slow")
    expire(job, stale)

    [taken] = claim(job, "other")

    assert taken.seq == stale.seq
    with pytest.raises(LeaseLost), transaction.atomic():
        chunk_begin(job=job, chunk=stale, owner="slow", lease_seconds=30)
    do(job, taken, "other")
    assert Chunk.objects.get(job=job, seq=taken.seq).lease_owner == "other"


def test_a_worker_never_claims_again_a_chunk_it_holds(make_job) -> None:
    job = make_job(rows=1)
    [held] = claim(job, "me")
    expire(job, held)

    assert claim(job, "me") == []
    # Nobody else took it: the holder still does it, though its lease ran out.
    do(job, held, "me")
    assert job.chunks.get().state == Chunk.State.DONE


def test_a_stale_claim_of_a_chunk_recut_and_leased_back_is_skipped(make_job) -> None:
    job = make_job(rows=100, chunk_size=10)
    [stale] = claim(job, "a")
    expire(job, stale)
    Job.objects.filter(pk=job.pk).update(chunk_size=5)  # as `--resume --batch-size 5` does
    claim(job, "b")  # re-cuts it to [0, 5) and hands [5, 10) out as a chunk of its own...
    leases_release(job=job, owner="b")  # ...and, interrupted, hands it back
    [fresh] = claim(job, "a")  # the first holder gets it again, with its new range

    assert (stale.seq, stale.lo, stale.hi, fresh.seq, fresh.lo, fresh.hi) == (0, 0, 10, 0, 0, 5)
    with pytest.raises(LeaseLost), transaction.atomic():
        chunk_begin(job=job, chunk=stale, owner="a", lease_seconds=30)
    do(job, fresh, "a", rows=5)
    assert job.chunks.get(seq=0).rows == 5


def test_a_begun_chunk_has_its_lease_extended(make_job) -> None:
    job = make_job(rows=1)
    [chunk] = claim(job, "me", lease_seconds=1)
    expire(job, chunk)
    with transaction.atomic():
        chunk_begin(job=job, chunk=chunk, owner="me", lease_seconds=600)
    lease_until = Chunk.objects.get(job=job).lease_until
    assert lease_until is not None
    assert lease_until > timezone.now() + datetime.timedelta(minutes=9)


def test_leases_follow_the_database_clock_not_the_host_clock(make_job, monkeypatch) -> None:
    job = make_job(rows=1)
    # A host whose clock runs an hour fast.
    fast = timezone.now() + datetime.timedelta(hours=1)
    monkeypatch.setattr(timezone, "now", lambda: fast)

    claim(job, "fast-host", lease_seconds=30)

    lease_until = Chunk.objects.get(job=job).lease_until
    assert lease_until is not None
    real_now = datetime.datetime.now(datetime.UTC)
    assert datetime.timedelta(0) < lease_until - real_now <= datetime.timedelta(seconds=30)


def test_a_done_chunk_cannot_be_done_twice(make_job) -> None:
    job = make_job(rows=1)
    [chunk] = claim(job, "a")
    do(job, chunk, "a", rows=7)
    with pytest.raises(LeaseLost):
        do(job, chunk, "a", rows=7)
    assert Chunk.objects.get(job=job).rows == 7


def test_an_abandoned_job_has_nothing_to_claim_or_begin(make_job) -> None:
    job = make_job(rows=3)
    [chunk] = claim(job, "a")

    job_abandon(job=job)

    with pytest.raises(LeaseLost), transaction.atomic():
        chunk_begin(job=job, chunk=chunk, owner="a", lease_seconds=30)
    assert chunks_claim(job=job, owner="b", lease_seconds=30, limit=5, split=split_even) is None
    assert set(job.chunks.values_list("state", flat=True)) == {Chunk.State.CANCELLED}


def test_others_pending_tells_when_a_foreign_lease_runs_out(make_job) -> None:
    job = make_job(rows=2)
    claim(job, "other")
    [mine] = claim(job, "me")
    wait = others_pending_wait(job=job, owner="me")
    assert wait is not None
    assert 20 < wait <= 30
    assert others_pending_wait(job=job, owner="other") is not None  # mine is still pending
    do(job, mine, "me")
    assert others_pending_wait(job=job, owner="other") is None


def a_dead_process() -> str:
    """The pid of a process of this host that has ended."""
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return str(process.pid)


def test_chunks_of_a_dead_process_of_this_host_are_handed_back_at_once(make_job) -> None:
    job = make_job(rows=3)
    host = socket.gethostname()
    dead, alive, elsewhere = f"{host}:{a_dead_process()}:x", f"{host}:{os.getpid()}:x", "far:1:x"
    for owner in (dead, alive, elsewhere):
        claim(job, owner)

    assert leases_release_gone(job=job, owner="me") == 1

    owners = dict(job.chunks.values_list("seq", "lease_owner"))
    assert owners == {0: "", 1: alive, 2: elsewhere}
    assert job_activity(job=job).workers == 2
