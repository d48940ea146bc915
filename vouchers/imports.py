"""Importing a reseller's orders and barcodes, one batch of rows at a time.

Rules, on top of the job engine's (utils/jobs):
- Transaction boundary: a batch is a chunk. Its customers, orders and tickets commit together,
  and its rejections are reported once it has committed.
- Order: the orders file, then the barcodes file, decided in line order. So when a row is
  decided, every earlier line has been imported or decided (utils/jobs/ordered.py), and "the
  first occurrence wins" is a question for the database and for the barcodes that earlier
  batches still writing have accepted: an id that this job has accepted already is a repeat.
- Idempotency: a row that the database holds already, the same, is accepted and changes
  nothing but the job that last accepted it; one that differs is a conflict, rejected.
- Memory: one batch at a time.
"""

import threading
from collections import defaultdict
from collections.abc import Callable, Collection, Hashable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

from django.db import connection
from django.utils import timezone

from order.models import Order
from ticket.models import Ticket
from ticket.services import TICKET_COLUMNS, ticket_rows
from utils.jobs import JobError
from utils.jobs.ordered import Turn
from utils.models import Job
from utils.sql import placeholders, rows_insert, rows_insert_returning, sql_rows, table_name
from vouchers.customers import Customers
from vouchers.files import BarcodeRow, OrderRow, Rejection
from vouchers.models import ImportedOrder, ImportedTicket

K = TypeVar("K", bound=Hashable)
R = TypeVar("R", OrderRow, BarcodeRow)


def orders_import(
    *,
    rows: list[OrderRow],
    source: str,
    job: Job,
    file: str,
    turn: Turn,
    earlier: Collection[Hashable],
) -> list[Rejection]:
    """Accept the batch's orders (creating their customers); return the rows rejected.
    `earlier` and `turn` as for barcodes_import. A row rejected for any reason is no
    occurrence: a later row of its order id may win, as it would in a later batch (so a
    customer whose user name is taken is a reason like another: the next row of the order
    may have another customer)."""
    refs = ImportedOrder.objects.filter(
        source=source, external_id__in={row.order_id for row in rows}
    )
    known = {ref.external_id: ref for ref in refs}
    customers = Customers.find(source, {row.customer_id for row in rows})

    def conflict(row: OrderRow) -> str | None:
        if row.order_id in earlier:
            return f"order_id {row.order_id} repeats an earlier line"
        ref = known.get(row.order_id)
        if ref is not None:
            return _order_conflict(ref, row, job)
        return customers.taken_reason(row.customer_id)

    rejections: list[Rejection] = []
    firsts = _accepted(rows, _order_key, conflict, file=file, name="order_id", out=rejections)
    turn.decided(frozenset(firsts))
    ImportedOrder.objects.filter(pk__in=[known[id].pk for id in firsts if id in known]).update(
        job=job
    )
    new = [row for id, row in firsts.items() if id not in known]
    with turn.inserting():  # all of it: see utils/jobs/ordered.py on unique indexes
        users = customers.create({row.customer_id for row in new})
        _orders_create(new, users=users, source=source, job=job)
    return rejections


def barcodes_import(
    *,
    rows: list[BarcodeRow],
    source: str,
    job: Job,
    file: str,
    order_ids: "OrderIds",
    turn: Turn,
    earlier: Collection[Hashable],
) -> list[Rejection]:
    """Accept the batch's barcodes as tickets of their orders; return the rows rejected.
    `earlier` holds the keys that earlier batches accepted and have not committed yet; the
    `turn` is told the batch's own before they are written.

    A row rejected for any reason is no occurrence: a later row of its barcode may win, as
    it would in a later batch. Keys are in one case: the ticket's unique barcode is compared
    without regard to case."""
    orders = order_ids.of({row.order_id for row in rows if row.order_id})
    known = {ticket.barcode.upper(): ticket for ticket in _tickets_known(rows)}

    def conflict(row: BarcodeRow) -> str | None:
        unknown = _order_unknown(row, orders=orders)
        key = _barcode_key(row)
        if unknown is None and key in earlier:
            return f"barcode {row.barcode} repeats an earlier line"
        ticket = known.get(key)
        if unknown or ticket is None:
            return unknown
        return _ticket_conflict(ticket, row, orders, source=source, job=job)

    rejections: list[Rejection] = []
    firsts = _accepted(rows, _barcode_key, conflict, file=file, name="barcode", out=rejections)
    turn.decided(frozenset(firsts))
    ImportedTicket.objects.filter(pk__in=[known[key].pk for key in firsts if key in known]).update(
        job=job
    )
    new = [row for key, row in firsts.items() if key not in known]
    _tickets_create(new, orders=orders, source=source, job=job, turn=turn)
    return rejections


