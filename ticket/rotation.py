"""Token rotation: new tokens for a range or a selection of tickets, the old ones revoked.

Rotation rules (the job engine adds its own, see utils/jobs):
- Whoever replaces a token records exactly the token it replaces (two jobs, a worker of an
  abandoned job, an admin action: anyone). So the rows are locked before their tokens are
  read: a concurrent writer either committed first, and its token is the one recorded, or
  waits for us. The lock is taken by an UPDATE of the id range: under READ COMMITTED its
  semi-consistent read locks only rows in the range, where SELECT ... FOR UPDATE would also
  lock, and wait on, the first row past it (the next chunk's first ticket).
- Transaction boundary: a chunk of tickets (a primary-key range) is rotated in the chunk's
  transaction: the rows locked, the old tokens' hashes and keys recorded, the new tokens
  written, and the chunk marked done, all in one commit.
- Idempotency: only the worker holding a chunk's lease changes its tokens, and a job may
  record a ticket's old token only once (primary key (job, ticket)), so a chunk is rotated
  once or not at all.
- Resume: an interrupted chunk rolls back entirely and is rotated afresh by whoever claims it.
- Size: statements carry only ids that exist, STATEMENT_ROWS at a time, whatever the gaps
  between ids or the batch size.
"""

import json
from collections.abc import Callable, Sequence

from django.db import IntegrityError, connection, transaction
from django.db.models import CharField, QuerySet, Value
from django.db.models.functions import SHA256, Cast, Now, Replace

from ticket.models import RevokedToken, Ticket
from ticket.tokens import token_hexes, token_key_sql
from utils.jobs.claims import Claimed
from utils.sql import table_name

STATEMENT_ROWS = 1000
# A new token that equals an existing one (odds 2^-74 a pair within a millisecond) fails the
# unique index: the token write is retried with fresh tokens, never fatal.
COLLISION_ATTEMPTS = 3

TokenSource = Callable[[int], list[str]]


class TokenCollision(Exception):
    """New tokens kept colliding. Raised instead of the database's error, whose message
    quotes the duplicate value: an existing ticket's live token."""


def tokens_rotate_chunk(
    chunk: Claimed, *, job_id: int, new_tokens: TokenSource = token_hexes
) -> int:
    """Give every ticket with lo <= id < hi a new token; return how many were rotated.

    Runs inside the chunk's transaction (the engine's). Index: the primary key range.
    """
    tickets = Ticket.objects.filter(pk__gte=chunk.lo, pk__lt=chunk.hi)
    return tokens_rotate(
        tickets=tickets, job_id=job_id, label=f"chunk {chunk.seq}", new_tokens=new_tokens
    )


def tokens_rotate_selected_chunk(chunk: Claimed, *, job_id: int, ticket_ids: Sequence[int]) -> int:
    """Rotate the selected tickets at positions lo <= i < hi of the job's sorted id list.
    Index: the primary key, one probe per id."""
    tickets = Ticket.objects.filter(pk__in=ticket_ids[chunk.lo : chunk.hi])
    return tokens_rotate(tickets=tickets, job_id=job_id, label=f"chunk {chunk.seq}")


def tokens_rotate(
    *, tickets: QuerySet[Ticket], job_id: int, label: str, new_tokens: TokenSource = token_hexes
) -> int:
    """Lock the tickets, record their tokens as revoked by the job, give them new ones."""
    locked = tickets.update(updated_at=Now())
    revoked = _revoke_old_tokens(tickets=tickets, job_id=job_id)
    ids = list(tickets.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), STATEMENT_ROWS):
        _write_new_tokens(ids=ids[start : start + STATEMENT_ROWS], new_tokens=new_tokens)
    if not locked == revoked == len(ids):
        raise RuntimeError(f"{label}: {locked} locked, {revoked} revoked, {len(ids)} rotated")
    return revoked


def _revoke_old_tokens(*, tickets: QuerySet[Ticket], job_id: int) -> int:
    """INSERT ... SELECT the hashes and keys of the (locked) tickets' current tokens."""
    # The hex digits whatever the column type: MariaDB's uuid casts with dashes.
    hex_digits = Replace(Cast("token", CharField(max_length=36)), Value("-"), Value(""))
    source = tickets.values_list("pk", Value(job_id), SHA256(hex_digits), token_key_sql(hex_digits))
    select_sql, params = source.query.sql_with_params()
    quote = connection.ops.quote_name
    names = ("ticket_id", "job_id", "token_hash", "token_key")
    columns = ", ".join(quote(name) for name in names)
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {table_name(RevokedToken)} ({columns}) {select_sql}", params)
        return int(cursor.rowcount)


def _write_new_tokens(*, ids: Sequence[int], new_tokens: TokenSource) -> None:
    for attempt in range(1, COLLISION_ATTEMPTS + 1):
        try:
            with transaction.atomic():  # a savepoint: a collision undoes only this write
                _write_tokens(pairs=list(zip(ids, new_tokens(len(ids)), strict=True)))
            return
        except IntegrityError:
            if attempt == COLLISION_ATTEMPTS:
                raise TokenCollision(f"new tokens collided {attempt} times in a row") from None


def _write_tokens(*, pairs: list[tuple[int, str]]) -> None:
    """Set each id's new token with one statement."""
    table = table_name(Ticket)
    with connection.cursor() as cursor:
        if connection.vendor == "mysql":
            # A derived table of (id, token) pairs from one JSON parameter: escaping a
            # parameter per value costs mysqlclient more than the server's whole update.
            cursor.execute(
                f"UPDATE {table} AS t JOIN JSON_TABLE(%s, '$[*]' COLUMNS ("
                "id BIGINT PATH '$[0]', token CHAR(32) PATH '$[1]')) AS j ON t.id = j.id"
                " SET t.token = j.token",
                [json.dumps(pairs)],
            )
        else:
            # SQLite: a prepared statement run in a loop inside the library is its fast path.
            cursor.executemany(
                f"UPDATE {table} SET token = %s WHERE id = %s",
                [(token, pk) for pk, token in pairs],
            )
