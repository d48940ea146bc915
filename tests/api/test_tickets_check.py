import pytest
from django.test import Client

from api.models import ApiKey
from api.services import api_key_create
from tests.api.conftest import bearer, post_json
from tests.factories import OrderFactory, TicketFactory, UserFactory
from ticket.models import Ticket
from ticket.services import ticket_tokens_regenerate_selected

pytestmark = pytest.mark.django_db

CHECK = "/api/tickets/check"


def test_a_valid_token_answers_its_ticket_order_and_customer(
    client: Client, scanner_key: str
) -> None:
    order = OrderFactory.create()
    ticket = TicketFactory.create(order=order)
    response = post_json(client, CHECK, {"token": str(ticket.token)}, headers=bearer(scanner_key))
    assert response.status_code == 200
    assert response.json() == {
        "status": "valid",
        "barcode": ticket.barcode,
        "order_id": order.pk,
        "customer_id": order.customer_id,
    }


def test_an_unsold_ticket_is_valid_without_an_order(client: Client, scanner_key: str) -> None:
    ticket = TicketFactory.create(order=None)
    answer = post_json(
        client, CHECK, {"token": ticket.token.hex}, headers=bearer(scanner_key)
    ).json()
    assert answer == {"status": "valid", "barcode": ticket.barcode}


@pytest.mark.django_db(transaction=True)
def test_a_replaced_token_answers_revoked_with_when(client: Client) -> None:
    key = api_key_create(name="gate", role=ApiKey.Role.SCANNER)[1]
    ticket = TicketFactory.create()
    ticket_tokens_regenerate_selected(ticket_ids=[ticket.pk])
    answer = post_json(client, CHECK, {"token": str(ticket.token)}, headers=bearer(key)).json()
    assert answer["status"] == "revoked"
    assert answer["revoked_at"]
    assert set(answer) == {"status", "revoked_at"}


@pytest.mark.parametrize("token", ["nope", "0b9d1c2e-5f6a-4b7c-8d9e-0f1a2b3c4d5e"])
def test_anything_else_is_unknown(client: Client, scanner_key: str, token: str) -> None:
    answer = post_json(client, CHECK, {"token": token}, headers=bearer(scanner_key)).json()
    assert answer == {"status": "unknown"}


def test_a_check_changes_nothing(client: Client, scanner_key: str) -> None:
    ticket = TicketFactory.create()
    post_json(client, CHECK, {"token": str(ticket.token)}, headers=bearer(scanner_key))
    after = Ticket.objects.get(pk=ticket.pk)
    assert (after.token, after.updated_at) == (ticket.token, ticket.updated_at)


def test_staff_keys_and_staff_sessions_may_check(client: Client, staff_key: str) -> None:
    ticket = TicketFactory.create()
    assert post_json(client, CHECK, {"token": "x"}, headers=bearer(staff_key)).status_code == 200
    client.force_login(UserFactory.create(is_staff=True))
    assert post_json(client, CHECK, {"token": str(ticket.token)}).json()["status"] == "valid"


def test_customers_signed_in_are_not_let_in(client: Client) -> None:
    client.force_login(UserFactory.create(is_staff=False))
    assert post_json(client, CHECK, {"token": "x"}).status_code == 401