def _accepted(
    rows: Iterable[R],
    key: Callable[[R], K],
    conflict: Callable[[R], str | None],
    *,
    file: str,
    name: str,
    out: list[Rejection],
) -> dict[K, R]:
    """The rows accepted, by key, in line order: a row repeating an accepted one, or with a
    `conflict`, goes to `out`. A rejected row is no occurrence: a later row of its key may
    still win, as it would in a later batch."""
    accepted: dict[K, R] = {}
    for row in rows:
        first = accepted.get(key(row))
        reason = (
            f"{name} {getattr(row, name)} repeats line {first.line}" if first else conflict(row)
        )
        if reason is None:
            accepted[key(row)] = row
        else:
            out.append(Rejection(file, row.line, reason))
    return accepted


def _order_key(row: OrderRow) -> int:
    return row.order_id


def _order_unknown(row: BarcodeRow, *, orders: dict[int, int]) -> str | None:
    if row.order_id is None or row.order_id in orders:
        return None
    return f"order {row.order_id} is neither in the orders file nor imported before"


def _order_conflict(ref: ImportedOrder, row: OrderRow, job: Job) -> str | None:
    if ref.job_id == job.pk:
        return f"order_id {row.order_id} repeats an earlier line"
    if ref.customer_external_id != row.customer_id:
        return f"order {row.order_id} was imported for customer {ref.customer_external_id}"
    return None


def _orders_create(rows: list[OrderRow], *, users: dict[int, int], source: str, job: Job) -> None:
    """New orders of `users` (ours for the reseller's customer ids). An order's id is read
    back by the moment the batch stamps on all of its orders (Index: order_order's
    created_at), and its customer: MySQL returns no ids from a multi-row INSERT, and Order
    has no key of the reseller's to find it by."""
    if not rows:
        return
    stamp = Order._meta.get_field("created_at").get_db_prep_value(_stamp(), connection)
    rows_insert(
        model=Order,
        fields=("customer", "created_at"),
        rows=[(users[row.customer_id], stamp) for row in rows],
    )
    made: dict[int, list[int]] = defaultdict(list)  # a customer's new orders, in id order
    customers = {users[row.customer_id] for row in rows}
    table = table_name(Order)
    stamped = sql_rows(
        f"SELECT id, customer_id FROM {table}"
        f" WHERE created_at = %s AND customer_id IN ({placeholders(len(customers))}) ORDER BY id",
        [stamp, *customers],
    )
    for pk, user in stamped:
        made[user].append(pk)
    if sum(map(len, made.values())) != len(rows):
        raise JobError("the orders just created could not be told apart: run the import again")
    rows_insert(
        model=ImportedOrder,
        fields=("source", "external_id", "customer_external_id", "order", "job"),
        rows=[
            (source, row.order_id, row.customer_id, made[users[row.customer_id]].pop(0), job.pk)
            for row in rows
        ],
    )


_last_stamp = timezone.now()
_stamp_lock = threading.Lock()


def _stamp() -> datetime:
    """Now, but later than the last batch's in this process: two workers' batches of orders
    must not share the moment that tells their orders apart."""
    global _last_stamp
    with _stamp_lock:
        _last_stamp = max(timezone.now(), _last_stamp + timedelta(microseconds=1))
        return _last_stamp


