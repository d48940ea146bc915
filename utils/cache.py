"""Cached answers that are never stale.

Rules:
- An entry's key holds the generation of its family, which the database keeps
  (CacheGeneration). A write that changes the family's answers bumps the generation in its
  own transaction: from the moment the write commits, readers look under a new key. A bump
  cannot be lost to an unreachable Redis, and nothing scans or deletes keys; old entries
  expire.
- Reading costs one short primary-key range (the generation's shards), then one Redis GET; a miss
  computes from the database and stores the answer.
- Redis down or hanging: see utils/redis_guard.py. The caller gets its answer from the
  database, after at most one socket timeout per outage.
"""

import random
from collections.abc import Callable
from typing import TypeVar

from django.core.cache import cache
from django.db import connection
from django.db.models import Sum

from utils.models import CacheGeneration
from utils.sql import table_name

T = TypeVar("T")

# Customers, orders, tickets, tokens and redemptions: what seeds, imports, rotations and
# gates change. Batch jobs bump it with every batch, gates with every redemption.
DATA_FAMILY = "data"
SHARDS = 16


def family_generation(*, family: str) -> int:
    """The family's current generation. Index: the primary key, one short range."""
    total = CacheGeneration.objects.filter(family=family).aggregate(total=Sum("generation"))
    return int(total["total"] or 0)


def family_cached(*, family: str, key: str, timeout: int, compute: Callable[[], T]) -> T:
    """The answer for `key` in the family's current generation: cached, or `compute()`d and
    stored for `timeout` seconds."""
    entry = f"{family}:{family_generation(family=family)}:{key}"
    value: T | None = cache.get(entry)
    if value is None:
        value = compute()
        cache.set(entry, value, timeout)
    return value


def family_bump(*, family: str) -> None:
    """Retire the family's cached answers: call it in the transaction of the write, last,
    as it holds a shard's row until the commit."""
    shard = family_shard()
    table = table_name(CacheGeneration)
    # Plain SQL: gates bump on every redemption, and compiling the ORM's UPDATE would cost
    # more than running it.
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET generation = generation + 1 WHERE family = %s AND shard = %s",
            [family, shard],
        )
        if cursor.rowcount:
            return
    _shard_create(family=family, shard=shard)


def family_shard() -> int:
    """The shard a writer bumps: any, so that concurrent writers seldom share one."""
    return random.randrange(SHARDS)


def _shard_create(*, family: str, shard: int) -> None:
    """The shard's first bump (the migration makes the data family's shards): one upsert,
    so that two first bumps both count."""
    table = table_name(CacheGeneration)
    conflict = (
        "ON DUPLICATE KEY UPDATE"
        if connection.vendor == "mysql"
        else "ON CONFLICT (family, shard) DO UPDATE SET"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (family, shard, generation) VALUES (%s, %s, 1)"
            f" {conflict} generation = {table}.generation + 1",
            [family, shard],
        )
