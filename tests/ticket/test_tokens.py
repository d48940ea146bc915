import hashlib
import uuid

import pytest
from django.db import transaction

from tests.factories import TicketFactory
from ticket.models import RevokedToken, Ticket
from ticket.tokens import TokenCollision, token_hash, token_hexes, tokens_rotate_chunk
from utils.jobs.claims import Claimed
from utils.models import Job


def test_tokens_are_distinct_version_4_uuids() -> None:
    tokens = token_hexes(5000)
    assert len(set(tokens)) == 5000
    parsed = [uuid.UUID(token) for token in tokens]
    assert {token.version for token in parsed} == {4}
    assert {token.variant for token in parsed} == {uuid.RFC_4122}
    assert all(token.hex == text for token, text in zip(parsed, tokens, strict=True))


def test_token_hash_is_sha256_of_the_hex_digits() -> None:
    token = uuid.UUID("3a7655b0-2676-4636-b6b7-4626d68b9bf5")
    expected = hashlib.sha256(b"3a7655b026764636b6b74626d68b9bf5").hexdigest()
    assert token_hash(token.hex) == expected
    assert token_hash(token.hex.upper()) == expected


@pytest.mark.django_db
def test_a_colliding_new_token_is_retried_not_fatal() -> None:
    tickets = TicketFactory.create_batch(3)
    old = {ticket.pk: ticket.token.hex for ticket in tickets}
    job = Job.objects.create(kind="test", chunk_size=10)
    calls = []

    def colliding(count: int) -> list[str]:
        calls.append(count)
        fresh = token_hexes(count)
        # The first attempt reuses the second ticket's current token for the first ticket.
        return [old[tickets[1].pk], *fresh[1:]] if len(calls) == 1 else fresh

    chunk = Claimed(pk=0, seq=0, lo=tickets[0].pk, hi=tickets[-1].pk + 1)
    with transaction.atomic():
        rotated = tokens_rotate_chunk(chunk, job_id=job.pk, new_tokens=colliding)

    assert rotated == 3
    assert len(calls) == 2
    new = dict(Ticket.objects.values_list("pk", "token"))
    assert all(new[pk].hex != old[pk] for pk in old)
    hashes = set(RevokedToken.objects.filter(job=job).values_list("token_hash", flat=True))
    assert hashes == {token_hash(token) for token in old.values()}


@pytest.mark.django_db
def test_endless_collisions_fail_without_quoting_the_token() -> None:
    ticket, other = TicketFactory.create_batch(2)
    job = Job.objects.create(kind="test", chunk_size=10)
    live = other.token.hex
    chunk = Claimed(pk=0, seq=0, lo=ticket.pk, hi=ticket.pk + 1)

    with pytest.raises(TokenCollision) as failure, transaction.atomic():
        tokens_rotate_chunk(chunk, job_id=job.pk, new_tokens=lambda count: [live] * count)

    assert live not in str(failure.value)
    assert str(other.token) not in str(failure.value)
    assert failure.value.__cause__ is None
    assert failure.value.__suppress_context__
