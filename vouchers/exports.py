"""Writing a source's vouchers file, streamed.

Rules:
- One line per order that holds a barcode, `customer_id, order_id, [barcode1, barcode2]`, in
  the reseller's ids; lines sorted by customer then order, as integers; an order's barcodes in
  the order they were imported (ticket ids follow the file's lines: vouchers/imports.py).
- Memory: a fetch of rows at a time (vouchers.selectors.vouchers).
- No partial file: it is written beside the target and renamed over it when complete.
"""

import os
from collections.abc import Iterator
from pathlib import Path

from vouchers.selectors import vouchers

VOUCHERS_FILE = "vouchers.csv"


def vouchers_write(*, source: str, folder: Path) -> int:
    """Write `folder`/vouchers.csv for `source`; return how many lines it holds."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / VOUCHERS_FILE
    partial = folder / f".{VOUCHERS_FILE}.{os.getpid()}.partial"
    lines = 0
    try:
        with partial.open("w", encoding="utf-8", newline="\n") as file:
            for line in _lines(source):
                file.write(line)
                lines += 1
        partial.replace(target)
    finally:
        partial.unlink(missing_ok=True)
    return lines


def _lines(source: str) -> Iterator[str]:
    for (customer, order), barcodes in vouchers(source=source):
        yield f"{customer}, {order}, [{', '.join(barcodes)}]\n"
