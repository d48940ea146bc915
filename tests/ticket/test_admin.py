import pytest
from django.contrib.auth.models import Permission
from django.test import Client

from tests.admin_pages import assert_no_token_shown, full_counts, queries_at_page_sizes
from tests.factories import OrderFactory, TicketFactory, UserFactory
from ticket.admin import TicketAdmin
from ticket.models import RevokedToken, Ticket
from ticket.redemptions import ticket_redeem
from ticket.services import ticket_tokens_regenerate_selected

pytestmark = pytest.mark.django_db

LIST = "/admin/ticket/ticket/"


def test_list_shows_hints_and_links_but_never_a_token(admin_client: Client) -> None:
    order = OrderFactory.create()
    sold, unsold = TicketFactory.create(order=order), TicketFactory.create(order=None)
    page = admin_client.get(LIST)
    text = page.content.decode()
    assert sold.barcode in text
    assert unsold.barcode in text
    assert sold.token_hint in text
    assert f"/admin/order/order/{sold.order_id}/change/" in text
    assert order.customer.email in text
    assert_no_token_shown(page, sold, unsold)


def test_sold_filter_splits_sold_from_unsold(admin_client: Client) -> None:
    sold, unsold = TicketFactory.create(), TicketFactory.create(order=None)
    sold_page = admin_client.get(LIST, {"sold": "yes"}).content.decode()
    unsold_page = admin_client.get(LIST, {"sold": "no"}).content.decode()
    assert sold.barcode in sold_page
    assert unsold.barcode not in sold_page
    assert unsold.barcode in unsold_page
    assert sold.barcode not in unsold_page


def test_search_matches_an_exact_barcode_or_order_id_only(admin_client: Client) -> None:
    ticket, other = TicketFactory.create(barcode="ABC123"), TicketFactory.create()
    assert ticket.barcode in admin_client.get(LIST, {"q": "ABC123"}).content.decode()
    assert ticket.barcode not in admin_client.get(LIST, {"q": "ABC12"}).content.decode()
    by_order = admin_client.get(LIST, {"q": str(ticket.order_id)}).content.decode()
    assert ticket.barcode in by_order
    assert other.barcode not in by_order


def test_searched_valid_token_opens_its_ticket_without_echoing_it(admin_client: Client) -> None:
    ticket = TicketFactory.create()
    response = admin_client.get(LIST, {"q": str(ticket.token)}, follow=True)
    assert response.redirect_chain[-1][0] == f"/admin/ticket/ticket/{ticket.pk}/change/"
    assert "valid token" in response.content.decode()
    assert_no_token_shown(response, ticket)


@pytest.mark.django_db(transaction=True)
def test_searched_revoked_token_opens_its_ticket_with_a_warning(admin_client: Client) -> None:
    ticket = TicketFactory.create()
    old = str(ticket.token)
    ticket_tokens_regenerate_selected(ticket_ids=[ticket.pk])
    response = admin_client.get(LIST, {"q": old}, follow=True)
    assert response.redirect_chain[-1][0] == f"/admin/ticket/ticket/{ticket.pk}/change/"
    assert "was revoked" in response.content.decode()
    assert old not in response.content.decode()


def test_searched_unknown_token_says_so_without_echoing_it(admin_client: Client) -> None:
    unknown = "0b9d1c2e-5f6a-4b7c-8d9e-0f1a2b3c4d5e"
    response = admin_client.get(LIST, {"q": unknown}, follow=True)
    assert response.redirect_chain[-1][0] == LIST
    text = response.content.decode()
    assert "No ticket has this token" in text
    assert unknown not in text
    assert unknown[:5] not in text


@pytest.mark.django_db(transaction=True)
def test_change_page_lists_revoked_tokens_by_hash_prefix_without_the_token(
    admin_client: Client,
) -> None:
    ticket = TicketFactory.create()
    outcome = ticket_tokens_regenerate_selected(ticket_ids=[ticket.pk])
    ticket.refresh_from_db()
    revoked = RevokedToken.objects.get(ticket=ticket)
    page = admin_client.get(f"/admin/ticket/ticket/{ticket.pk}/change/")
    text = page.content.decode()
    assert revoked.token_hash[:8] in text
    assert revoked.token_hash not in text
    assert f"/admin/utils/job/{outcome.job_id}/change/" in text
    assert ticket.token_hint in text
    assert_no_token_shown(page, ticket)
    assert 'name="token"' not in text


@pytest.mark.parametrize("params", [{}, {"sold": "yes"}, {"o": "2"}, {"p": "2"}])
def test_list_queries_do_not_grow_with_the_page_and_never_count_the_table(
    admin_client: Client, monkeypatch: pytest.MonkeyPatch, params: dict[str, str]
) -> None:
    customers = UserFactory.create_batch(3)
    orders = [OrderFactory.create(customer=customers[n % 3]) for n in range(6)]
    for n in range(220):
        TicketFactory.create(order=orders[n % 6] if n % 5 else None)
    few, many = queries_at_page_sizes(
        monkeypatch, TicketAdmin, lambda: admin_client.get(LIST, params), (20, 100)
    )
    assert len(few) == len(many)
    assert full_counts(few + many) == []


def test_staff_with_view_permission_only_gets_no_rotation_action(client: Client) -> None:
    viewer = UserFactory.create(is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_ticket"))
    client.force_login(viewer)
    ticket = TicketFactory.create()
    page = client.get(LIST)
    assert page.status_code == 200
    assert "regenerate_tokens" not in page.content.decode()
    response = client.post(LIST, {"action": "regenerate_tokens", "_selected_action": [ticket.pk]})
    assert Ticket.objects.get(pk=ticket.pk).token == ticket.token
    assert response.status_code in (200, 302)


def test_lists_offer_no_bulk_delete(admin_client: Client) -> None:
    TicketFactory.create()
    for page in (LIST, "/admin/order/order/", "/admin/user/user/"):
        assert "delete_selected" not in admin_client.get(page).content.decode()


def test_a_redeemed_ticket_shows_when_and_by_whom(admin_client: Client) -> None:
    ticket = TicketFactory.create()
    ticket_redeem(token=str(ticket.token), nonce="n", scanned_by="key gate 4 (tk_abcde…)")
    listing = admin_client.get(LIST).content.decode()
    row = listing.split(ticket.barcode, 1)[1].split("</tr>", 1)[0]
    assert "field-redeemed_at" in row
    assert 'class="field-redeemed_at">-</td>' not in row  # a time, not the empty mark
    page = admin_client.get(f"/admin/ticket/ticket/{ticket.pk}/change/").content.decode()
    assert "key gate 4 (tk_abcde…)" in page
