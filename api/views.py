import time

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
    # A round trip: a cache that cannot be reached misses (utils/redis_guard.py).
    value = time.time_ns()
    cache.set("healthz", value, 10)
    return "ok" if cache.get("healthz") == value else "degraded"
