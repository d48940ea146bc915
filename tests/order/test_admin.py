from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from order.admin import INLINE_TICKETS, OrderAdmin
from tests.admin_pages import assert_no_token_shown, full_counts, queries_at_page_sizes, queries_of
from tests.factories import OrderFactory, TicketFactory, UserFactory

pytestmark = pytest.mark.django_db

LIST = "/admin/order/order/"


def test_list_shows_customer_email_and_ticket_count(admin_client: Client) -> None:
    order = OrderFactory.create()
    TicketFactory.create_batch(3, order=order)
    text = admin_client.get(LIST).content.decode()
    assert order.customer.email in text
    assert '<td class="field-ticket_count">3</td>' in text


def test_search_matches_an_exact_order_id_or_customer_email(admin_client: Client) -> None:
    order, other = OrderFactory.create(), OrderFactory.create()
    by_id = admin_client.get(LIST, {"q": str(order.pk)}).content.decode()
    assert f"/admin/order/order/{order.pk}/change/" in by_id
    assert f"/admin/order/order/{other.pk}/change/" not in by_id
    by_email = admin_client.get(LIST, {"q": order.customer.email}).content.decode()
    assert f"/admin/order/order/{order.pk}/change/" in by_email
    assert f"/admin/order/order/{other.pk}/change/" not in by_email


def test_created_filter_keeps_recent_orders(admin_client: Client) -> None:
    recent = OrderFactory.create()
    old = OrderFactory.create(created_at=timezone.now() - timedelta(days=40))
    text = admin_client.get(LIST, {"created": "7d"}).content.decode()
    assert f"/admin/order/order/{recent.pk}/change/" in text
    assert f"/admin/order/order/{old.pk}/change/" not in text


def test_order_page_shows_its_first_tickets_read_only_and_links_to_all(
    admin_client: Client,
) -> None:
    order = OrderFactory.create()
    tickets = TicketFactory.create_batch(INLINE_TICKETS + 2, order=order)
    page = admin_client.get(f"/admin/order/order/{order.pk}/change/")
    text = page.content.decode()
    assert tickets[0].barcode in text
    assert tickets[INLINE_TICKETS - 1].barcode in text
    assert tickets[INLINE_TICKETS].barcode not in text
    assert f"/admin/ticket/ticket/?order__id__exact={order.pk}" in text
    assert f"{INLINE_TICKETS + 2} tickets" in text
    assert tickets[0].token_hint in text
    assert 'name="tickets-0-barcode"' not in text  # read-only
    assert_no_token_shown(page, *tickets)


def test_order_page_queries_do_not_grow_with_its_tickets(admin_client: Client) -> None:
    small, large = OrderFactory.create(), OrderFactory.create()
    TicketFactory.create_batch(2, order=small)
    TicketFactory.create_batch(INLINE_TICKETS + 5, order=large)
    few = queries_of(lambda: admin_client.get(f"/admin/order/order/{small.pk}/change/"))
    many = queries_of(lambda: admin_client.get(f"/admin/order/order/{large.pk}/change/"))
    assert len(few) == len(many)


@pytest.mark.parametrize("params", [{}, {"created": "30d"}, {"o": "-1"}, {"p": "2"}])
def test_list_queries_do_not_grow_with_the_page_and_never_count_the_table(
    admin_client: Client, monkeypatch: pytest.MonkeyPatch, params: dict[str, str]
) -> None:
    customers = UserFactory.create_batch(4)
    for n in range(210):
        TicketFactory.create(order=OrderFactory.create(customer=customers[n % 4]))
    few, many = queries_at_page_sizes(
        monkeypatch, OrderAdmin, lambda: admin_client.get(LIST, params), (20, 100)
    )
    assert len(few) == len(many)
    assert full_counts(few + many) == []
