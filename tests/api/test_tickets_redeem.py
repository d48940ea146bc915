import threading

import pytest
from django.db import connection
from django.test import Client, RequestFactory

from api.auth import CALLER_NAME_LENGTH, caller_name
from api.models import ApiKey
from api.services import api_key_create
from tests.api.conftest import bearer, post_json
from tests.factories import TicketFactory, UserFactory
from ticket.models import Scan, Ticket
from ticket.redemptions import ticket_redeem
from ticket.services import ticket_tokens_regenerate_selected

pytestmark = pytest.mark.django_db

REDEEM = "/api/tickets/redeem"


def redeem(client: Client, key: str, token: str, nonce: str) -> dict[str, object]:
    response = post_json(client, REDEEM, {"token": token, "nonce": nonce}, headers=bearer(key))
    assert response.status_code == 200
    answer: dict[str, object] = response.json()
    return answer


def test_the_first_scan_lets_in_and_later_ones_say_when_and_by_whom(
    client: Client, scanner_key: str, staff_key: str
) -> None:
    ticket = TicketFactory.create()
    first = redeem(client, scanner_key, str(ticket.token), "n1")
    assert first["status"] == "ok"
    assert first["barcode"] == ticket.barcode
    again = redeem(client, staff_key, str(ticket.token), "n2")
    assert again["status"] == "already_redeemed"
    assert again["redeemed_at"] == first["redeemed_at"]
    assert str(again["redeemed_by"]).startswith("key gate 1 (tk_")
    check = post_json(
        client, "/api/tickets/check", {"token": str(ticket.token)}, headers=bearer(scanner_key)
    )
    assert check.json()["redeemed_at"] == first["redeemed_at"]


def test_a_retry_with_the_same_nonce_gets_the_same_ok(client: Client, scanner_key: str) -> None:
    ticket = TicketFactory.create()
    first = redeem(client, scanner_key, str(ticket.token), "scan-77")
    retry = redeem(client, scanner_key, str(ticket.token), "scan-77")
    assert retry == first


def test_unsold_unknown_and_revoked_tickets_do_not_let_anyone_in(
    client: Client, scanner_key: str
) -> None:
    unsold = TicketFactory.create(order=None)
    assert redeem(client, scanner_key, str(unsold.token), "a")["status"] == "unsold"
    assert redeem(client, scanner_key, "no-such-token", "b") == {"status": "unknown"}
    assert Ticket.objects.get(pk=unsold.pk).redeemed_at is None


@pytest.mark.django_db(transaction=True)
def test_a_revoked_token_is_refused_and_a_rotation_keeps_a_redemption(client: Client) -> None:
    key = api_key_create(name="gate", role=ApiKey.Role.SCANNER)[1]
    ticket, other = TicketFactory.create_batch(2)
    redeem(client, key, str(ticket.token), "a")
    ticket_tokens_regenerate_selected(ticket_ids=[ticket.pk, other.pk])
    assert redeem(client, key, str(other.token), "b")["status"] == "revoked"
    rotated = Ticket.objects.get(pk=ticket.pk)
    assert rotated.redeemed_at is not None
    assert redeem(client, key, str(rotated.token), "c")["status"] == "already_redeemed"


def test_every_scan_is_recorded_with_its_result(client: Client, scanner_key: str) -> None:
    ticket = TicketFactory.create()
    redeem(client, scanner_key, str(ticket.token), "a")
    redeem(client, scanner_key, str(ticket.token), "b")
    redeem(client, scanner_key, "nothing", "c")
    scans = list(Scan.objects.order_by("pk").values_list("ticket_id", "result", "nonce"))
    assert scans == [
        (ticket.pk, "ok", "a"),
        (ticket.pk, "already_redeemed", "b"),
        (None, "unknown", "c"),
    ]


def test_scans_are_browsed_read_only_in_the_admin(admin_client: Client, scanner_key: str) -> None:
    ticket = TicketFactory.create()
    ticket_redeem(token=str(ticket.token), nonce="n", scanned_by="key gate 1 (tk_x…)")
    scan = Scan.objects.get()
    page = admin_client.get("/admin/ticket/scan/").content.decode()
    assert '<td class="field-result">Ok</td>' in page
    assert "key gate 1" in page
    assert admin_client.post(f"/admin/ticket/scan/{scan.pk}/change/", {}).status_code == 403
    assert str(ticket.token) not in page


@pytest.mark.django_db(transaction=True)
def test_racing_scanners_let_each_ticket_in_exactly_once() -> None:
    tickets = TicketFactory.create_batch(5)
    results: list[tuple[int, str]] = []
    start = threading.Barrier(8)

    def scanner(number: int) -> None:
        start.wait()
        try:
            for ticket in tickets:
                outcome = ticket_redeem(
                    token=str(ticket.token), nonce=f"{number}", scanned_by=f"gate {number}"
                )
                results.append((ticket.pk, outcome.result))
        finally:
            connection.close()

    threads = [threading.Thread(target=scanner, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for ticket in tickets:
        answers = [result for pk, result in results if pk == ticket.pk]
        assert answers.count("ok") == 1
        assert answers.count("already_redeemed") == 7
    assert Scan.objects.filter(result="ok").count() == 5


def test_a_staff_member_with_the_longest_username_may_redeem(client: Client) -> None:
    client.force_login(UserFactory.create(is_staff=True, username="s" * 150))
    ticket = TicketFactory.create()
    response = post_json(client, REDEEM, {"token": str(ticket.token), "nonce": "n"})
    assert response.status_code == 200
    assert response.json()["status"] == "ok"
    assert Ticket.objects.get(pk=ticket.pk).redeemed_by.startswith("staff sss")


@pytest.mark.django_db(transaction=True)
def test_a_retry_after_a_rotation_gets_the_same_ok(client: Client, scanner_key: str) -> None:
    """The scanner lost the answer to its redemption; the ticket's token was rotated since."""
    ticket = TicketFactory.create()
    first = redeem(client, scanner_key, str(ticket.token), "n1")
    ticket_tokens_regenerate_selected(ticket_ids=[ticket.pk])
    again = redeem(client, scanner_key, str(ticket.token), "n1")
    assert again["status"] == "ok"
    assert again["redeemed_at"] == first["redeemed_at"]
    assert ticket.order is not None
    assert again["customer_id"] == ticket.order.customer_id
    assert redeem(client, scanner_key, str(ticket.token), "n2")["status"] == "revoked"


def test_staff_whose_long_usernames_share_a_beginning_have_names_of_their_own() -> None:
    """A retry's nonce is honoured for the same caller only: two callers never share one."""
    names = set()
    for user in (UserFactory.create(username="s" * 149 + c) for c in "ab"):
        request = RequestFactory().get("/")
        request.auth = user  # type: ignore[attr-defined]
        names.add(caller_name(request))
    assert len(names) == 2
    assert all(len(name) <= CALLER_NAME_LENGTH for name in names)
