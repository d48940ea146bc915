"""Importing a reseller's files as one job of the engine (utils/jobs).

The job's range is the lines of both files after their headers, the orders file first, in
batches of 1000 lines that never straddle the two files. Batches are decided in line order
(vouchers/imports.py says why), and two workers overlap their writes (utils/jobs/ordered.py):
a batch waits until the one before has decided, the first batch of barcodes (which need
every order) until the last batch of orders has committed. Tickets take their ids, and
batches commit, in line order too: an order's barcodes are listed in ticket-id order. Both
files are scanned whole before the job opens, so a file that cannot be read imports nothing.
A rerun with the same files (by content) resumes an unfinished import; with other files it
is refused until that one is finished or abandoned.
"""

import logging
import re
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from functools import partial
from pathlib import Path
from typing import TypeVar

from django.db import transaction

from utils.jobs import ChunkWork, JobConflict, JobDraft, JobError, Outcome, RunOptions, job_run
from utils.jobs.claims import Claimed
from utils.jobs.ordered import LineOrder
from utils.jobs.selectors import job_activity
from utils.models import Job
from vouchers.exports import VOUCHERS_FILE, vouchers_write
from vouchers.files import (
    BARCODES_HEADER,
    ORDERS_HEADER,
    BarcodeRow,
    FileScan,
    OrderRow,
    Rejection,
    barcode_row,
    file_scan,
    lines_between,
    order_row,
)
from vouchers.imports import OrderIds, barcodes_import, orders_import
from vouchers.models import SOURCE_LENGTH, ImportedOrder, ImportedTicket
from vouchers.selectors import orders_without_tickets, unused_barcodes_count

IMPORT_KIND = "import_vouchers"
DEFAULT_SOURCE = "tiqets"
BATCH_LINES = 1000
# One batch writes while the next decides; a third worker measured no faster at 1M barcodes
# (26.2 and 28.8 s against 25.2 and 29.0 s): the two cores are busy.
IMPORT_CONCURRENCY = 2
_SOURCE = re.compile(rf"[a-z0-9][a-z0-9_.-]{{0,{SOURCE_LENGTH - 1}}}")

logger = logging.getLogger(__name__)
R = TypeVar("R", OrderRow, BarcodeRow)
Report = Callable[[str], None]


@dataclass(frozen=True)
class ImportSummary:
    outcome: Outcome
    orders: int  # rows that are not blank
    orders_accepted: int
    barcodes: int
    barcodes_accepted: int


def vouchers_import(
    *, orders: Path, barcodes: Path, source: str, report: Report, options: RunOptions
) -> ImportSummary:
    """Import both files under `source`, reporting each rejected row and each order left
    without barcodes. Unless `options` abandon it, the unfinished import of the same files
    is resumed."""
    source_check(source)
    scans = file_scan(orders, ORDERS_HEADER), file_scan(barcodes, BARCODES_HEADER)
    requested = {"source": source, "orders": scans[0].digest, "barcodes": scans[1].digest}
    if not options.abandon:
        _unfinished_check(requested)
    boundary = scans[0].lines
    outcome = job_run(
        kind=IMPORT_KIND,
        options=replace(
            options,
            batch_size=BATCH_LINES,
            concurrency=IMPORT_CONCURRENCY,
            resume=not options.abandon,
        ),
        draft=lambda: JobDraft(
            params=requested | {"files": [asdict(scan) for scan in scans]},
            scope_lo=0,
            scope_hi=boundary + scans[1].lines,
            total=boundary + scans[1].lines,
        ),
        requested=requested,
        work_for=lambda job: _work(job, scans, source, report),
        split=lambda lo, limit, size: min(lo + size, boundary if lo < boundary else limit),
    )
    job = Job.objects.get(pk=outcome.job_id)
    if outcome.status == "completed":
        for order in orders_without_tickets(job=job):
            report(f"{orders}: order {order} has no barcodes")
    return ImportSummary(
        outcome=outcome,
        orders=scans[0].rows,
        orders_accepted=ImportedOrder.objects.filter(job=job).count(),
        barcodes=scans[1].rows,
        barcodes_accepted=ImportedTicket.objects.filter(job=job).count(),
    )


