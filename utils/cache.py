"""Cached reads, in families retired together by bumping a version.

Rules:
- An entry's key names its family's current version. Bumping the version (one SET) retires
  every entry of the family at once; nothing scans or deletes keys.
- Every entry expires after its own timeout. A bump that fails (Redis unreachable at that
  moment) therefore leaves an entry at most that old, so only answers that may be that old
  belong here.
- Redis down or hanging: each cache call costs at most the socket timeout and misses
  (settings: IGNORE_EXCEPTIONS), and the caller computes from the database.
"""

import time
from collections.abc import Callable
from typing import TypeVar

from django.core.cache import cache

T = TypeVar("T")

# Bumped when batch jobs (seeds, imports, rotations) end: totals and charts change then.
DATA_FAMILY = "data"


def family_cached(*, family: str, key: str, timeout: int, compute: Callable[[], T]) -> T:
    """The cached value of `key` in the family's current version, else `compute()`d and
    stored for `timeout` seconds."""
    version = cache.get_or_set(_version_key(family), time.time_ns, timeout=None)
    entry = f"{family}:{version}:{key}"
    value: T | None = cache.get(entry)
    if value is None:
        value = compute()
        cache.set(entry, value, timeout)
    return value


def family_bump(*, family: str) -> None:
    """Retire every entry of the family."""
    cache.set(_version_key(family), time.time_ns(), timeout=None)


def _version_key(family: str) -> str:
    return f"{family}:version"
