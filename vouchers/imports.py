"""Importing a reseller's orders and barcodes, one batch of rows at a time.

Rules, on top of the job engine's (utils/jobs):
- Transaction boundary: a batch is a chunk. Its customers, orders and tickets commit together,
  and its rejections are reported once it has committed.
- Order: one worker reads the orders file, then the barcodes file, in line order. So when a
  row is read, every earlier line has been imported, and "the first occurrence wins" is a
  question for the database: an id that this job has accepted already is a repeat.
- Idempotency: a row that the database holds already, the same, is accepted and changes
  nothing but the job that last accepted it; one that differs is a conflict, rejected.
- Memory: one batch at a time.
"""

from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable
from typing import TypeVar

from django.db import connection
from django.db.models import OuterRef, Q, Subquery
from django.utils import timezone

from order.models import Order
from ticket.models import Ticket
from ticket.services import tickets_insert
from user.models import User
from utils.jobs import JobError
from utils.models import Job
from utils.sql import rows_insert
from vouchers.files import BarcodeRow, OrderRow, Rejection
from vouchers.models import ImportedCustomer, ImportedOrder, ImportedTicket

# Imported customers' addresses: .invalid is reserved (RFC 2606), mail to it goes nowhere.
ADDRESS = "@imported.invalid"
K = TypeVar("K", bound=Hashable)
R = TypeVar("R", OrderRow, BarcodeRow)


def orders_import(*, rows: list[OrderRow], source: str, job: Job, file: str) -> list[Rejection]:
    """Accept the batch's orders (creating their customers); return the rows rejected. A row
    rejected for any reason is no occurrence: a later row of its order id may win, as it
    would in a later batch."""
    refs = ImportedOrder.objects.filter(
        source=source, external_id__in={row.order_id for row in rows}
    )
    known = {ref.external_id: ref for ref in refs}

    def conflict(row: OrderRow) -> str | None:
        ref = known.get(row.order_id)
        return None if ref is None else _order_conflict(ref, row, job)

    rejections: list[Rejection] = []
    firsts = _accepted(rows, _order_key, conflict, file=file, name="order_id", out=rejections)
    ImportedOrder.objects.filter(pk__in=[known[id].pk for id in firsts if id in known]).update(
        job=job
    )
    new = [row for id, row in firsts.items() if id not in known]
    return rejections + _orders_create(new, source=source, job=job, file=file)


def barcodes_import(
    *, rows: list[BarcodeRow], source: str, job: Job, file: str, order_ids: "OrderIds"
) -> list[Rejection]:
    """Accept the batch's barcodes as tickets of their orders; return the rows rejected.

    A row rejected for any reason is no occurrence: a later row of its barcode may win, as
    it would in a later batch. Keys are in one case: the ticket's unique barcode is compared
    without regard to case."""
    orders = order_ids.of({row.order_id for row in rows if row.order_id})
    known = {ticket.barcode.upper(): ticket for ticket in _tickets_known(rows)}

    def conflict(row: BarcodeRow) -> str | None:
        unknown = _order_unknown(row, orders=orders)
        ticket = known.get(_barcode_key(row))
        if unknown or ticket is None:
            return unknown
        return _ticket_conflict(ticket, row, orders, source=source, job=job)

    rejections: list[Rejection] = []
    firsts = _accepted(rows, _barcode_key, conflict, file=file, name="barcode", out=rejections)
    ImportedTicket.objects.filter(pk__in=[known[key].pk for key in firsts if key in known]).update(
        job=job
    )
    new = [row for key, row in firsts.items() if key not in known]
    _tickets_create(new, orders=orders, source=source, job=job)
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


def _orders_create(rows: list[OrderRow], *, source: str, job: Job, file: str) -> list[Rejection]:
    """New orders, and the customers that are new with them. An order's id is read back by
    the moment the batch stamps on all of its orders (Index: order_order's created_at),
    and its customer: MySQL returns no ids from a multi-row INSERT, and Order has no key of
    the reseller's to find it by."""
    if not rows:
        return []
    users, taken = _customers(source, {row.customer_id for row in rows})
    refused = [row for row in rows if row.customer_id in taken]
    rows = [row for row in rows if row.customer_id not in taken]
    now = timezone.now()
    stamp = Order._meta.get_field("created_at").get_db_prep_value(now, connection)
    rows_insert(
        model=Order,
        fields=("customer", "created_at"),
        rows=[(users[row.customer_id], stamp) for row in rows],
    )
    made: dict[int, list[int]] = defaultdict(list)  # a customer's new orders, in id order
    stamped = Order.objects.filter(created_at=now, customer__in=set(users.values()))
    for pk, user in stamped.order_by("pk").values_list("pk", "customer"):
        made[user].append(pk)
    if sum(map(len, made.values())) != len(rows):
        raise JobError("the orders just created could not be told apart: run the import again")
    ImportedOrder.objects.bulk_create(
        ImportedOrder(
            source=source,
            external_id=row.order_id,
            customer_external_id=row.customer_id,
            order_id=made[users[row.customer_id]].pop(0),
            job=job,
        )
        for row in rows
    )
    reason = "customer {0}'s user name or address is held by another user: {1}-customer-{0}"
    return [Rejection(file, row.line, reason.format(row.customer_id, source)) for row in refused]


