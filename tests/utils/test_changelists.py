import pytest
from django.test import Client

from tests.factories import TicketFactory
from ticket.admin import TicketAdmin
from utils.counts import RowCount

pytestmark = pytest.mark.django_db


def test_sorting_by_a_unique_column_adds_no_tie_breaker_that_defeats_its_index(
    admin_client: Client,
) -> None:
    TicketFactory.create_batch(3)
    changelist = admin_client.get("/admin/ticket/ticket/", {"o": "2"}).context["cl"]
    assert list(changelist.queryset.query.order_by) == ["barcode"]


def test_a_page_read_by_its_ids_keeps_the_lists_order(admin_client: Client) -> None:
    tickets = [TicketFactory.create(barcode=code) for code in ("C1", "A1", "B1", "D1")]
    descending = admin_client.get("/admin/ticket/ticket/", {"o": "-2"}).context["cl"]
    assert [t.barcode for t in descending.result_list] == ["D1", "C1", "B1", "A1"]
    by_id = admin_client.get("/admin/ticket/ticket/").context["cl"]
    assert [t.pk for t in by_id.result_list] == [t.pk for t in reversed(tickets)]


def test_a_count_over_the_cap_is_marked_as_an_estimate(
    admin_client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("utils.counts.EXACT_UP_TO", 2)
    TicketFactory.create_batch(3)
    page = admin_client.get("/admin/ticket/ticket/")
    exact = page.context["cl"].paginator.row_count.exact
    assert ("≈" in page.content.decode()) == (not exact)


@pytest.mark.parametrize(
    ("page", "lookup"),
    [
        ("/admin/ticket/ticket/", "token__startswith=4f"),
        ("/admin/ticket/ticket/", "token=0b9d1c2e-5f6a-4b7c-8d9e-0f1a2b3c4d5e"),
        ("/admin/ticket/ticket/", "id__gt=1"),
        ("/admin/order/order/", "customer__password__startswith=p"),
        ("/admin/user/user/", "email__startswith=a"),
    ],
)
def test_lookups_beyond_the_lists_filters_and_links_are_refused(
    admin_client: Client, page: str, lookup: str
) -> None:
    TicketFactory.create()
    assert admin_client.get(f"{page}?{lookup}").status_code == 400


@pytest.mark.parametrize(
    "lookup",
    [
        "/admin/ticket/ticket/?sold=no",
        "/admin/ticket/ticket/?order__id__exact=1",
        "/admin/order/order/?created=7d",
        "/admin/order/order/?customer__id__exact=1",
        "/admin/user/user/?is_staff__exact=1",
        "/admin/utils/job/?status__exact=completed&kind__exact=demo",
    ],
)
def test_the_lists_own_filters_and_links_are_allowed(admin_client: Client, lookup: str) -> None:
    assert admin_client.get(lookup).status_code == 200


TOKEN = "0b9d1c2e-5f6a-4b7c-8d9e-0f1a2b3c4d5e"


@pytest.mark.parametrize("page", ["/admin/order/order/", "/admin/user/user/", "/admin/utils/job/"])
@pytest.mark.parametrize("typed", [TOKEN, TOKEN.upper(), TOKEN[:30], TOKEN.replace("-", " ")])
def test_a_token_searched_on_another_list_is_never_shown_back(
    admin_client: Client, page: str, typed: str
) -> None:
    response = admin_client.get(page, {"q": typed}, follow=True)
    assert response.redirect_chain[-1][0] == page
    text = response.content.decode().lower()
    assert "looks like a ticket token" in text
    assert TOKEN[:8] not in text
    assert TOKEN.replace("-", "")[-8:] not in text


def test_a_mistyped_token_on_the_tickets_list_is_not_shown_back(admin_client: Client) -> None:
    typed = TOKEN.replace("-", " -", 1)
    response = admin_client.get("/admin/ticket/ticket/", {"q": typed}, follow=True)
    text = response.content.decode()
    assert "No ticket has this token" in text
    assert TOKEN[:8] not in text


def test_a_barcode_that_looks_like_a_uuid_is_still_searched(admin_client: Client) -> None:
    ticket = TicketFactory.create(barcode="ABCDEF0123456789ABCDEF0123456789")
    page = admin_client.get("/admin/ticket/ticket/", {"q": ticket.barcode})
    assert page.status_code == 200
    assert f"/admin/ticket/ticket/{ticket.pk}/change/" in page.content.decode()


def test_a_selection_that_is_not_ids_gets_a_message_not_a_500(admin_client: Client) -> None:
    data = {"action": "regenerate_tokens", "_selected_action": ["abc"], "index": "0"}
    response = admin_client.post("/admin/ticket/ticket/", data, follow=True)
    assert response.status_code == 200
    assert "not a list of ids" in response.content.decode()


@pytest.mark.parametrize("estimate", [12, 400])  # an estimate is above the exact cap
def test_paging_reaches_every_row_whatever_the_estimate(
    admin_client: Client, monkeypatch: pytest.MonkeyPatch, estimate: int
) -> None:
    monkeypatch.setattr(TicketAdmin, "list_per_page", 10)
    monkeypatch.setattr(
        "utils.changelists.rows_count", lambda queryset: RowCount(value=estimate, exact=False)
    )
    tickets = TicketFactory.create_batch(25)
    seen: list[int] = []
    page = 1
    while True:
        changelist = admin_client.get("/admin/ticket/ticket/", {"p": page}).context["cl"]
        seen += [ticket.pk for ticket in changelist.result_list]
        if page >= changelist.paginator.num_pages:
            break
        page += 1
    assert sorted(seen) == sorted(ticket.pk for ticket in tickets)
    assert page == 3  # no empty pages offered past the end
