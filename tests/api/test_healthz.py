import json

import pytest
from django.core.cache import cache
from django.test import Client, override_settings

from api.views import _cache_state
from tests.conftest import ROOT
from tests.core.conftest import python_in
from tests.dashboard.test_dashboard import REDIS_DOWN

pytestmark = pytest.mark.django_db

ASK = """
from django.test import Client
response = Client(HTTP_HOST="127.0.0.1").get("/healthz")
print(response.status_code, response.content.decode())
"""


def test_healthz_answers_without_credentials(client: Client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"database": "ok", "redis": "ok"}


@override_settings(CACHES=REDIS_DOWN)
def test_healthz_reports_redis_degraded_when_it_is_down(client: Client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["redis"] == "degraded"


def test_healthz_is_503_when_the_database_does_not_answer(tmp_path) -> None:
    unreachable = f"sqlite:///{tmp_path}/no/such/dir/db.sqlite3"
    result = python_in(
        ROOT,
        "-c",
        "import django; django.setup()\n" + ASK,
        DATABASE_URL=unreachable,
        DJANGO_SETTINGS_MODULE="core.settings",
    )
    status, body = result.stdout.strip().split(" ", 1)
    assert status == "503", result.stderr
    assert json.loads(body) == {"database": "down"}


def test_overlapping_health_checks_both_see_redis_ok(monkeypatch: pytest.MonkeyPatch) -> None:
    """Another check (thread, worker or host) writes between this one's write and read."""
    real_set = cache.set
    overlapped: list[str] = []

    def set_then_another_check(key: str, value: object, timeout: int) -> None:
        real_set(key, value, timeout)
        if not overlapped:
            overlapped.append("started")
            overlapped[0] = _cache_state()

    monkeypatch.setattr(cache, "set", set_then_another_check)
    assert _cache_state() == "ok"
    assert overlapped == ["ok"]


@override_settings(ALLOWED_HOSTS=["tickets.example.com"], SECURE_SSL_REDIRECT=True)
def test_healthz_answers_a_probe_by_address_over_plain_http(client: Client) -> None:
    """A load balancer probes the instance by its address, not the site's name, and before
    TLS: neither the host check nor the HTTPS redirect stands in its way."""
    response = client.get("/healthz", headers={"host": "10.0.0.7:8000"})
    assert response.status_code == 200
    assert response.json()["database"] == "ok"
    assert client.head("/healthz", headers={"host": "10.0.0.7"}).status_code == 200
    assert client.get("/admin/", headers={"host": "10.0.0.7"}).status_code == 400
