import importlib
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.recorder import MigrationRecorder

from tests.factories import TicketFactory
from tests.ticket.migrations.steps import killed_during, migrate_to_the_end
from ticket.models import Ticket
from ticket.services import ticket_tokens_regenerate_selected, token_check
from ticket.tokens import token_hash, token_keys

AFTER = ("ticket", "0006_revoked_token_key_index")
backfill = importlib.import_module("ticket.migrations.0006_revoked_token_key_index")

pytestmark = pytest.mark.django_db(transaction=True)


def revocations(apps: Any, tokens: list[str]) -> list[Any]:
    """Revocations of `tokens` as code older than the key recorded them."""
    job = apps.get_model("utils", "Job").objects.create(kind="regenerate_tokens", chunk_size=1)
    revoked = apps.get_model("ticket", "RevokedToken")
    rows = []
    for n, token in enumerate(tokens):
        ticket = apps.get_model("ticket", "Ticket").objects.create(
            barcode=f"B{n}", token=uuid.uuid4()
        )
        rows.append(revoked.objects.create(job=job, ticket=ticket, token_hash=token_hash(token)))
    return rows


def token_indexes() -> list[list[str]]:
    """The columns of each index on the revoked tokens' hash or key."""
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, "ticket_revokedtoken")
    columns = [c["columns"] for c in constraints.values() if c["index"]]
    return [c for c in columns if {"token_hash", "token_key"} & set(c)]


def test_the_backfill_keys_every_earlier_revocation_in_batches_and_they_stay_revoked(
    before_the_key: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(backfill, "BATCH", 2)
    tokens = [uuid.uuid4().hex for _ in range(5)]
    rows = revocations(before_the_key, tokens)

    migrate_to_the_end()

    for row, token in zip(rows, tokens, strict=True):
        row.refresh_from_db()
        assert row.token_key == token_keys(token)[1]
        assert token_check(token=token).status == "revoked"
    assert token_indexes() == [["token_key"]]


def test_a_rerun_after_a_killed_migrate_keys_only_what_is_left_and_builds_no_second_index(
    before_the_key: Any,
) -> None:
    tokens = [uuid.uuid4().hex for _ in range(3)]
    done, *left = revocations(before_the_key, tokens)
    type(done).objects.filter(pk=done.pk).update(token_key="written-by-the-kill")
    migrate_to_the_end()
    type(done).objects.filter(pk=left[0].pk).update(token_key=None)
    # Killed after its index statements committed, before it recorded itself as applied.
    killed_during(AFTER)

    migrate_to_the_end()

    keys = dict(type(done).objects.values_list("ticket_id", "token_key"))
    assert keys[done.ticket_id] == "written-by-the-kill"
    assert [keys[row.ticket_id] for row in left] == [token_keys(t)[1] for t in tokens[1:]]
    assert token_indexes() == [["token_key"]]


def test_going_back_and_forward_again_keeps_every_revocation_revoked(
    revoked_by_a_rotation: tuple[Ticket, str],
) -> None:
    ticket, old = revoked_by_a_rotation
    MigrationExecutor(connection).migrate([("ticket", "0004_redemptions")])
    assert token_indexes() == [["token_hash"]]

    migrate_to_the_end()

    found = token_check(token=old)
    assert (found.status, found.ticket) == ("revoked", ticket)
    assert token_check(token=str(Ticket.objects.get().token)).status == "valid"


@pytest.fixture
def revoked_by_a_rotation() -> Iterator[tuple[Ticket, str]]:
    """A ticket and the token that a rotation replaced; the whole schema again afterwards."""
    ticket = TicketFactory.create()
    old = ticket.token.hex
    ticket_tokens_regenerate_selected(ticket_ids=[ticket.pk])
    try:
        yield ticket, old
    finally:
        migrate_to_the_end()
