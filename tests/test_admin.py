import pytest
from django.test import Client

from tests.factories import TicketFactory, UserFactory
from utils.jobs import JobDraft, job_open

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client: Client) -> Client:
    client.force_login(UserFactory.create(is_staff=True, is_superuser=True))
    return client


@pytest.mark.parametrize("page", ["user/user", "order/order", "ticket/ticket", "utils/job"])
def test_staff_can_browse_every_list(staff_client: Client, page: str) -> None:
    TicketFactory.create()
    job_open(
        kind="demo",
        draft=lambda: JobDraft(params={}, scope_lo=0, scope_hi=3, total=3),
        requested={},
        batch_size=1,
        resume=False,
        abandon=False,
    )
    assert staff_client.get(f"/admin/{page}/", secure=True).status_code == 200


def test_ticket_list_never_shows_a_token_in_full(staff_client: Client) -> None:
    ticket = TicketFactory.create()
    page = staff_client.get("/admin/ticket/ticket/", secure=True).content.decode()
    assert ticket.barcode in page
    assert str(ticket.token) not in page
    assert ticket.token.hex not in page
    assert ticket.token_hint in page


def test_ticket_form_does_not_show_the_token(staff_client: Client) -> None:
    ticket = TicketFactory.create()
    page = staff_client.get(f"/admin/ticket/ticket/{ticket.pk}/change/", secure=True)
    assert page.status_code == 200
    assert str(ticket.token) not in page.content.decode()


def test_non_staff_are_sent_to_the_login_page(client: Client) -> None:
    client.force_login(UserFactory.create(is_staff=False))
    response = client.get("/admin/ticket/ticket/", secure=True)
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
