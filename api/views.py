import uuid

from django.core.cache import cache
from django.db import DatabaseError, connection
from django.http import HttpRequest, JsonResponse


def healthz(request: HttpRequest) -> JsonResponse:
    """200 while the database answers, with Redis `ok` or `degraded`; 503 when it does not.
    No authentication: it tells nothing but that."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        return JsonResponse({"database": "down"}, status=503)
    return JsonResponse({"database": "ok", "redis": _cache_state()})


def _cache_state() -> str:
    # A round trip: a cache that cannot be reached misses (utils/redis_guard.py). A key of
    # its own, which no other check (another thread, worker or host) overwrites meanwhile.
    key = f"healthz:{uuid.uuid4().hex}"
    cache.set(key, 1, 10)
    return "ok" if cache.get(key) == 1 else "degraded"