class OrderIds:
    """Our order ids for the reseller's, read through for one run: a batch asks the database
    only for those the run has not met yet (1M barcodes over 100k orders: 6 ms a batch
    saved once the orders are known). An imported order keeps its id, so an entry never
    goes stale. At most LIMIT entries (about 100 bytes each) are kept."""

    LIMIT = 250_000

    def __init__(self, source: str) -> None:
        self.source = source
        self.known: dict[int, int] = {}

    def of(self, ids: set[int]) -> dict[int, int]:
        # Not `ids - self.known.keys()`: that makes a set of every key known, each batch.
        missing = [id for id in ids if id not in self.known]
        found = self._found(missing) if missing else {}
        if len(self.known) < self.LIMIT:
            self.known |= found
        return {
            id: self.known.get(id) or found[id] for id in ids if id in self.known or id in found
        }

    def _found(self, ids: list[int]) -> dict[int, int]:
        """Index: importedorder_source_id."""
        table = table_name(ImportedOrder)
        return dict(
            sql_rows(
                f"SELECT external_id, order_id FROM {table}"
                f" WHERE source = %s AND external_id IN ({placeholders(len(ids))})",
                [self.source, *ids],
            )
        )


def _barcode_key(row: BarcodeRow) -> str:
    return row.barcode.upper()


@dataclass(frozen=True)
class _Known:
    """A ticket that holds a barcode of the batch, with the source and job of its import
    (None for a ticket of ours)."""

    pk: int
    barcode: str
    order_id: int | None
    source: str | None
    import_job: int | None


def _tickets_known(rows: list[BarcodeRow]) -> list[_Known]:
    """Without regard to case, as MySQL's collation compares them (on SQLite, which compares
    bytes, said so). Index: the unique barcode (on SQLite ticket 0008's), then
    importedticket's key."""
    if not rows:
        return []  # MySQL takes no empty IN list
    tickets, imported = table_name(Ticket), table_name(ImportedTicket)
    nocase = " COLLATE NOCASE" if connection.vendor == "sqlite" else ""
    found = sql_rows(
        f"SELECT t.id, t.barcode, t.order_id, i.source, i.job_id FROM {tickets} t"
        f" LEFT JOIN {imported} i ON i.ticket_id = t.id"
        f" WHERE t.barcode{nocase} IN ({placeholders(len(rows))})",
        [row.barcode for row in rows],
    )
    return [_Known(*row) for row in found]


def _ticket_conflict(
    ticket: _Known, row: BarcodeRow, orders: dict[int, int], *, source: str, job: Job
) -> str | None:
    if ticket.source != source:
        return f"barcode {row.barcode} is another source's ticket"
    if ticket.import_job == job.pk:
        return f"barcode {row.barcode} repeats an earlier line"
    wanted = orders[row.order_id] if row.order_id is not None else None
    if ticket.order_id != wanted:
        return f"barcode {row.barcode} was imported {_sold(ticket.order_id)}"
    return None


def _sold(order: int | None) -> str:
    refs = ImportedOrder.objects.filter(order=order).values_list("external_id", flat=True)
    return f"for order {refs.first()}" if order is not None else "unsold"


def _tickets_create(
    rows: list[BarcodeRow], *, orders: dict[int, int], source: str, job: Job, turn: Turn
) -> None:
    """New tickets, with fresh tokens, taking ids after the batch before's; then their
    imported rows."""
    if not rows:
        return
    sold = [(row.barcode, orders[row.order_id] if row.order_id else None) for row in rows]
    with turn.inserting():
        ids = rows_insert_returning(model=Ticket, fields=TICKET_COLUMNS, rows=ticket_rows(sold))
    params: list[Any]
    if ids is not None and max(ids) - min(ids) + 1 == len(ids):
        # As many ids as their range holds: the range is the new tickets. Index: the primary
        # key, one range (a third less of the server's time than 1000 barcodes).
        where, params = "id BETWEEN %s AND %s", [min(ids), max(ids)]
    else:
        # Index: the unique barcode.
        where, params = f"barcode IN ({placeholders(len(rows))})", [row.barcode for row in rows]
    imported, tickets = table_name(ImportedTicket), table_name(Ticket)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {imported} (ticket_id, source, job_id)"
            f" SELECT id, %s, %s FROM {tickets} WHERE {where}",
            [source, job.pk, *params],
        )
