import pytest
from django.db.models import Count

from order.models import Order
from tests.factories import OrderFactory, UserFactory
from user.models import User
from utils.sql import CompiledQuery, rows_insert_returning, rows_streamed

pytestmark = pytest.mark.django_db

NEVER_LOGGED_IN = CompiledQuery(lambda: User.objects.filter(email="", last_login__isnull=True))


def test_a_compiled_query_finds_the_row_of_each_calls_parameters() -> None:
    first, second = UserFactory.create(), UserFactory.create()
    assert NEVER_LOGGED_IN.first(first.email) == first
    assert NEVER_LOGGED_IN.first(second.email) == second
    assert NEVER_LOGGED_IN.first("nobody@example.com") is None


def test_a_compiled_query_keeps_the_querysets_other_conditions() -> None:
    returning = UserFactory.create(last_login="2026-11-01T10:00:00Z")
    assert NEVER_LOGGED_IN.first(returning.email) is None


def test_a_compiled_query_refuses_a_call_with_too_few_parameters() -> None:
    # MySQL sends is_active=True as a parameter, SQLite does not: the caller cannot know.
    active = CompiledQuery(lambda: User.objects.filter(email="", is_active=True))
    with pytest.raises(TypeError, match="parameters"):
        active.first("nobody@example.com", True, True)


@pytest.mark.django_db(transaction=True)
def test_streamed_rows_are_the_querysets_rows_whatever_the_fetch() -> None:
    users = UserFactory.create_batch(5)
    rows = User.objects.order_by("pk").values_list("pk", "email")
    assert list(rows_streamed(rows, fetch=2)) == [(user.pk, user.email) for user in users]


def test_a_compiled_query_gives_values_as_the_orm_does_with_its_annotations() -> None:
    user: User = UserFactory.create()
    found = CompiledQuery(
        lambda: User.objects.filter(email="").annotate(order_count=Count("orders"))
    ).first(user.email)
    assert found is not None
    assert (found.pk, found.is_active, found.date_joined) == (user.pk, True, user.date_joined)
    assert getattr(found, "order_count") == 0  # noqa: B009 (mypy knows no annotation)


def test_rows_inserted_returning_tell_the_ids_of_the_rows_they_made() -> None:
    before = OrderFactory.create()  # a row whose id is not told
    row = (before.customer_id, "2026-12-08 10:00:00")
    ids = rows_insert_returning(model=Order, fields=("customer", "created_at"), rows=[row] * 5)
    assert ids is not None  # MariaDB 10.5+ and SQLite 3.35+ return them
    made = Order.objects.exclude(pk=before.pk).values_list("pk", flat=True)
    assert sorted(ids) == sorted(made)
    assert len(made) == 5
