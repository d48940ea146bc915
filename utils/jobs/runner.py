"""The asyncio orchestrator: one claimer feeds a bounded queue, N workers drain it.

Each worker owns one thread (and so one database connection) and runs a chunk's work and its
`done` mark in one transaction there. A stop signal stops the claimer; workers finish the
chunk in hand, and chunks claimed but not started are handed back. Any worker error stops
the run the same way and is recorded on the job, which stays resumable.
"""

import asyncio
import os
import random
import socket
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import suppress
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Literal

from asgiref.sync import sync_to_async
from django.db import DatabaseError, OperationalError, connections, transaction
from django.utils import timezone

from utils.jobs.claims import (
    Claimed,
    LeaseLost,
    chunk_complete,
    chunks_claim,
    leases_release,
    others_pending_until,
)
from utils.jobs.lifecycle import JobFailed, job_finish, job_progress, job_stopped
from utils.jobs.progress import Progress
from utils.jobs.signals import stop_on_signals
from utils.models import Job

# Work for one chunk: called inside the chunk's transaction, returns the rows it wrote.
ChunkWork = Callable[[Claimed], int]

# MySQL: 1205 lock wait timeout, 1213 deadlock. The transaction was rolled back: retry it,
# after a random pause so that the workers that collided do not collide again. (Seen here:
# concurrent INSERTs of barcodes whose deleted twins InnoDB had not purged yet.)
TRANSIENT_ERRORS = {1205, 1213}
CHUNK_ATTEMPTS = 5
RETRY_PAUSE_SECONDS = 0.05
# Chunks claimed per worker in one claim transaction: each claim costs a commit, and with
# one claim per chunk those commits were a tenth of the server's time when seeding.
CLAIM_AHEAD = 4
MAX_POLL_SECONDS = 1.0


@dataclass(frozen=True)
class Outcome:
    job_id: int
    kind: str
    status: Literal["completed", "interrupted"]
    done: int
    total: int
    rows_this_run: int
    elapsed: float


def run(
    job: Job,
    *,
    work: ChunkWork,
    concurrency: int = 1,
    lease_seconds: int = 30,
) -> Outcome:
    """Work the job's chunks until none is left or a stop is asked; raise JobFailed on error."""
    if connections["default"].vendor == "sqlite":
        concurrency = 1  # SQLite has one writer at a time: more threads would only queue
    return _Run(job, work, concurrency, lease_seconds).execute()


class _Run:
    def __init__(self, job: Job, work: ChunkWork, concurrency: int, lease_seconds: int):
        self.job = job
        self.work = work
        self.concurrency = concurrency
        self.claim_batch = CLAIM_AHEAD * concurrency
        self.lease_seconds = lease_seconds
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        progress = job_progress(job=job)
        self.progress = Progress(label=job.kind, done=progress.done, total=progress.total)
        self.error: BaseException | None = None

    def execute(self) -> Outcome:
        try:
            asyncio.run(self._main())
        finally:
            self.progress.close()
        if self.error is not None:
            # With the database gone the failure cannot be recorded; the job stays resumable.
            with suppress(DatabaseError):
                job_stopped(job=self.job, status=Job.Status.FAILED, error=_one_line(self.error))
            raise JobFailed(f"{self.job.kind} job #{self.job.pk} failed: {_one_line(self.error)}")
        finished = job_finish(job=self.job)
        if not finished:
            job_stopped(job=self.job, status=Job.Status.INTERRUPTED)
        final = job_progress(job=self.job)
        return Outcome(
            job_id=self.job.pk,
            kind=self.job.kind,
            status="completed" if finished else "interrupted",
            done=final.done,
            total=final.total,
            rows_this_run=self.progress.done - self.progress.start_done,
            elapsed=self.progress.elapsed,
        )

    async def _main(self) -> None:
        self.stop = asyncio.Event()
        queue: asyncio.Queue[Claimed | None] = asyncio.Queue(maxsize=self.claim_batch)
        pools = [ThreadPoolExecutor(1, f"job-worker-{i}") for i in range(self.concurrency + 1)]
        with stop_on_signals(asyncio.get_running_loop(), self.stop):
            try:
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

    async def _claim_loop(
        self, queue: "asyncio.Queue[Claimed | None]", pool: ThreadPoolExecutor
    ) -> None:
        try:
            while not self.stop.is_set():
                chunks = await self._call(
                    pool,
                    chunks_claim,
                    job=self.job,
                    owner=self.owner,
                    lease_seconds=self.lease_seconds,
                    limit=self.claim_batch,
                )
                for chunk in chunks:
                    await queue.put(chunk)
                if not chunks and not await self._wait_for_others(pool):
                    break
        except Exception as exc:
            self._fail(exc)
        finally:
            for _ in range(self.concurrency):
                await queue.put(None)

    async def _wait_for_others(self, pool: ThreadPoolExecutor) -> bool:
        """Nothing is claimable now. Wait for leases held elsewhere to run out (a worker that
        died leaves its chunk to us then); False when no chunk is pending elsewhere."""
        until = await self._call(pool, others_pending_until, job=self.job, owner=self.owner)
        if until is None:
            return False
        delay = (until - timezone.now()) / timedelta(seconds=1)
        with suppress(TimeoutError):
            await asyncio.wait_for(
                self.stop.wait(), timeout=min(max(delay, 0.05), MAX_POLL_SECONDS)
            )
        return True

    async def _work_loop(
        self, queue: "asyncio.Queue[Claimed | None]", pool: ThreadPoolExecutor
    ) -> None:
        while (chunk := await queue.get()) is not None:
            if self.stop.is_set():
                continue  # claimed but not started: its lease is handed back at the end
            try:
                rows = await self._call(pool, self._process, chunk)
            except LeaseLost:
                continue  # another worker owns it now; it is done once, by them
            except Exception as exc:
                self._fail(exc)
                continue
            self.progress.advance(rows)

    def _process(self, chunk: Claimed) -> int:
        for attempt in range(1, CHUNK_ATTEMPTS + 1):
            try:
                with transaction.atomic():
                    rows = self.work(chunk)
                    chunk_complete(chunk=chunk, owner=self.owner, rows=rows)
                return rows
            except OperationalError as exc:
                if attempt == CHUNK_ATTEMPTS or exc.args[0] not in TRANSIENT_ERRORS:
                    raise
                time.sleep(random.uniform(0, RETRY_PAUSE_SECONDS * attempt))
        raise AssertionError("unreachable")

    def _fail(self, exc: BaseException) -> None:
        if self.error is None:
            self.error = exc
        self.stop.set()

    @staticmethod
    async def _call(
        pool: ThreadPoolExecutor, func: Callable[..., object], *args: object, **kwargs: object
    ) -> Any:
        return await sync_to_async(func, thread_sensitive=False, executor=pool)(*args, **kwargs)


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return f"{type(exc).__name__}: {text}"