@dataclass(frozen=True)
class VouchersExport:
    path: Path
    vouchers: int
    top: list[tuple[int, int]]  # (customer, tickets bought)
    unused: int


def vouchers_export(*, source: str, folder: Path, top: int) -> VouchersExport:
    """Write the source's vouchers file into `folder`; with its top customers and the count
    of its unused barcodes."""
    source_check(source)
    if not ImportedOrder.objects.filter(source=source).exists():
        raise JobError(f"nothing was imported for source {source!r}: no vouchers written")
    try:
        written = vouchers_write(source=source, folder=folder, top=top)
    except OSError as error:
        raise JobError(f"{folder}: cannot write the vouchers there: {error.strerror}") from None
    return VouchersExport(
        path=folder / VOUCHERS_FILE,
        vouchers=written.vouchers,
        top=written.top,
        unused=unused_barcodes_count(source=source),
    )


def _unfinished_check(requested: dict[str, str]) -> None:
    """Refuse, naming its files, an unfinished import of other files or one that another
    process is running; the engine would name digests, or fail the job under the live run."""
    job = Job.objects.filter(active_kind=IMPORT_KIND).first()
    if job is None:
        return
    files = " and ".join(scan["path"] for scan in job.params["files"])
    if any(job.params[name] != value for name, value in requested.items()):
        raise JobConflict(
            f"import job #{job.pk} of {files} (source {job.params['source']}) is unfinished:"
            " run it again with those files to finish it, or give --abandon to close it"
        )
    if job_activity(job=job).workers:
        raise JobConflict(f"import job #{job.pk} of {files} is running in another process")


def source_check(source: str) -> None:
    if not _SOURCE.fullmatch(source):
        raise JobError(
            f"a source is 1 to {SOURCE_LENGTH} lowercase letters, digits, '.', '_' or '-'"
            f" (starting with a letter or digit), not {source!r}"
        )


def _work(job: Job, scans: tuple[FileScan, FileScan], source: str, report: Report) -> ChunkWork:
    orders, barcodes = scans
    order_ids = OrderIds(source)
    line_order = LineOrder(job)

    def work(chunk: Claimed) -> int:
        with line_order.doing(chunk) as turn:
            # What the batches before accepted, asked before this one reads the database.
            if chunk.lo < orders.lines:
                load = partial(
                    orders_import, source=source, job=job, turn=turn, earlier=turn.earlier()
                )
                rejected = _batch(orders, chunk.lo, chunk.hi, order_row, load)
            else:
                lo, hi = chunk.lo - orders.lines, chunk.hi - orders.lines
                load = partial(
                    barcodes_import,
                    source=source,
                    job=job,
                    order_ids=order_ids,
                    turn=turn,
                    # Barcodes find their orders in the database: every one committed.
                    earlier=turn.earlier(settled_below=orders.lines),
                )
                rejected = _batch(barcodes, lo, hi, barcode_row, load)
        transaction.on_commit(partial(_report_each, report, rejected))
        return chunk.hi - chunk.lo

    return work


def _batch(
    scan: FileScan,
    lo: int,
    hi: int,
    parse: Callable[..., R | Rejection],
    load: Callable[..., list[Rejection]],
) -> list[Rejection]:
    """Parse the file's lines lo..hi-1, load the rows that pass; return the rows rejected,
    in line order."""
    read = [parse(line, file=scan.path) for line in lines_between(scan, lo, hi)]
    rows = [row for row in read if not isinstance(row, Rejection)]
    rejected = [row for row in read if isinstance(row, Rejection)]
    rejected += load(rows=rows, file=scan.path)
    rejected.sort(key=lambda rejection: rejection.line)
    # Line numbers as in the file: its header is line 1.
    logger.debug("%s: lines %d to %d, %d rejected", scan.path, lo + 2, hi + 1, len(rejected))
    return rejected


def _report_each(report: Report, rejections: list[Rejection]) -> None:
    for rejection in rejections:
        report(str(rejection))
