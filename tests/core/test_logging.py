import logging

import pytest

from core.logging import SecretsRedacted

TOKEN = "0b9d1c2e-5f6a-4b7c-8d9e-0f1a2b3c4d5e"
KEY = "tk_IdTEr0qiK4YDn4pCJlp5t2nkGkvxYPKVDy8rIIsx1R0"


def logged(message: str, *args: object) -> str:
    """The line that the project's log handler writes for a record of django.request."""
    [handler] = [
        handler
        for handler in logging.getLogger().handlers
        if any(isinstance(each, SecretsRedacted) for each in handler.filters)
    ]
    record = logging.LogRecord("django.request", logging.WARNING, __file__, 1, message, args, None)
    assert handler.filter(record)
    return handler.format(record)


@pytest.mark.parametrize("secret", [TOKEN, TOKEN.replace("-", "").upper(), KEY])
def test_a_token_or_a_key_in_a_logged_path_is_redacted(secret: str) -> None:
    line = logged("Not Found: %s", f"/api/tickets/{secret}")
    assert line == "Not Found: /api/tickets/[redacted]"


def test_a_keys_shown_prefix_is_kept() -> None:
    assert logged("redeemed by key gate 1 (%s…)", KEY[:8]) == f"redeemed by key gate 1 ({KEY[:8]}…)"
