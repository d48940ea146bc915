import pytest
from django.test import Client

from tests.admin_pages import full_counts, queries_at_page_sizes
from tests.factories import OrderFactory, UserFactory
from user.admin import UserAdmin

pytestmark = pytest.mark.django_db

LIST = "/admin/user/user/"


def test_list_shows_each_customers_order_count_linked_to_their_orders(
    admin_client: Client,
) -> None:
    customer = UserFactory.create()
    OrderFactory.create_batch(2, customer=customer)
    text = admin_client.get(LIST).content.decode()
    assert customer.email in text
    assert f'/admin/order/order/?customer__id__exact={customer.pk}">2</a>' in text
    orders = admin_client.get("/admin/order/order/", {"customer__id__exact": customer.pk})
    assert orders.status_code == 200
    assert orders.content.decode().count("field-customer_email") == 2


def test_search_is_an_exact_email_or_a_prefix_ending_with_a_star(admin_client: Client) -> None:
    ann = UserFactory.create(email="ann.lee@example.com")
    anna = UserFactory.create(email="anna.berg@example.com")
    exact = admin_client.get(LIST, {"q": "ann.lee@example.com"}).content.decode()
    assert ann.email in exact
    assert anna.email not in exact
    prefix = admin_client.get(LIST, {"q": "ann*"}).content.decode()
    assert ann.email in prefix
    assert anna.email in prefix
    assert anna.email not in admin_client.get(LIST, {"q": "ann"}).content.decode()


@pytest.mark.parametrize("params", [{}, {"o": "1"}, {"q": "customer*"}, {"p": "2"}])
def test_list_queries_do_not_grow_with_the_page_and_never_count_the_table(
    admin_client: Client, monkeypatch: pytest.MonkeyPatch, params: dict[str, str]
) -> None:
    for customer in UserFactory.create_batch(210):
        OrderFactory.create(customer=customer)
    few, many = queries_at_page_sizes(
        monkeypatch, UserAdmin, lambda: admin_client.get(LIST, params), (20, 100)
    )
    assert len(few) == len(many)
    assert full_counts(few + many) == []
