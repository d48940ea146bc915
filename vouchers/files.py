"""The reseller's two CSV exports, read as a stream of numbered rows.

Rules:
- A file starts with a header row holding exactly the expected names. It is UTF-8, with or
  without a BOM, with LF or CRLF line ends. Fields are stripped of the spaces around them, and
  blank lines are skipped without a word.
- A file that cannot be read that way (missing, a directory, unreadable, not UTF-8 text, a
  wrong header) is refused whole: FileRefused, with one line that names the file.
- A row that breaks a rule of its own is a Rejection (file, line, reason): the caller reports
  it and goes on. Rules between rows (repeats, orders that barcodes name) are the importer's.
- Memory: one line at a time. A first pass checks the whole file and marks the byte offset of
  every MARK_EVERY-th line, so that a batch (or a resumed import) reads only its own lines.
"""

import csv
import hashlib
import os
import re
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from utils.jobs import JobError

ORDERS_HEADER = ("order_id", "customer_id")
BARCODES_HEADER = ("barcode", "order_id")
BARCODE_LENGTH = 32  # Ticket.barcode's column
# Ids are stored as signed 64-bit integers.
MAX_ID = 2**63 - 1
BOM = b"\xef\xbb\xbf"
_DIGITS = re.compile(r"[0-9]+")
_SPACE = re.compile(r"\s")
_UNSHOWABLE = re.compile(r'[",\[\]\x00-\x1f\x7f]')


class FileRefused(JobError):
    """A file that cannot be imported at all; the message is one line."""


@dataclass(frozen=True)
class Line:
    number: int  # 1 is the header
    raw: bytes  # as in the file, with its line end
    path: str

    def fields(self) -> list[str]:
        return _fields(Path(self.path), self.raw, number=self.number)


@dataclass(frozen=True)
class Rejection:
    file: str
    line: int
    reason: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.reason}"


@dataclass(frozen=True)
class OrderRow:
    line: int
    order_id: int
    customer_id: int


@dataclass(frozen=True)
class BarcodeRow:
    line: int
    barcode: str
    order_id: int | None  # None: unsold


@dataclass(frozen=True)
class FileScan:
    """A file checked whole before anything is imported from it."""

    path: str
    digest: str  # SHA-256 of its bytes: a resumed import refuses a file that changed
    lines: int  # after the header, blank ones included
    rows: int  # the lines that are not blank
    marks: list[int]  # the offset of every MARK_EVERY-th line after the header
    # (device, inode, size, modification time): a file replaced or written to since its scan
    # is refused rather than read as other lines under the same digest.
    identity: tuple[int, int, int, int]


MARK_EVERY = 1000
# Two ids, or a barcode and an id, take far less: a longer line is no file of ours (and a
# file without line ends would be read whole into memory).
MAX_LINE = 1024


def file_scan(path: Path, header: tuple[str, ...]) -> FileScan:
    """Read the whole file once: its header, and that every line is UTF-8 CSV. FileRefused
    otherwise, before anything is imported."""
    digest = hashlib.sha256()
    marks: list[int] = []
    lines = rows = 0
    with _opened(path) as file:
        first = _line(path, file, number=1)
        digest.update(first)
        _header_check(path, _fields(path, first.removeprefix(BOM), number=1), header)
        offset = len(first)
        while raw := _line(path, file, number=lines + 2):
            if lines % MARK_EVERY == 0:
                marks.append(offset)
            rows += bool(_fields(path, raw, number=lines + 2))
            digest.update(raw)
            offset += len(raw)
            lines += 1
        identity = _identity(file)
    return FileScan(str(path), digest.hexdigest(), lines, rows, marks, identity)


