"""Ctrl-C and SIGTERM ask a run to stop between batches; a second signal stops at once."""

import asyncio
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


@contextmanager
def stop_on_signals(loop: asyncio.AbstractEventLoop, stop: asyncio.Event) -> Iterator[None]:
    if threading.current_thread() is not threading.main_thread():
        yield  # signals are only delivered to the main thread; nothing to install
        return

    def request_stop() -> None:
        if stop.is_set():
            return
        stop.set()
        print(
            "\nStopping after the batches in flight (signal again to stop at once)...",
            file=sys.stderr,
            flush=True,
        )
        # The next signal gets Python's default behaviour: the process ends at once and the
        # batches in flight roll back, which is safe too.
        for signum in STOP_SIGNALS:
            loop.remove_signal_handler(signum)

    for signum in STOP_SIGNALS:
        loop.add_signal_handler(signum, request_stop)
    try:
        yield
    finally:
        for signum in STOP_SIGNALS:
            loop.remove_signal_handler(signum)
