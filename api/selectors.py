from api.models import ApiKey
from api.services import api_key_hash
from utils.sql import CompiledQuery


def api_key_find(*, raw: str) -> ApiKey | None:
    """The live key for a presented one: one probe of the unique hash index, compiled once,
    every request's first step. Not cached: a cached answer would still have to read its
    generation from the database (utils/cache.py), and with the Redis GET that took 0.34 ms
    here, against 0.10 ms for the probe. Uncached, a revocation holds from the next request."""
    return _LIVE_KEY.first(api_key_hash(raw))


_LIVE_KEY = CompiledQuery(lambda: ApiKey.objects.filter(key_hash="", revoked_at__isnull=True))
