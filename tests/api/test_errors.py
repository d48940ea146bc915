"""Every error under /api/ is JSON with its status; none repeats a token or a key."""

import logging

import pytest
from django.test import Client

from tests.api.conftest import bearer, post_json
from tests.factories import TicketFactory

pytestmark = pytest.mark.django_db

CHECK = "/api/tickets/check"
REDEEM = "/api/tickets/redeem"
TOKEN = "0b9d1c2e-5f6a-4b7c-8d9e-0f1a2b3c4d5e"


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ('{"token": ', 400),  # not JSON
        ("{}", 400),  # no token
        ('{"token": 5}', 400),  # not a string
        ('{"token": "' + TOKEN * 3 + '"}', 400),  # far too long for a token
        ('{"token": "' + "a" * 5000 + '"}', 413),  # over the body limit
    ],
)
def test_bad_bodies_get_a_json_error_that_does_not_repeat_them(
    client: Client, scanner_key: str, body: str, status: int, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    response = client.post(
        CHECK, body, content_type="application/json", headers=bearer(scanner_key)
    )
    assert response.status_code == status
    assert response.json()["error"]
    assert TOKEN not in response.content.decode()
    assert TOKEN not in caplog.text
    assert scanner_key not in caplog.text


def test_a_wrong_method_is_a_json_405(client: Client, scanner_key: str) -> None:
    response = client.get(CHECK, headers=bearer(scanner_key))
    assert response.status_code == 405
    assert response.json()["error"] == "method_not_allowed"


def test_an_unknown_path_is_a_json_404(client: Client) -> None:
    response = client.get("/api/nothing/here")
    assert response.status_code == 404
    assert response.json()["error"] == "not_found"


def test_logs_of_a_check_hold_neither_token_nor_key(
    client: Client, scanner_key: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    post_json(client, CHECK, {"token": TOKEN}, headers=bearer(scanner_key))
    assert TOKEN not in caplog.text
    assert scanner_key not in caplog.text


def test_the_api_root_is_a_json_404_not_a_500(client: Client) -> None:
    response = client.get("/api/")
    assert response.status_code == 404
    assert response.json()["error"] == "not_found"


def test_a_chunked_body_is_a_json_411_not_read_as_empty(client: Client, scanner_key: str) -> None:
    """Django reads a body by its Content-Length: a chunked body would read as empty and be
    answered as a missing field."""
    headers = {**bearer(scanner_key), "Transfer-Encoding": "chunked"}
    response = client.post(
        CHECK, '{"token": "' + TOKEN + '"}', content_type="application/json", headers=headers
    )
    assert response.status_code == 411
    assert response.json()["error"] == "length_required"


def test_logs_of_scans_and_of_a_failure_hold_neither_token_nor_key(
    client: Client,
    scanner_key: str,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    caplog.set_level(logging.DEBUG)
    token = str(TicketFactory.create().token)
    for _ in range(2):  # ok, then already_redeemed
        post_json(client, REDEEM, {"token": token, "nonce": "n1"}, headers=bearer(scanner_key))
    client.get("/api/stats", headers=bearer(scanner_key))  # a scanner key: 403

    def failing(**kwargs: str) -> None:
        raise RuntimeError(f"the database quoted {kwargs['token']}")

    monkeypatch.setattr("api.tickets.ticket_redeem", failing)
    response = post_json(
        client, REDEEM, {"token": token, "nonce": "n2"}, headers=bearer(scanner_key)
    )
    assert response.status_code == 500
    assert response.json()["error"] == "internal_error"
    assert "RuntimeError" in caplog.text  # the failure is logged, without its message
    assert token not in caplog.text
    assert token.replace("-", "") not in caplog.text
    assert scanner_key not in caplog.text


def test_head_on_a_get_endpoint_answers_as_its_get_without_the_body(
    client: Client, scanner_key: str
) -> None:
    got = client.get("/api/whoami", headers=bearer(scanner_key))
    head = client.head("/api/whoami", headers=bearer(scanner_key))
    assert (head.status_code, head.content) == (200, b"")
    assert head["Content-Type"] == got["Content-Type"]
    assert head["Content-Length"] == str(len(got.content))
    assert client.head("/api/whoami").status_code == 401
