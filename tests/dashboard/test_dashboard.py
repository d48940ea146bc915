import re

import pytest
from django.test import Client, override_settings

from dashboard.selectors import CHART_DAYS, figures_compute
from tests.admin_pages import full_counts, queries_of
from tests.factories import TicketFactory, UserFactory

pytestmark = pytest.mark.django_db

# Nothing listens on port 1: every connection is refused at once.
REDIS_DOWN = {
    "default": {
        "BACKEND": "utils.redis_guard.GuardedRedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",
        "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 0.25, "SOCKET_TIMEOUT": 0.25},
    }
}


def test_home_shows_totals_a_chart_of_30_days_and_the_time(admin_client: Client) -> None:
    TicketFactory.create_batch(3)
    TicketFactory.create(order=None)
    page = admin_client.get("/admin/")
    text = page.content.decode()
    figures = page.context["figures"]
    assert (figures.sold.value, figures.unsold.value, figures.revoked.value) == (3, 1, 0)
    assert figures.customers.value == 3  # the staff member is not a customer
    assert figures.orders.value == 3
    assert re.search(r"as of \d\d:\d\d:\d\d", text)
    assert text.count("<rect ") == CHART_DAYS
    assert figures.per_day[-1][1].value == 4  # all created today


def test_home_figures_come_from_the_cache_until_a_job_ends(admin_client: Client) -> None:
    TicketFactory.create()
    first = admin_client.get("/admin/").context["figures"]
    TicketFactory.create()
    assert admin_client.get("/admin/").context["figures"] == first


def test_home_never_counts_a_whole_table(admin_client: Client) -> None:
    TicketFactory.create_batch(2)
    assert full_counts(queries_of(lambda: admin_client.get("/admin/"))) == []


def test_home_lists_running_jobs_with_their_progress(admin_client: Client, make_job) -> None:
    job = make_job(rows=10, chunk_size=5)
    text = admin_client.get("/admin/").content.decode()
    assert f"/admin/utils/job/{job.pk}/change/" in text
    assert "0 / 10" in text


@override_settings(CACHES=REDIS_DOWN)
def test_home_renders_from_the_database_when_redis_is_down(admin_client: Client) -> None:
    TicketFactory.create_batch(2)
    first = admin_client.get("/admin/")
    assert first.status_code == 200
    assert first.context["figures"].sold.value == 2
    TicketFactory.create()
    assert admin_client.get("/admin/").context["figures"].sold.value == 3


def test_customers_exclude_staff() -> None:
    UserFactory.create(is_staff=True)
    UserFactory.create()
    assert figures_compute().customers.value == 1