def _customers(source: str, ids: set[int]) -> tuple[dict[int, int], set[int]]:
    """The users of the reseller's customer ids, made for those that are new; and the new
    ids whose user name or address a user of ours holds already. They hold no password:
    they are customers, never users of this site."""
    known = ImportedCustomer.objects.filter(source=source, external_id__in=ids)
    users = dict(known.values_list("external_id", "user"))
    new = {f"{source}-customer-{external}": external for external in ids - users.keys()}
    addresses = [name + ADDRESS for name in new]
    holders = User.objects.filter(Q(username__in=new) | Q(email__in=addresses))
    # In one case: MySQL compares user names and addresses without regard to it.
    held = {value.lower() for pair in holders.values_list("username", "email") for value in pair}
    taken = {external for name, external in new.items() if {name, name + ADDRESS} & held}
    new = {name: external for name, external in new.items() if external not in taken}
    if new:
        User.objects.bulk_create(
            User(username=name, email=name + ADDRESS, password="!") for name in new
        )
        made = User.objects.filter(username__in=new).values_list("username", "pk")
        created = {new[name]: pk for name, pk in made}
        ImportedCustomer.objects.bulk_create(
            ImportedCustomer(source=source, external_id=external, user_id=pk)
            for external, pk in created.items()
        )
        users |= created
    return users, taken


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
        missing = ids - self.known.keys()
        # Index: importedorder_source_id.
        refs = ImportedOrder.objects.filter(source=self.source, external_id__in=missing)
        found = dict(refs.values_list("external_id", "order")) if missing else {}
        if len(self.known) < self.LIMIT:
            self.known |= found
        return {
            id: self.known.get(id) or found[id] for id in ids if id in self.known or id in found
        }


def _barcode_key(row: BarcodeRow) -> str:
    return row.barcode.upper()


def _tickets_known(rows: list[BarcodeRow]) -> Iterable[Ticket]:
    """The tickets that hold the batch's barcodes, with the source and job of their import
    (None for tickets of ours). Index: the unique barcode."""
    barcodes = [row.barcode for row in rows]
    tickets = Ticket.objects.filter(barcode__in=barcodes).only("barcode", "order")
    return tickets.annotate(source=_imported("source"), import_job=_imported("job"))


def _imported(column: str) -> Subquery:
    refs = ImportedTicket.objects.filter(ticket=OuterRef("pk"))
    return Subquery(refs.values(column)[:1])


def _ticket_conflict(
    ticket: Ticket, row: BarcodeRow, orders: dict[int, int], *, source: str, job: Job
) -> str | None:
    if ticket.source != source:  # type: ignore[attr-defined]
        return f"barcode {row.barcode} is another source's ticket"
    if ticket.import_job == job.pk:  # type: ignore[attr-defined]
        return f"barcode {row.barcode} repeats an earlier line"
    wanted = orders[row.order_id] if row.order_id is not None else None
    if ticket.order_id != wanted:
        return f"barcode {row.barcode} was imported {_sold(ticket.order_id)}"
    return None


def _sold(order: int | None) -> str:
    refs = ImportedOrder.objects.filter(order=order).values_list("external_id", flat=True)
    return f"for order {refs.first()}" if order is not None else "unsold"


def _tickets_create(
    rows: list[BarcodeRow], *, orders: dict[int, int], source: str, job: Job
) -> None:
    """New tickets, with fresh tokens; then their imported rows, found by barcode."""
    if not rows:
        return
    tickets_insert([(row.barcode, orders[row.order_id] if row.order_id else None) for row in rows])
    table, tickets = (
        connection.ops.quote_name(model._meta.db_table) for model in (ImportedTicket, Ticket)
    )
    marks = ", ".join(["%s"] * len(rows))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (ticket_id, source, job_id)"
            f" SELECT id, %s, %s FROM {tickets} WHERE barcode IN ({marks})",
            [source, job.pk, *(row.barcode for row in rows)],
        )
