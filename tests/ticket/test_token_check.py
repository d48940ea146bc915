import uuid

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.conftest import mysql_only
from tests.factories import TicketFactory
from ticket.models import RevokedToken
from ticket.services import token_check
from ticket.tokens import token_hash, token_hexes, token_keys
from utils.models import Job

pytestmark = pytest.mark.django_db(transaction=True)


def test_old_token_is_revoked_new_token_valid_random_unknown() -> None:
    ticket = TicketFactory.create()
    old = str(ticket.token)
    assert token_check(token=old).status == "valid"

    call_command("regenerate_tokens")
    ticket.refresh_from_db()

    revoked = token_check(token=old)
    assert revoked.status == "revoked"
    assert revoked.ticket == ticket
    assert revoked.revoked_at is not None
    valid = token_check(token=str(ticket.token))
    assert (valid.status, valid.ticket) == ("valid", ticket)
    assert token_check(token=str(uuid.uuid4())).status == "unknown"


@pytest.mark.parametrize("presented", ["", "not-a-token", "1234", "g" * 32])
def test_malformed_tokens_are_unknown(presented: str) -> None:
    assert token_check(token=presented).status == "unknown"


def test_token_is_recognised_in_either_spelling() -> None:
    ticket = TicketFactory.create()
    assert token_check(token=ticket.token.hex.upper()).status == "valid"


def revocation(*, token: str, key: str) -> RevokedToken:
    """A revoked token as a rotation or the key migration recorded it."""
    ticket = TicketFactory.create()
    job = Job.objects.create(kind="test", chunk_size=1)
    return RevokedToken.objects.create(
        job=job, ticket=ticket, token_hash=token_hash(token), token_key=key
    )


def test_a_version_4_token_revoked_before_the_key_existed_is_revoked() -> None:
    token = uuid.uuid4().hex
    backfilled = revocation(token=token, key=token_keys(token)[1])

    found = token_check(token=token)

    assert (found.status, found.ticket) == ("revoked", backfilled.ticket)


@mysql_only
def test_a_revocation_inserted_by_code_older_than_the_key_is_keyed_and_revoked() -> None:
    token = token_hexes(1)[0]
    ticket = TicketFactory.create()
    job = Job.objects.create(kind="regenerate_tokens", chunk_size=1)
    with connection.cursor() as cursor:  # the INSERT of the code before the key
        cursor.execute(
            "INSERT INTO ticket_revokedtoken (job_id, ticket_id, token_hash) VALUES (%s, %s, %s)",
            [job.pk, ticket.pk, token_hash(token)],
        )

    assert RevokedToken.objects.get(job=job).token_key == token_keys(token)[1]
    found = token_check(token=token)
    assert (found.status, found.ticket) == ("revoked", ticket)


def test_tokens_that_share_a_key_are_told_apart_by_their_hash() -> None:
    token, other = token_hexes(2)
    shared = token_keys(token)[0]
    revocation(token=other, key=shared)

    assert token_check(token=token).status == "unknown"
    mine = revocation(token=token, key=shared)
    assert token_check(token=token).ticket == mine.ticket


@pytest.mark.parametrize("stamp", ["000000000000", "ffffffffffff"])
def test_a_token_from_the_distant_past_or_future_is_unknown(stamp: str) -> None:
    token = token_hexes(1)[0]
    revocation(token=token, key=token_keys(token)[0])
    assert token_check(token=stamp + token_hexes(1)[0][12:]).status == "unknown"


def test_a_revoked_token_is_found_through_the_key_index() -> None:
    token = token_hexes(1)[0]
    revocation(token=token, key=token_keys(token)[0])

    with CaptureQueriesContext(connection) as queries:
        assert token_check(token=token).status == "revoked"

    lookup = next(q["sql"] for q in queries if "ticket_revokedtoken" in q["sql"])
    assert "revoked_token_key" in query_plan(lookup)


def query_plan(sql: str) -> str:
    explain = "EXPLAIN" if connection.vendor == "mysql" else "EXPLAIN QUERY PLAN"
    with connection.cursor() as cursor:
        cursor.execute(f"{explain} {sql}")
        return str(cursor.fetchall())
