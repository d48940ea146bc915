"""Chunks of one job decided in range order while their writes overlap (a file read in line
order, where the first occurrence of a key wins), for runs with several workers.

Rules:
- A chunk takes its turn once every earlier chunk has committed or has passed in this
  process: passing publishes the keys it accepted, before it writes them. A later chunk
  then reads what has committed, and takes the passed keys of the chunks not yet committed
  as accepted earlier. So each chunk decides as if the earlier ones had all committed, and
  two chunks write at once: one in its transaction, the next deciding, then writing too.
- A chunk that never passes holds back the later ones: until it commits, or for GRACE_SECONDS
  while no worker of this process is doing it (the run is stopping, or it is between two
  attempts); then the waiting chunk gives way (LeaseLost: undone, left to a rerun).
- One held by another process's live lease stops the waiting chunk's run at once.
- A passed chunk's keys are dropped when it commits. One that rolled back keeps them until it
  passes again: a later chunk may then reject a row as a repeat of a row that a rerun of the
  earlier chunk accepts, which is the same outcome.
"""

import threading
import time
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from utils.jobs.claims import Claimed, LeaseLost
from utils.jobs.lifecycle import JobError
from utils.models import Chunk, Job

GRACE_SECONDS = 1.0
POLL_SECONDS = 0.05


@dataclass(frozen=True)
class _Seen:
    version: int
    running: frozenset[int]  # chunks (by lo) whose work is under way here
    passed: dict[int, frozenset[Hashable]]
    committed: frozenset[int]  # by this process, since the run began


@dataclass(frozen=True)
class _Held:
    owner: str  # the waiting chunk's lease holder: this run
    earlier: dict[int, tuple[str, datetime | None]]  # unfinished, by lo: holder, lease end


class LineOrder:
    def __init__(self, job: Job) -> None:
        self.job = job
        self.changed = threading.Condition()
        self.version = 0
        self.running: set[int] = set()
        self.passed: dict[int, frozenset[Hashable]] = {}
        self.committed: set[int] = set()

    @contextmanager
    def doing(self, chunk: Claimed) -> Iterator[None]:
        """Around a chunk's work, in its transaction: dropping its keys once it commits."""
        self._change(lambda: self.running.add(chunk.lo))
        transaction.on_commit(lambda: self._change(lambda: self._committed(chunk.lo)))
        try:
            yield
        finally:
            self._change(lambda: self.running.discard(chunk.lo))

    def turn(self, chunk: Claimed, *, settled_below: int = 0) -> frozenset[Hashable]:
        """Wait until every earlier chunk has committed or passed (those below
        `settled_below`: committed); the keys accepted by those that passed and have not
        committed yet. The database is asked again only while a chunk waited for is not
        being done here: this process tells its own chunks' progress."""
        held = self._held(chunk)
        idle_since: float | None = None
        while True:
            seen = self._seen()
            unfinished = held.earlier.keys() - seen.committed
            waiting = {lo for lo in unfinished if lo < settled_below or lo not in seen.passed}
            if not waiting:
                return frozenset().union(*(seen.passed[lo] for lo in unfinished))
            _elsewhere_check(held.owner, [held.earlier[lo] for lo in waiting])
            if waiting <= seen.running:
                idle_since = None
                self._wait(seen.version)
                continue
            if idle_since is None:
                idle_since = time.monotonic()
            elif time.monotonic() - idle_since > GRACE_SECONDS:
                raise LeaseLost(f"chunk {chunk.seq} gave way: an earlier one is not being done")
            self._wait(seen.version)
            held = self._held(chunk)

    def _held(self, chunk: Claimed) -> _Held:
        # Index: chunk_job_state_seq; a job has a chunk a batch, far fewer than its rows.
        unfinished = Chunk.objects.filter(job=self.job, lo__lte=chunk.lo).exclude(
            state=Chunk.State.DONE
        )
        rows = unfinished.values_list("lo", "lease_owner", "lease_until")
        earlier = {lo: (holder, until) for lo, holder, until in rows}
        return _Held(owner=earlier.pop(chunk.lo)[0], earlier=earlier)

    def _committed(self, lo: int) -> None:
        self.passed.pop(lo, None)
        self.committed.add(lo)

    def pass_(self, chunk: Claimed, keys: frozenset[Hashable]) -> None:
        """The chunk's accepted keys are decided: later chunks may take their turn."""
        self._change(lambda: self.passed.__setitem__(chunk.lo, keys))

    def _seen(self) -> _Seen:
        with self.changed:
            return _Seen(
                self.version,
                frozenset(self.running),
                dict(self.passed),
                frozenset(self.committed),
            )

    def _wait(self, version: int) -> None:
        with self.changed:
            if self.version == version:
                self.changed.wait(POLL_SECONDS)

    def _change(self, change: Callable[[], object]) -> None:
        with self.changed:
            change()
            self.version += 1
            self.changed.notify_all()


def _elsewhere_check(owner: str, waiting: list[tuple[str, datetime | None]]) -> None:
    now = timezone.now()
    if any(holder != owner and until is not None and until > now for holder, until in waiting):
        raise JobError(
            "earlier lines are still held by another process's run: rerun once its lease has"
            " run out"
        )
