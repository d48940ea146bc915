from typing import Any

import pytest
from django.test import Client

from api.models import ApiKey
from api.services import api_key_create


def bearer(raw: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {raw}"}


@pytest.fixture
def scanner_key(db: None) -> str:
    return api_key_create(name="gate 1", role=ApiKey.Role.SCANNER)[1]


@pytest.fixture
def staff_key(db: None) -> str:
    return api_key_create(name="back office", role=ApiKey.Role.STAFF)[1]


def post_json(
    client: Client, path: str, body: object, headers: dict[str, str] | None = None
) -> Any:
    return client.post(path, body, content_type="application/json", headers=headers)
