"""Chunks of one job done in range order while their writes overlap (a file read in line
order, where the first occurrence of a key wins and ids follow the lines), for runs with
several workers.

Rules, for a chunk and the earlier chunks of the job:
- It decides once each earlier chunk has committed or passed in this process: passing
  publishes the keys a chunk accepted, before it writes them. It then reads what has
  committed and takes the passed keys of those not yet committed as accepted earlier, so it
  decides as if they had all committed.
- It makes the rows whose ids must follow theirs (`inserting`) once each has made its own,
  and commits once each has committed. So ids come in range order, and what has committed is
  always a whole range from the start: a crash leaves no later chunk's rows before an earlier
  one's. Should an earlier chunk's retry make its rows after this one's, this one is done
  again (ChunkRetry).
- A chunk waits only for earlier ones, and while it waits it may hold locks: an earlier one
  must never need them. So whatever an earlier chunk writes into a unique index belongs in
  its `inserting`: InnoDB checks a new key against the next one, and waits for a later
  chunk's uncommitted key there (seen: the import's orders, one batch's order ids just above
  the other's). Rows under a new primary key alone, and updates of its own rows, may follow:
  a primary key is checked for an equal key only.
- An earlier chunk that is not being done here holds the later ones back for GRACE_SECONDS
  (the run is stopping, or it is between two attempts); then the waiting chunk gives way
  (LeaseLost: undone, left to a rerun). One held by another process's live lease stops the
  waiting chunk's run at once.
"""

import threading
import time
from collections.abc import Callable, Hashable, Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from utils.jobs.claims import Claimed, LeaseLost
from utils.jobs.lifecycle import JobError
from utils.jobs.runner import ChunkRetry
from utils.models import Chunk, Job

GRACE_SECONDS = 1.0
POLL_SECONDS = 0.05


@dataclass(frozen=True)
class _Seen:
    """What this process tells of some chunks (by lo), at one moment."""

    version: int
    unfinished: frozenset[int]  # of those asked for, the ones not committed here
    running: frozenset[int]  # whose work is under way here
    passed: dict[int, frozenset[Hashable]]
    inserted: dict[int, int]  # when (a count of inserts) the latest attempt inserted
    committed_inserts: int  # the latest insert of a chunk committed here


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
        self.inserted: dict[int, int] = {}
        self.inserts = 0
        self.committed_inserts = -1
        self.committed: set[int] = set()
        self.held: dict[int, _Held] = {}  # by lo, the chunks in hand here

    @contextmanager
    def doing(self, chunk: Claimed) -> Iterator["Turn"]:
        """Around a chunk's work, in its transaction; an attempt starts afresh. Last, it
        waits for the earlier chunks to commit."""
        self._change(lambda: self._started(chunk.lo))
        transaction.on_commit(lambda: self._change(lambda: self._committed(chunk.lo)))
        try:
            yield Turn(self, chunk)
            self._commit_turn(chunk)
        finally:
            self._change(lambda: self.running.discard(chunk.lo))

    def turn(self, chunk: Claimed, *, settled_below: int = 0) -> frozenset[Hashable]:
        """Wait until every earlier chunk has committed or passed (those below
        `settled_below`: committed); the keys accepted by those that passed and have not
        committed yet."""
        seen = self._wait_for(chunk, lambda seen, lo: lo >= settled_below and lo in seen.passed)
        return frozenset().union(*(seen.passed[lo] for lo in seen.unfinished))

    def pass_(self, chunk: Claimed, keys: frozenset[Hashable]) -> None:
        """The chunk's accepted keys are decided: later chunks may take their turn."""
        self._change(lambda: self.passed.__setitem__(chunk.lo, keys))

    @contextmanager
    def inserting(self, chunk: Claimed) -> Iterator[None]:
        """Around the chunk's INSERTs whose ids must follow the earlier chunks'."""
        self._wait_for(chunk, lambda seen, lo: lo in seen.inserted)
        yield
        self._change(lambda: self._inserted(chunk.lo))

    def _commit_turn(self, chunk: Claimed) -> None:
        self._wait_for(chunk, lambda seen, lo: False)
        # Every chunk committed here is an earlier one: they commit in order.
        seen = self._seen([chunk.lo])
        mine = seen.inserted.get(chunk.lo)
        if mine is not None and seen.committed_inserts > mine:
            raise ChunkRetry(f"chunk {chunk.seq} inserted before an earlier chunk's retry")

    def _wait_for(self, chunk: Claimed, ready: Callable[[_Seen, int], bool]) -> _Seen:
        """Wait until each earlier chunk has committed or is `ready`; what was seen of them
        then. The database is asked again only while one waited for is not being done here:
        this process tells its own chunks' progress."""
        held = self.held.get(chunk.lo) or self._held(chunk)
        idle_since: float | None = None
        while True:
            seen = self._seen(held.earlier.keys())
            waiting = {lo for lo in seen.unfinished if not ready(seen, lo)}
            if not waiting:
                return seen
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
            ~Q(seq=chunk.seq), state=Chunk.State.DONE
        )
        rows = unfinished.values_list("lo", "lease_owner", "lease_until")
        earlier = {lo: (holder, until) for lo, holder, until in rows}
        held = _Held(owner=earlier.pop(chunk.lo)[0], earlier=earlier)
        # Kept for the chunk's later waits: what commits meanwhile, this process tells.
        self.held[chunk.lo] = held
        return held

    def _started(self, lo: int) -> None:
        self.running.add(lo)
        self.passed.pop(lo, None)
        self.inserted.pop(lo, None)
        self.held.pop(lo, None)

    def _inserted(self, lo: int) -> None:
        self.inserts += 1
        self.inserted[lo] = self.inserts

    def _committed(self, lo: int) -> None:
        self.passed.pop(lo, None)
        self.held.pop(lo, None)
        self.committed_inserts = max(self.committed_inserts, self.inserted.pop(lo, -1))
        self.committed.add(lo)

    def _seen(self, chunks: Iterable[int]) -> _Seen:
        with self.changed:
            unfinished = frozenset(lo for lo in chunks if lo not in self.committed)
            return _Seen(
                self.version,
                unfinished,
                unfinished & self.running,
                {lo: self.passed[lo] for lo in unfinished if lo in self.passed},
                {lo: self.inserted[lo] for lo in unfinished if lo in self.inserted},
                self.committed_inserts,
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


@dataclass(frozen=True)
class Turn:
    """One chunk's place in the line: what its work calls."""

    line: LineOrder
    chunk: Claimed

    def earlier(self, *, settled_below: int = 0) -> frozenset[Hashable]:
        """LineOrder.turn: to be asked before the chunk reads what the earlier ones wrote
        (one that commits in between is then in what it reads)."""
        return self.line.turn(self.chunk, settled_below=settled_below)

    def decided(self, keys: frozenset[Hashable]) -> None:
        self.line.pass_(self.chunk, keys)

    def inserting(self) -> AbstractContextManager[None]:
        return self.line.inserting(self.chunk)


def _elsewhere_check(owner: str, waiting: list[tuple[str, datetime | None]]) -> None:
    now = timezone.now()
    if any(holder != owner and until is not None and until > now for holder, until in waiting):
        raise JobError(
            "earlier lines are still held by another process's run: rerun once its lease has"
            " run out"
        )
