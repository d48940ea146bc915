import pytest
from django.core.management import call_command
from django.test import Client

from api.models import ApiKey
from api.services import api_key_hash
from tests.api.conftest import bearer, post_json

pytestmark = pytest.mark.django_db

CHECK = "/api/tickets/check"


def test_create_api_key_prints_the_key_once_and_keeps_only_its_hash(
    capsys: pytest.CaptureFixture[str],
) -> None:
    call_command("create_api_key", "gate 7", "--role", "scanner")
    out, err = capsys.readouterr()
    raw = out.strip()
    key = ApiKey.objects.get()
    assert (key.name, key.role) == ("gate 7", "scanner")
    assert key.key_hash == api_key_hash(raw)
    assert raw not in str(ApiKey.objects.values().get())
    assert key.prefix == raw[:8]
    assert "shown once" in err


def test_a_key_is_refused_from_the_request_after_its_revocation(
    admin_client: Client, client: Client, scanner_key: str
) -> None:
    assert post_json(client, CHECK, {"token": "x"}, headers=bearer(scanner_key)).status_code == 200
    key = ApiKey.objects.get()
    admin_client.post(
        "/admin/api/apikey/", {"action": "revoke", "_selected_action": [key.pk], "index": "0"}
    )
    assert ApiKey.objects.get().revoked_at is not None
    refused = post_json(client, CHECK, {"token": "x"}, headers=bearer(scanner_key))
    assert refused.status_code == 401


def test_the_admin_lists_keys_by_prefix_never_by_hash(
    admin_client: Client, scanner_key: str
) -> None:
    key = ApiKey.objects.get()
    page = admin_client.get("/admin/api/apikey/").content.decode()
    assert key.prefix in page
    assert key.key_hash not in page
    assert scanner_key not in page


@pytest.mark.parametrize("credentials", [{}, bearer("tk_wrong"), {"Authorization": "Basic x"}])
def test_no_or_a_bad_key_is_a_401(client: Client, credentials: dict[str, str]) -> None:
    response = post_json(client, CHECK, {"token": "x"}, headers=credentials)
    assert response.status_code == 401
    assert response.json()["error"] == "unauthenticated"


def test_whoami_names_the_key(client: Client, scanner_key: str) -> None:
    answer = client.get("/api/whoami", headers=bearer(scanner_key)).json()
    assert answer == {"caller": f"key gate 1 ({scanner_key[:8]}…)"}
