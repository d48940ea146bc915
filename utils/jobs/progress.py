"""Progress on stderr: a tqdm bar on a terminal, a few plain lines otherwise.

Counts start from what earlier runs of the job already did, so a resumed job shows its true
position; the rate and ETA are measured over this run.
"""

import sys
import time
from datetime import timedelta
from typing import Never, TextIO

from django.conf import settings
from tqdm import tqdm


class Progress:
    def __init__(self, *, label: str, done: int, total: int, stream: TextIO | None = None):
        self.label = label
        self.done = done
        self.total = total
        self.stream = stream or sys.stderr
        self.started = time.monotonic()
        self.start_done = done
        self._bar: tqdm[Never] | None = self._make_bar() if self.stream.isatty() else None
        self._last_line: float | None = None

    def advance(self, rows: int) -> None:
        self.done += rows
        if self._bar is not None:
            self._bar.update(rows)
            return
        now = time.monotonic()
        # Without a terminal: a line once the first batch has committed, then one at most
        # every JOB_PROGRESS_SECONDS.
        if self._last_line is None or now - self._last_line >= settings.JOB_PROGRESS_SECONDS:
            self._last_line = now
            print(self.line(), file=self.stream, flush=True)

    def note(self, message: str) -> None:
        """A line of its own, below the bar on a terminal."""
        if self._bar is not None:
            self._bar.write(message, file=self.stream)
        else:
            print(f"{self.label}: {message}", file=self.stream, flush=True)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self.started

    @property
    def rate(self) -> float:
        return (self.done - self.start_done) / self.elapsed if self.elapsed > 0 else 0.0

    def line(self) -> str:
        percent = 100 * self.done / self.total if self.total else 100.0
        eta = (self.total - self.done) / self.rate if self.rate else None
        eta_text = str(timedelta(seconds=round(eta))) if eta is not None else "?"
        return (
            f"{self.label}: {self.done:,}/{self.total:,} ({percent:.0f}%),"
            f" {self.rate:,.0f} rows/s, ETA {eta_text}"
        )

    def _make_bar(self) -> "tqdm[Never]":
        return tqdm(
            total=self.total,
            initial=self.done,
            desc=self.label,
            unit="rows",
            unit_scale=True,
            file=self.stream,
            dynamic_ncols=True,
        )
