import hashlib
import secrets

from django.db.models.functions import Now

from api.models import ApiKey

KEY_PREFIX = "tk_"
SHOWN_CHARACTERS = 8


def api_key_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def api_key_create(*, name: str, role: str) -> tuple[ApiKey, str]:
    """A new key, and the key itself: shown to its owner once, never stored."""
    raw = KEY_PREFIX + secrets.token_urlsafe(32)
    key = ApiKey.objects.create(
        name=name, role=role, key_hash=api_key_hash(raw), prefix=raw[:SHOWN_CHARACTERS]
    )
    return key, raw


def api_keys_revoke(*, ids: list[int]) -> int:
    """Revoke keys; refused from their next request on. Returns how many were live."""
    return ApiKey.objects.filter(pk__in=ids, revoked_at__isnull=True).update(revoked_at=Now())
