import pytest
from django.test import Client

from tests.factories import TicketFactory

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
