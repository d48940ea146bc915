"""The admin action "Regenerate tokens", on tickets and on orders, end to end."""

import pytest
from django.test import Client

from tests.admin_pages import assert_no_token_shown
from tests.factories import OrderFactory, TicketFactory
from ticket.models import RevokedToken, Ticket
from ticket.services import REGENERATE_SELECTED_KIND, token_check
from utils.models import Job

# The rotation runs on the engine's worker threads, which see committed rows only.
pytestmark = pytest.mark.django_db(transaction=True)


def select(client: Client, page: str, ids: list[int], **extra: str):
    data = {"action": "regenerate_tokens", "_selected_action": ids, "index": "0", **extra}
    return client.post(page, data, follow="confirm" in extra)


def test_ticket_action_confirms_then_rotates_under_a_job(admin_client: Client) -> None:
    chosen, other = TicketFactory.create_batch(2), TicketFactory.create()
    old_tokens = {str(ticket.token) for ticket in chosen}

    confirmation = select(admin_client, "/admin/ticket/ticket/", [t.pk for t in chosen])
    assert confirmation.status_code == 200
    assert "Yes, regenerate" in confirmation.content.decode()
    assert_no_token_shown(confirmation, *chosen)
    assert Job.objects.filter(kind=REGENERATE_SELECTED_KIND).count() == 0

    done = select(admin_client, "/admin/ticket/ticket/", [t.pk for t in chosen], confirm="1")
    job = Job.objects.get(kind=REGENERATE_SELECTED_KIND)
    assert job.status == Job.Status.COMPLETED
    assert f"/admin/utils/job/{job.pk}/change/" in done.content.decode()
    assert "2 of 2 tickets given new tokens" in done.content.decode()
    assert all(token_check(token=token).status == "revoked" for token in old_tokens)
    assert RevokedToken.objects.filter(job=job).count() == 2
    assert Ticket.objects.get(pk=other.pk).token == other.token
    assert_no_token_shown(done, *Ticket.objects.filter(pk__in=[t.pk for t in chosen]))


def test_order_action_rotates_every_ticket_of_the_selected_orders(admin_client: Client) -> None:
    order, untouched = OrderFactory.create(), OrderFactory.create()
    tickets = TicketFactory.create_batch(3, order=order)
    kept = TicketFactory.create(order=untouched)

    confirmation = select(admin_client, "/admin/order/order/", [order.pk])
    assert "Give 3 tickets new tokens" in confirmation.content.decode()
    select(admin_client, "/admin/order/order/", [order.pk], confirm="1")

    job = Job.objects.get(kind=REGENERATE_SELECTED_KIND)
    assert set(RevokedToken.objects.filter(job=job).values_list("ticket", flat=True)) == {
        t.pk for t in tickets
    }
    assert Ticket.objects.get(pk=kept.pk).token == kept.token


def test_selection_over_the_limit_is_sent_to_the_command(
    admin_client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("ticket.admin_actions.SELECTION_LIMIT", 2)
    tickets = TicketFactory.create_batch(3)
    response = select(admin_client, "/admin/ticket/ticket/", [t.pk for t in tickets])
    assert response.status_code == 302
    page = admin_client.get(response["Location"]).content.decode()
    assert "python manage.py regenerate_tokens" in page
    assert not Job.objects.filter(kind=REGENERATE_SELECTED_KIND).exists()
    assert [t.token for t in Ticket.objects.order_by("pk")] == [t.token for t in tickets]


def test_a_rotation_from_the_admin_shows_at_once_on_the_dashboard(admin_client: Client) -> None:
    ticket = TicketFactory.create()
    before = admin_client.get("/admin/").context["figures"]
    assert before.revoked.value == 0
    done = select(admin_client, "/admin/ticket/ticket/", [ticket.pk], confirm="1")
    assert "1 of 1 tickets given new tokens" in done.content.decode()
    after = admin_client.get("/admin/").context["figures"]
    assert after.revoked.value == 1
