"""The asyncio orchestrator: one claimer refills a queue whenever it runs dry, N workers
drain it.

Each worker owns one thread (and so one database connection) and does a chunk in one
transaction there, opened by chunk_begin and closed by chunk_complete (claims.py). A stop
signal stops the claimer; workers finish the chunk in hand, and chunks claimed but not started
are handed back. A worker error stops the run the same way and is recorded on the job, which
stays resumable. A job abandoned elsewhere stops the run at its next claim or chunk.
"""

import asyncio
import random
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import suppress
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

from asgiref.sync import sync_to_async
from django.db import DatabaseError, OperationalError, connection, connections, transaction

from utils.cache import DATA_FAMILY, family_bump
from utils.interrupts import graceful_stop
from utils.jobs.claims import (
    Claimed,
    LeaseLost,
    chunk_begin,
    chunk_complete,
    chunks_claim,
    leases_release,
    leases_release_gone,
    others_pending_wait,
    owner_name,
)
from utils.jobs.lifecycle import JobDraft, JobFailed, job_finish, job_open, job_stopped
from utils.jobs.limits import concurrency_check
from utils.jobs.planner import Split, split_even
from utils.jobs.progress import Progress
from utils.jobs.selectors import job_progress
from utils.models import Job

# Work for one chunk: called inside the chunk's transaction, returns the rows it wrote.
ChunkWork = Callable[[Claimed], int]
T = TypeVar("T")

# MySQL: 1205 lock wait timeout, 1213 deadlock. A chunk's or a claim's transaction was rolled
# back: retry it,
# after a random pause so that the workers that collided do not collide again. (Seen here:
# concurrent INSERTs of barcodes whose deleted twins InnoDB had not purged yet.)
TRANSIENT_ERRORS = {1205, 1213}
ATTEMPTS = 5
RETRY_PAUSE_SECONDS = 0.05
# Chunks per worker in one claim, taken when the queue has run dry: each claim costs a commit
# and the job's row lock (seeding 1M tickets: 0.5 s less CPU than with 2). A run holds at most
# (CLAIM_AHEAD + 1) x concurrency chunks, queued or in hand; one that waits past its lease may
# be taken over and is then skipped.
CLAIM_AHEAD = 4
# How often to look again while other workers hold the last chunks.
POLL_SECONDS = (0.1, 1.0)


class ChunkRetry(Exception):
    """A chunk's work asks to be done again from the start: rolled back, and retried as after
    a transient error (utils/jobs/ordered.py: an earlier chunk's retry came after it)."""


@dataclass(frozen=True, kw_only=True)
class RunOptions:
    batch_size: int | None = None
    concurrency: int = 1
    lease_seconds: int = 30
    resume: bool = False
    abandon: bool = False


@dataclass(frozen=True)
class Outcome:
    job_id: int
    kind: str
    status: Literal["completed", "interrupted", "abandoned"]
    done: int
    total: int
    rows_this_run: int
    elapsed: float


def job_run(
    *,
    kind: str,
    options: RunOptions,
    draft: Callable[[], JobDraft],
    requested: Mapping[str, Any],
    work_for: Callable[[Job], ChunkWork],
    split: Split = split_even,
) -> Outcome:
    """Open the job of this kind (new, resumed, or new after abandoning the old) and work it
    until it is done, a signal stops it, or it is abandoned elsewhere.

    A signal while the job is opened raises Interrupted, which rolls the opening back; from
    the moment it is open, signals are the run's (graceful, then at once).
    """
    concurrency_check(concurrency=options.concurrency)
    job = job_open(
        kind=kind,
        draft=draft,
        requested=requested,
        batch_size=options.batch_size,
        resume=options.resume,
        abandon=options.abandon,
    )
    return _Run(job, split, options.concurrency, options.lease_seconds).execute(work_for)


def run(
    job: Job,
    *,
    work: ChunkWork,
    split: Split = split_even,
    concurrency: int = 1,
    lease_seconds: int = 30,
) -> Outcome:
    """Work the job's chunks until none is left or a stop is asked; raise JobFailed on error."""
    return _Run(job, split, concurrency, lease_seconds).execute(lambda job: work)


