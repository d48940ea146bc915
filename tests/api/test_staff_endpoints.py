import pytest
from django.test import Client, override_settings

from tests.api.conftest import bearer, post_json
from tests.dashboard.test_dashboard import REDIS_DOWN
from tests.factories import OrderFactory, TicketFactory, UserFactory
from ticket.redemptions import ticket_redeem

pytestmark = pytest.mark.django_db


def test_a_voucher_lists_an_orders_barcodes_in_ticket_order(client: Client, staff_key: str) -> None:
    order = OrderFactory.create()
    tickets = [TicketFactory.create(order=order, barcode=code) for code in ("Z9", "A1", "M5")]
    answer = client.get(f"/api/orders/{order.pk}/voucher", headers=bearer(staff_key)).json()
    assert answer == {
        "customer_id": order.customer_id,
        "order_id": order.pk,
        "barcodes": [ticket.barcode for ticket in tickets],
    }


def test_an_unknown_order_is_a_json_404(client: Client, staff_key: str) -> None:
    response = client.get("/api/orders/999999/voucher", headers=bearer(staff_key))
    assert response.status_code == 404
    assert response.json()["error"] == "not_found"


def test_a_scanner_key_is_forbidden_staff_endpoints(client: Client, scanner_key: str) -> None:
    for path in ("/api/stats", "/api/orders/1/voucher"):
        response = client.get(path, headers=bearer(scanner_key))
        assert response.status_code == 403
        assert response.json()["error"] == "forbidden"


def test_stats_count_totals_top_customers_and_unused_barcodes(
    client: Client, staff_key: str
) -> None:
    big, small = UserFactory.create(), UserFactory.create()
    for customer, count in ((big, 3), (small, 1)):
        TicketFactory.create_batch(count, order=OrderFactory.create(customer=customer))
    TicketFactory.create_batch(2, order=None)
    answer = client.get("/api/stats", headers=bearer(staff_key)).json()
    assert answer["totals"] == {
        "customers": 2,
        "orders": 2,
        "tickets_sold": 4,
        "tickets_unsold": 2,
        "tickets_redeemed": 0,
    }
    assert answer["top_customers"] == [
        {"customer_id": big.pk, "tickets": 3},
        {"customer_id": small.pk, "tickets": 1},
    ]
    assert answer["unused_barcodes"] == 2


def test_top_customers_ties_go_to_the_lower_customer_id(client: Client, staff_key: str) -> None:
    customers = UserFactory.create_batch(7)
    for customer in reversed(customers):
        TicketFactory.create(order=OrderFactory.create(customer=customer))
    top = client.get("/api/stats", headers=bearer(staff_key)).json()["top_customers"]
    assert [row["customer_id"] for row in top] == sorted(c.pk for c in customers)[:5]


def test_stats_are_fresh_after_a_redemption(client: Client, staff_key: str) -> None:
    ticket = TicketFactory.create()
    before = client.get("/api/stats", headers=bearer(staff_key)).json()
    assert before["totals"]["tickets_redeemed"] == 0
    ticket_redeem(token=str(ticket.token), nonce="n", scanned_by="gate")
    after = client.get("/api/stats", headers=bearer(staff_key)).json()
    assert after["totals"]["tickets_redeemed"] == 1


def test_stats_are_cached_until_a_write_bumps_the_generation(
    client: Client, staff_key: str
) -> None:
    TicketFactory.create()
    first = client.get("/api/stats", headers=bearer(staff_key)).json()
    TicketFactory.create()  # a write that bumps nothing: the cached answer stands
    assert client.get("/api/stats", headers=bearer(staff_key)).json() == first


@override_settings(CACHES=REDIS_DOWN)
def test_with_redis_down_staff_endpoints_answer_from_the_database(
    client: Client, staff_key: str
) -> None:
    order = OrderFactory.create()
    TicketFactory.create(order=order)
    assert client.get("/api/stats", headers=bearer(staff_key)).status_code == 200
    voucher = client.get(f"/api/orders/{order.pk}/voucher", headers=bearer(staff_key))
    assert len(voucher.json()["barcodes"]) == 1


def test_a_staff_session_may_use_staff_endpoints(client: Client) -> None:
    client.force_login(UserFactory.create(is_staff=True))
    assert client.get("/api/stats").status_code == 200
    assert post_json(client, "/api/tickets/check", {"token": "x"}).status_code == 200


def test_a_voucher_is_fresh_after_an_admin_edit_moves_a_ticket(
    admin_client: Client, client: Client, staff_key: str
) -> None:
    first, second = OrderFactory.create(), OrderFactory.create()
    ticket = TicketFactory.create(order=first)
    voucher = f"/api/orders/{first.pk}/voucher"
    assert client.get(voucher, headers=bearer(staff_key)).json()["barcodes"] == [ticket.barcode]
    edited = admin_client.post(
        f"/admin/ticket/ticket/{ticket.pk}/change/",
        {"barcode": ticket.barcode, "order": second.pk},
    )
    assert edited.status_code == 302
    assert client.get(voucher, headers=bearer(staff_key)).json()["barcodes"] == []


def test_a_superuser_without_staff_status_is_refused_like_in_the_admin(client: Client) -> None:
    client.force_login(UserFactory.create(is_staff=False, is_superuser=True))
    assert client.get("/api/stats").status_code == 401
    assert post_json(client, "/api/tickets/check", {"token": "x"}).status_code == 401


@pytest.mark.parametrize("order_id", ["1_0", "+1", "x", "-1"])
def test_an_order_id_other_than_plain_digits_is_no_order(
    client: Client, staff_key: str, order_id: str
) -> None:
    OrderFactory.create_batch(10)
    response = client.get(f"/api/orders/{order_id}/voucher", headers=bearer(staff_key))
    assert response.status_code == 404
    assert response.json()["error"] == "not_found"