def lines_between(scan: FileScan, lo: int, hi: int) -> Iterator[Line]:
    """The non-blank ones among lines lo..hi-1 after the header (numbered from 2)."""
    path = Path(scan.path)
    with _opened(path) as file:
        if _identity(file) != scan.identity:
            raise FileRefused(f"{path}: changed since it was checked; run the import again")
        file.seek(scan.marks[lo // MARK_EVERY])
        for _ in range(lo % MARK_EVERY):
            file.readline()
        for index in range(lo, hi):
            line = Line(number=index + 2, raw=file.readline(), path=scan.path)
            # Not a blank line (one of other than ASCII is told by its fields).
            if line.raw.strip() and (line.raw.isascii() or line.fields()):
                yield line


def _line(path: Path, file: BinaryIO, *, number: int) -> bytes:
    raw = file.readline(MAX_LINE + 1)
    if len(raw) > MAX_LINE:
        raise FileRefused(f"{path}:{number}: a line over {MAX_LINE} bytes: not a file of ours")
    return raw


def _identity(file: BinaryIO) -> tuple[int, int, int, int]:
    status = os.fstat(file.fileno())
    return status.st_dev, status.st_ino, status.st_size, status.st_mtime_ns


def _header_check(path: Path, fields: list[str], expected: tuple[str, ...]) -> None:
    if tuple(fields) != expected:
        found = ",".join(fields)
        shown = repr(found[:40] + ("…" if len(found) > 40 else "")) if found else "nothing"
        raise FileRefused(f"{path}: the header must be {','.join(expected)}, found {shown}")


# Most lines, matched whole: values that every rule takes as they stand (no spaces, quotes or
# leading zeros; ids short enough to fit), so that the rules run only on the others (1M
# barcodes: 2.5 s of CPU read and checked one rule at a time).
_PLAIN_ORDER = re.compile(rb"([1-9][0-9]{0,17}),([1-9][0-9]{0,17})\r?\n?")
_PLAIN_BARCODE = re.compile(rb"([!#-+\--Z\\^-~]{1,%d}),([1-9][0-9]{0,17})?\r?\n?" % BARCODE_LENGTH)


def order_row(line: Line, *, file: str) -> OrderRow | Rejection:
    if plain := _PLAIN_ORDER.fullmatch(line.raw):
        return OrderRow(line=line.number, order_id=int(plain[1]), customer_id=int(plain[2]))
    fields = line.fields()
    if len(fields) != 2:
        return Rejection(file, line.number, f"2 fields expected, found {len(fields)}")
    order_id, customer_id = (_id(value) for value in fields)
    if order_id is None:
        return Rejection(file, line.number, f"order_id {fields[0]!r} {_NOT_AN_ID}")
    if customer_id is None:
        return Rejection(file, line.number, f"customer_id {fields[1]!r} {_NOT_AN_ID}")
    return OrderRow(line=line.number, order_id=order_id, customer_id=customer_id)


def barcode_row(line: Line, *, file: str) -> BarcodeRow | Rejection:
    if plain := _PLAIN_BARCODE.fullmatch(line.raw):
        sold = int(plain[2]) if plain[2] else None
        return BarcodeRow(line=line.number, barcode=plain[1].decode(), order_id=sold)
    fields = line.fields()
    if len(fields) != 2:
        return Rejection(file, line.number, f"2 fields expected, found {len(fields)}")
    barcode, order = fields
    if not barcode:
        return Rejection(file, line.number, "the barcode is empty")
    if len(barcode) > BARCODE_LENGTH:
        return Rejection(file, line.number, f"the barcode is over {BARCODE_LENGTH} characters")
    if _SPACE.search(barcode):
        return Rejection(file, line.number, "the barcode holds whitespace")
    if not barcode.isascii():
        # MySQL compares barcodes without regard to accents (and case): ASCII keeps the
        # rules for a repeat the same in Python and in the database.
        return Rejection(file, line.number, "the barcode holds a character other than ASCII")
    if unshowable := _UNSHOWABLE.search(barcode):
        # A voucher line lists barcodes as [a, b]: these would make it ambiguous.
        found = unshowable.group()
        return Rejection(
            file, line.number, f"the barcode holds {found!r}, which a voucher cannot show"
        )
    order_id = _id(order) if order else None
    if order and order_id is None:
        return Rejection(file, line.number, f"order_id {order!r} {_NOT_AN_ID}")
    return BarcodeRow(line=line.number, barcode=barcode, order_id=order_id)


_NOT_AN_ID = f"is not a whole number from 1 to {MAX_ID}"


def _id(value: str) -> int | None:
    if not _DIGITS.fullmatch(value):
        return None
    number = int(value)
    return number if 0 < number <= MAX_ID else None


def _opened(path: Path) -> BinaryIO:
    try:
        if not stat.S_ISREG(path.stat().st_mode):
            # A pipe would block the open, a device never end; a directory is said as such.
            raise FileRefused(f"{path}: {'a directory' if path.is_dir() else 'not a regular file'}")
        return path.open("rb")
    except FileNotFoundError:
        raise FileRefused(f"{path}: no such file") from None
    except OSError as error:
        raise FileRefused(f"{path}: cannot be read ({error.strerror})") from None


def _fields(path: Path, raw: bytes, *, number: int) -> list[str]:
    text = _text(path, raw, number=number).rstrip("\r\n")
    if '"' not in text:  # most lines: the csv module's work for a plain split costs 3x more
        return [field.strip() for field in text.split(",")] if text.strip() else []
    try:
        row = next(csv.reader([text], strict=True), [])
    except csv.Error as error:
        raise FileRefused(f"{path}:{number}: not CSV ({error})") from None
    return [field.strip() for field in row]


def _text(path: Path, raw: bytes, *, number: int) -> str:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise FileRefused(f"{path}:{number}: not UTF-8 text") from None
    if "\0" in text:
        raise FileRefused(f"{path}:{number}: not a CSV file (a NUL byte)")
    return text
