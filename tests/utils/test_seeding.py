"""What the seed commands write: the same rows whatever the batches, unique codes forever."""

import random
from datetime import datetime
from typing import Any

import pytest
from django.core.management import call_command

from order.models import Order
from ticket.models import Ticket
from user.models import User
from utils.models import Counter, Job
from utils.seeding import seeded_rows, start_moment

pytestmark = pytest.mark.django_db(transaction=True)


def empty_database() -> None:
    for model in (Ticket, Order, User, Job, Counter):
        model.objects.all().delete()


def started(kind: str) -> datetime:
    """The start of the latest job of the kind: seeded dates count back from it (with no
    job there are no rows to date)."""
    job = Job.objects.filter(kind=kind).order_by("-pk").first()
    return start_moment(job) if job else datetime.min


def seeded_data() -> dict[str, list[Any]]:
    """Every seeded row by what identifies it, dates as offsets from their job's start:
    ids and the order rows were inserted in vary with the workers."""
    users_start, orders_start = started("seed_users"), started("seed_orders")
    orders = {
        order.pk: (order.customer.username, orders_start - order.created_at)
        for order in Order.objects.select_related("customer")
    }
    return {
        "users": sorted(
            (
                u.username,
                u.email,
                u.first_name,
                u.last_name,
                users_start - u.date_joined,
            )
            for u in User.objects.all()
        ),
        "orders": sorted(orders.values()),
        "tickets": sorted(
            (code, orders.get(order))
            for code, order in Ticket.objects.values_list("barcode", "order_id")
        ),
    }


def seed_everything(**options: Any) -> dict[str, list[Any]]:
    call_command("seed_users", count=120, seed=4, **options)
    call_command("seed_orders", count=300, seed=4, **options)
    call_command("seed_tickets", count=1100, seed=4, **options)
    return seeded_data()


def test_rows_do_not_depend_on_batch_size_or_concurrency() -> None:
    one_worker = seed_everything(batch_size=7, concurrency=1)
    empty_database()

    # Three workers commit small batches in any order: ids follow that order, rows do not.
    three_workers = seed_everything(batch_size=11, concurrency=3)

    assert three_workers == one_worker
    assert len(one_worker["tickets"]) == 1100


def test_the_same_seed_on_an_empty_database_gives_the_same_barcodes() -> None:
    first = seed_everything()
    empty_database()
    assert seed_everything() == first


def test_barcode_numbers_are_never_handed_out_twice() -> None:
    call_command("seed_users", count=10, seed=1)
    call_command("seed_orders", count=20, seed=1)
    call_command("seed_tickets", count=300, seed=1)
    call_command("seed_tickets", count=300, seed=2)  # another seed: the same key

    first, second = Job.objects.filter(kind="seed_tickets").order_by("pk")
    assert (first.params["first_number"], second.params["first_number"]) == (0, 300)
    assert first.params["barcode_key"] == second.params["barcode_key"]
    assert Counter.objects.get(name="barcode").next == 600
    assert Ticket.objects.values("barcode").distinct().count() == 600


@pytest.mark.parametrize(("lo", "hi"), [(0, 1), (3, 250), (99, 101), (100, 200), (250, 250)])
def test_a_slice_of_a_stream_equals_the_same_rows_of_the_whole_stream(lo: int, hi: int) -> None:
    def row(rng: random.Random, n: int) -> tuple[int, float]:
        return n, rng.random()

    whole = list(seeded_rows(stream="s", lo=0, hi=300, row=row))
    assert list(seeded_rows(stream="s", lo=lo, hi=hi, row=row)) == whole[lo:hi]
