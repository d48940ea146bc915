"""Writing a source's vouchers file, streamed, and ranking its customers on the way.

Rules:
- One line per order that holds a barcode, `customer_id, order_id, [barcode1, barcode2]`, in
  the reseller's ids; lines sorted by customer then order, as integers; an order's barcodes in
  the order they were imported (ticket ids follow the file's lines: vouchers/imports.py).
- The top customers (tickets bought, ties to the lower id) are counted from the same rows: a
  second query over the tickets cost as much as a third of the export.
- Memory: a fetch of rows at a time (vouchers.selectors.vouchers), and the top N; a long
  order's barcodes are written as they come.
- No partial file: it is written beside the target and renamed over it when complete. What an
  export killed on this host left beside it is removed by the next one.
"""

import heapq
import os
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import groupby
from pathlib import Path
from typing import TextIO

from vouchers.selectors import SEPARATOR, BarcodesCut, Pieces, Voucher, vouchers

VOUCHERS_FILE = "vouchers.csv"
PARTIAL = f".{VOUCHERS_FILE}.", ".partial"  # the name of one being written: these, host, pid


@dataclass(frozen=True)
class Written:
    vouchers: int
    top: list[tuple[int, int]]  # (customer, tickets bought), most first


def vouchers_write(*, source: str, folder: Path, top: int) -> Written:
    """Write `folder`/vouchers.csv for `source`; with its `top` customers."""
    folder.mkdir(parents=True, exist_ok=True)
    _partials_of_the_dead_remove(folder)
    partial = folder / _partial_name(os.getpid())
    try:
        try:
            written = _written(partial, vouchers(source=source), top)
        except BarcodesCut:  # an order longer than the database joins: all again, by rows
            written = _written(partial, vouchers(source=source, joined=False), top)
        partial.replace(folder / VOUCHERS_FILE)
    finally:
        partial.unlink(missing_ok=True)
    return written


def _partial_name(pid: int) -> str:
    # The host in the name: another host's export into a shared folder is none of ours.
    prefix, suffix = PARTIAL
    return f"{prefix}{socket.gethostname()}.{pid}{suffix}"


def _partials_of_the_dead_remove(folder: Path) -> None:
    """Remove the partial files of this host's exports that were killed (kill -9)."""
    prefix, suffix = PARTIAL
    for path in folder.glob(f"{prefix}*{suffix}"):
        host, _, pid = path.name.removeprefix(prefix).removesuffix(suffix).rpartition(".")
        if host == socket.gethostname() and pid.isdigit() and not _alive(int(pid)):
            path.unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        pass
    return True


def _written(path: Path, found: Iterator[Voucher], top: int) -> Written:
    with path.open("w", encoding="utf-8", newline="\n") as file:
        return _write(file, found, top)


def _write(file: TextIO, all_vouchers: Iterator[Voucher], top: int) -> Written:
    lines = 0
    best: list[tuple[int, int]] = []  # a min-heap of (tickets, -customer): the top so far
    for customer, orders in groupby(all_vouchers, key=lambda voucher: voucher[0][0]):
        tickets = 0
        for (_, order), pieces in orders:
            tickets += _line(file, f"{customer}, {order}, ", pieces)
            lines += 1
        heapq.heappush(best, (tickets, -customer))
        if len(best) > top:
            heapq.heappop(best)
    ranked = sorted(best, reverse=True)
    return Written(vouchers=lines, top=[(-customer, tickets) for tickets, customer in ranked])


def _line(file: TextIO, start: str, pieces: Pieces) -> int:
    """Write a voucher's line; return how many barcodes it holds."""
    file.write(f"{start}[")
    count = 0
    for text, held in pieces:
        file.write(f"{SEPARATOR if count else ''}{text}")
        count += held
    file.write("]\n")
    return count
