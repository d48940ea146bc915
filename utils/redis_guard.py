"""A Redis cache that, down or hanging, costs a request at most one socket timeout.

django-redis alone either raises, or (IGNORE_EXCEPTIONS) turns each failure into a miss
after its socket timeout, every call, and logs each. Here the first failure opens a guard,
one per Redis server and process: for RETRY_SECONDS every cache call misses at once, without
touching Redis, and the outage is logged once. Then one call tries Redis again; its success closes
the guard (and says so), its failure opens it again. Misses are safe: answers are then
computed from the database (utils/cache.py).
"""

import logging
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

from django_redis.cache import RedisCache
from django_redis.exceptions import ConnectionInterrupted
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)
T = TypeVar("T")

RETRY_SECONDS = 5.0


class _Guard:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.closed_again_at = 0.0  # while now < this, Redis is not called
        self.outage = False

    def allows(self) -> bool:
        return time.monotonic() >= self.closed_again_at

    def failed(self, error: Exception) -> None:
        with self.lock:
            self.closed_again_at = time.monotonic() + RETRY_SECONDS
            if not self.outage:
                self.outage = True
                logger.warning(
                    "Redis unreachable (%s): answering from the database, retrying every %.0f s",
                    type(error).__name__,
                    RETRY_SECONDS,
                )

    def succeeded(self) -> None:
        if self.outage:
            with self.lock:
                if self.outage:
                    self.outage = False
                    logger.warning("Redis answers again: the cache is back in use")


_guards: dict[str, _Guard] = {}
_guards_lock = threading.Lock()


def _guard_for(server: str) -> _Guard:
    with _guards_lock:
        return _guards.setdefault(server, _Guard())


class GuardedRedisCache(RedisCache):  # type: ignore[misc]
    """django-redis's cache (without IGNORE_EXCEPTIONS), behind its server's guard."""

    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self.guard = _guard_for(str(server))

    def _guarded(self, call: Callable[[], T], missing: T) -> T:
        if not self.guard.allows():
            return missing
        try:
            result = call()
        except (ConnectionInterrupted, RedisError, OSError) as error:
            self.guard.failed(error)
            return missing
        self.guard.succeeded()
        return result

    def get(self, key: Any, default: Any = None, version: Any = None, client: Any = None) -> Any:
        return self._guarded(
            lambda: super(GuardedRedisCache, self).get(key, default, version, client), default
        )

    def get_many(self, *args: Any, **kwargs: Any) -> Any:
        return self._guarded(lambda: super(GuardedRedisCache, self).get_many(*args, **kwargs), {})

    def set(self, *args: Any, **kwargs: Any) -> Any:
        return self._guarded(lambda: super(GuardedRedisCache, self).set(*args, **kwargs), False)

    def add(self, *args: Any, **kwargs: Any) -> Any:
        return self._guarded(lambda: super(GuardedRedisCache, self).add(*args, **kwargs), False)

    def set_many(self, *args: Any, **kwargs: Any) -> Any:
        keys = list(args[0] if args else kwargs.get("data", {}))
        return self._guarded(lambda: super(GuardedRedisCache, self).set_many(*args, **kwargs), keys)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        return self._guarded(lambda: super(GuardedRedisCache, self).delete(*args, **kwargs), False)

    def touch(self, *args: Any, **kwargs: Any) -> Any:
        return self._guarded(lambda: super(GuardedRedisCache, self).touch(*args, **kwargs), False)
