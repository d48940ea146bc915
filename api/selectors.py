from api.models import ApiKey
from api.services import api_key_hash


def api_key_find(*, raw: str) -> ApiKey | None:
    """The live key for a presented one. Not cached: one probe of the unique hash index,
    so a revocation holds from the next request on whatever the cache does."""
    return ApiKey.objects.filter(key_hash=api_key_hash(raw), revoked_at__isnull=True).first()
