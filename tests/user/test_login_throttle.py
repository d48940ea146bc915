"""Failed admin logins are throttled per username and address (django-axes)."""

import pytest
from django.test import Client, override_settings

from tests.factories import UserFactory
from user.models import User

pytestmark = pytest.mark.django_db

PASSWORD = "a-Correct-horse-42"


@pytest.fixture
def staff() -> User:
    user = UserFactory.create(is_staff=True, is_superuser=True)
    user.set_password(PASSWORD)
    user.save()
    return user


def login(client: Client, username: str, password: str, address: str = "10.0.0.1") -> int:
    response = client.post(
        "/admin/login/", {"username": username, "password": password}, REMOTE_ADDR=address
    )
    return response.status_code


def fail_five_times(client: Client, username: str) -> None:
    for _ in range(4):
        assert login(client, username, "wrong") == 200  # the form again, with its error
    assert login(client, username, "wrong") == 429  # the fifth locks


def test_five_failures_lock_the_username_from_that_address_with_a_clear_page(
    client: Client, staff: User
) -> None:
    fail_five_times(client, staff.username)
    response = client.post(
        "/admin/login/",
        {"username": staff.username, "password": PASSWORD},
        REMOTE_ADDR="10.0.0.1",
    )
    assert response.status_code == 429
    page = response.content.decode()
    assert "Login locked" in page
    assert "0:15:00" in page
    assert "_auth_user_id" not in client.session


def test_a_lockout_spares_other_addresses_and_other_usernames(client: Client, staff: User) -> None:
    fail_five_times(client, staff.username)
    other = UserFactory.create(is_staff=True)
    other.set_password(PASSWORD)
    other.save()
    assert login(client, other.username, PASSWORD) == 302
    assert login(Client(), staff.username, PASSWORD, address="10.0.0.2") == 302


def test_a_success_before_the_limit_clears_the_failures(client: Client, staff: User) -> None:
    for _ in range(4):
        login(client, staff.username, "wrong")
    assert login(client, staff.username, PASSWORD) == 302
    client.logout()
    for _ in range(4):
        login(client, staff.username, "wrong")
    assert login(client, staff.username, PASSWORD) == 302


@override_settings(BEHIND_TLS_PROXY=True)
@pytest.mark.parametrize("proxy_saw", ["203.0.113.7", "10.0.0.5", "127.0.0.1"])
def test_behind_the_proxy_a_lockout_is_per_forwarded_client_whatever_it_prepends(
    staff: User, proxy_saw: str
) -> None:
    """Every request comes from the proxy's address; the client's is the last entry of
    X-Forwarded-For, which the proxy appended, even a private one. Entries the client sent
    before it change nothing, and one client's failures do not lock the others out."""

    def attempt(password: str, forwarded: str) -> int:
        data = {"username": staff.username, "password": password}
        response = Client().post(
            "/admin/login/", data, REMOTE_ADDR="10.0.0.9", HTTP_X_FORWARDED_FOR=forwarded
        )
        return response.status_code

    for n in range(4):
        assert attempt("wrong", f"8.8.{n}.{n + 1}, {proxy_saw}") == 200
    assert attempt("wrong", f"9.9.9.9, {proxy_saw}") == 429
    assert attempt(PASSWORD, proxy_saw) == 429
    assert attempt(PASSWORD, "198.51.100.2") == 302
