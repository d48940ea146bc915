"""Ctrl-C and SIGTERM.

- While a job runs, the first signal asks it to stop after the batches in flight; a second
  one ends the process at once (exit 130 for SIGINT, 143 for SIGTERM). Its open transactions
  roll back on the server, so the job stays resumable.
- Before that (Django's start-up, while a job is being opened) a signal raises Interrupted,
  which unwinds like KeyboardInterrupt, rolling back what was under way, and is reported in
  one line.
"""

import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)

Handler = Callable[[int, FrameType | None], None]


class Interrupted(BaseException):
    """A stop signal outside a job's run. A BaseException, like KeyboardInterrupt, so that
    no `except Exception` swallows it; open transactions roll back as it unwinds."""

    def __init__(self, signum: int) -> None:
        super().__init__(f"Interrupted by {signal.Signals(signum).name}")
        self.exit_code = 128 + signum


def signals_install() -> None:
    """Make SIGINT and SIGTERM raise Interrupted (SIGTERM would otherwise end the process
    silently, SIGINT with a traceback)."""
    for signum in STOP_SIGNALS:
        signal.signal(signum, _interrupt)


@contextmanager
def graceful_stop(request_stop: Callable[[], None]) -> Iterator[None]:
    """Inside, the first signal calls `request_stop`; a second ends the process at once."""
    if threading.current_thread() is not threading.main_thread():
        yield  # signals are only delivered to the main thread; nothing to install
        return

    def first(signum: int, frame: FrameType | None) -> None:
        _say("Stopping after the batches in flight (signal again to stop at once)...")
        _handle_with(_second)
        request_stop()

    previous = {signum: signal.getsignal(signum) for signum in STOP_SIGNALS}
    _handle_with(first)
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def _second(signum: int, frame: FrameType | None) -> None:
    _say("Stopped at once: the batches in flight were rolled back; resume with --resume.")
    os._exit(128 + signum)  # no cleanup: it could wait on a database that does not answer


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise Interrupted(signum)


def _handle_with(handler: Handler) -> None:
    for signum in STOP_SIGNALS:
        signal.signal(signum, handler)


def _say(message: str) -> None:
    # On a terminal, start below the progress bar.
    print(f"\n{message}" if sys.stderr.isatty() else message, file=sys.stderr, flush=True)