class _Run:
    def __init__(self, job: Job, split: Split, concurrency: int, lease_seconds: int):
        self.job = job
        self.split = split
        # SQLite has one writer at a time: more threads would only queue.
        self.concurrency = 1 if connections["default"].vendor == "sqlite" else concurrency
        self.lease_seconds = lease_seconds
        self.owner = owner_name()
        self.error: BaseException | None = None
        self.told_waiting = False
        # A stop asked before the event loop runs (while the work is prepared) or during it.
        self.stop_asked = threading.Event()
        self.loop: asyncio.AbstractEventLoop | None = None

    def execute(self, work_for: Callable[[Job], ChunkWork]) -> Outcome:
        with graceful_stop(self._request_stop):
            self.work = work_for(self.job)
            progress = job_progress(job=self.job)
            self.progress = Progress(label=self.job.kind, done=progress.done, total=progress.total)
            try:
                asyncio.run(self._main())
            finally:
                self.progress.close()
            # This thread's connection sat idle through the run: the server or a proxy may
            # have dropped it meanwhile. A new one records the outcome.
            if not connection.in_atomic_block:
                connection.close()
            return self._outcome(self._final_status())

    def _request_stop(self) -> None:
        self.stop_asked.set()
        if self.loop is not None:
            self.loop.call_soon_threadsafe(self.stop.set)

    def _final_status(self) -> Literal["completed", "interrupted", "abandoned"]:
        if self.error is not None:
            # With the database gone the failure cannot be recorded; the job stays resumable.
            with suppress(DatabaseError):
                job_stopped(job=self.job, status=Job.Status.FAILED, error=_one_line(self.error))
            raise JobFailed(f"{self.job.kind} job #{self.job.pk} failed: {_one_line(self.error)}")
        if job_finish(job=self.job):
            return "completed"
        self.job.refresh_from_db()
        if self.job.status == Job.Status.ABANDONED:
            return "abandoned"
        job_stopped(job=self.job, status=Job.Status.INTERRUPTED)
        return "interrupted"

    def _outcome(self, status: Literal["completed", "interrupted", "abandoned"]) -> Outcome:
        self.job.refresh_from_db()  # its total, once completed, counts what was done
        final = job_progress(job=self.job)
        return Outcome(
            job_id=self.job.pk,
            kind=self.job.kind,
            status=status,
            done=final.done,
            total=final.total,
            rows_this_run=self.progress.done - self.progress.start_done,
            elapsed=self.progress.elapsed,
        )

    async def _main(self) -> None:
        self.stop = asyncio.Event()
        self.loop = asyncio.get_running_loop()
        if self.stop_asked.is_set():
            self.stop.set()
        # Chunks claimed and not yet finished (queued or in a worker's hands).
        self.in_hand = 0
        self.changed = asyncio.Condition()
        queue: asyncio.Queue[Claimed | None] = asyncio.Queue()
        pools = [ThreadPoolExecutor(1, f"job-worker-{i}") for i in range(self.concurrency + 1)]
        try:
            # A run resumed after a crash of this host takes the crashed process's chunks
            # back first, in their place in the job: jobs that read a file in order need it.
            await self._call(
                pools[0], _retrying, leases_release_gone, job=self.job, owner=self.owner
            )
            await asyncio.gather(
                self._claim_loop(queue, pools[0]),
                *(self._work_loop(queue, pool) for pool in pools[1:]),
            )
        finally:
            # If the database is gone the leases simply run out instead.
            with suppress(DatabaseError):
                await self._call(pools[0], leases_release, job=self.job, owner=self.owner)
            for pool in pools:
                await self._call(pool, connections.close_all)
                pool.shutdown()
            self.loop = None

    async def _claim_loop(
        self, queue: "asyncio.Queue[Claimed | None]", pool: ThreadPoolExecutor
    ) -> None:
        try:
            while not self.stop.is_set():
                await self._until(queue.empty)
                if self.stop.is_set():
                    break
                chunks = await self._call(
                    pool,
                    _retrying,
                    chunks_claim,
                    job=self.job,
                    owner=self.owner,
                    lease_seconds=self.lease_seconds,
                    limit=CLAIM_AHEAD * self.concurrency,
                    split=self.split,
                )
                if chunks is None:
                    break  # abandoned, or finished by another process
                self.in_hand += len(chunks)
                for chunk in chunks:
                    queue.put_nowait(chunk)
                if chunks:
                    continue
                # Nothing to claim: finish our own chunks (another process may take over some
                # of them meanwhile), then wait for those that others still hold.
                await self._until(lambda: self.in_hand == 0)
                if not await self._wait_for_others(pool):
                    break
        except Exception as exc:
            self._fail(exc)
        finally:
            for _ in range(self.concurrency):
                queue.put_nowait(None)

    async def _wait_for_others(self, pool: ThreadPoolExecutor) -> bool:
        """Nothing is claimable now. Wait for leases held elsewhere to run out (a worker that
        died leaves its chunk to us then); False when no chunk is pending elsewhere."""
        if await self._call(pool, leases_release_gone, job=self.job, owner=self.owner):
            return True  # claim them now
        wait = await self._call(pool, others_pending_wait, job=self.job, owner=self.owner)
        if wait is None:
            return False
        if wait > POLL_SECONDS[1] and not self.told_waiting:
            self.told_waiting = True
            self.progress.note(f"waiting up to {wait:.0f}s for batches that other workers hold")
        with suppress(TimeoutError):
            await asyncio.wait_for(
                self.stop.wait(), timeout=min(max(wait, POLL_SECONDS[0]), POLL_SECONDS[1])
            )
        return True

    async def _work_loop(
        self, queue: "asyncio.Queue[Claimed | None]", pool: ThreadPoolExecutor
    ) -> None:
        while (chunk := await queue.get()) is not None:
            await self._notify()  # the queue may be empty now: time to claim more
            try:
                await self._work_one(chunk, pool)
            finally:
                self.in_hand -= 1
                await self._notify()

    async def _work_one(self, chunk: Claimed, pool: ThreadPoolExecutor) -> None:
        if self.stop.is_set():
            return  # claimed but not started: its lease is handed back at the end
        try:
            rows = await self._call(pool, self._process, chunk)
        except LeaseLost:
            return  # taken over while it waited in the queue: done once, by another
        except Exception as exc:
            self._fail(exc)
            return
        self.progress.advance(rows)

    async def _until(self, condition: Callable[[], bool]) -> None:
        async with self.changed:
            await self.changed.wait_for(condition)

    async def _notify(self) -> None:
        async with self.changed:
            self.changed.notify_all()

    def _process(self, chunk: Claimed) -> int:
        return _retrying(self._chunk_transaction, chunk)

    def _chunk_transaction(self, chunk: Claimed) -> int:
        with transaction.atomic():
            chunk_begin(
                job=self.job, chunk=chunk, owner=self.owner, lease_seconds=self.lease_seconds
            )
            rows = self.work(chunk)
            chunk_complete(job=self.job, chunk=chunk, owner=self.owner, rows=rows)
            # Last, so that the generation's row is held only for the commit: answers cached
            # before this batch are retired when it commits (utils/cache.py).
            family_bump(family=DATA_FAMILY)
        return rows

    def _fail(self, exc: BaseException) -> None:
        if self.error is None:
            self.error = exc
        self.stop.set()

    @staticmethod
    async def _call(
        pool: ThreadPoolExecutor, func: Callable[..., object], *args: object, **kwargs: object
    ) -> Any:
        return await sync_to_async(func, thread_sensitive=False, executor=pool)(*args, **kwargs)


def _retrying(func: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Call `func`, a whole transaction, again after a transient error (a deadlock or a lock
    wait timeout rolled it back), after a random pause."""
    for attempt in range(1, ATTEMPTS + 1):
        try:
            return func(*args, **kwargs)
        except (OperationalError, ChunkRetry) as exc:
            transient = isinstance(exc, ChunkRetry) or exc.args[0] in TRANSIENT_ERRORS
            if attempt == ATTEMPTS or not transient:
                raise
            time.sleep(random.uniform(0, RETRY_PAUSE_SECONDS * attempt))
    raise AssertionError("unreachable")


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return f"{type(exc).__name__}: {text}"
