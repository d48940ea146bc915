import threading

import pytest
from django.db import connection, transaction

from tests.conftest import until_a_transaction_waits_for_a_lock
from tests.factories import TicketFactory
from ticket.models import RevokedToken, Ticket
from ticket.rotation import TokenCollision, tokens_rotate_chunk
from ticket.services import token_check
from ticket.tokens import token_hash, token_hexes, token_keys
from utils.jobs.claims import Claimed
from utils.models import Job


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

    chunk = Claimed(seq=0, lo=tickets[0].pk, hi=tickets[-1].pk + 1)
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
    chunk = Claimed(seq=0, lo=ticket.pk, hi=ticket.pk + 1)

    with pytest.raises(TokenCollision) as failure, transaction.atomic():
        tokens_rotate_chunk(chunk, job_id=job.pk, new_tokens=lambda count: [live] * count)

    assert live not in str(failure.value)
    assert str(other.token) not in str(failure.value)
    assert failure.value.__cause__ is None
    assert failure.value.__suppress_context__


@pytest.mark.django_db(transaction=True)
def test_two_writers_racing_on_the_same_tickets_each_record_the_token_they_replace() -> None:
    original = {ticket.pk: ticket.token.hex for ticket in TicketFactory.create_batch(50)}
    chunk = Claimed(seq=0, lo=min(original), hi=max(original) + 1)
    jobs = [Job.objects.create(kind=f"writer-{n}", chunk_size=50) for n in range(2)]
    written: list[list[str]] = [[], []]
    first_holds_its_rows = threading.Event()
    errors: list[BaseException] = []

    def first_tokens(count: int) -> list[str]:
        # The first writer has recorded the old tokens; keep its transaction open until the
        # second writer waits for the rows (if it could read them, it would not wait, and
        # record the same old tokens: the defect this test is for).
        first_holds_its_rows.set()
        until_a_transaction_waits_for_a_lock()
        written[0] = token_hexes(count)
        return written[0]

    def second_tokens(count: int) -> list[str]:
        written[1] = token_hexes(count)
        return written[1]

    def writer(job: Job, new_tokens) -> None:
        try:
            with transaction.atomic():
                tokens_rotate_chunk(chunk, job_id=job.pk, new_tokens=new_tokens)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    first = threading.Thread(target=writer, args=(jobs[0], first_tokens))
    second = threading.Thread(target=writer, args=(jobs[1], second_tokens))
    first.start()
    assert first_holds_its_rows.wait(10)
    second.start()
    first.join(30)
    second.join(30)

    assert errors == []
    recorded = list(RevokedToken.objects.values_list("job_id", "ticket_id", "token_hash"))
    ids = sorted(original)
    assert sorted((job, pk, digest) for job, pk, digest in recorded) == sorted(
        [(jobs[0].pk, pk, token_hash(original[pk])) for pk in ids]
        + [(jobs[1].pk, pk, token_hash(token)) for pk, token in zip(ids, written[0], strict=True)]
    )
    assert len({(pk, digest) for _, pk, digest in recorded}) == len(recorded) == 100
    for token in [*original.values(), *written[0]]:
        assert token_check(token=token).status == "revoked"
    current = dict(Ticket.objects.values_list("pk", "token"))
    assert [current[pk].hex for pk in ids] == written[1]


@pytest.mark.django_db
def test_a_rotation_keys_each_revoked_token_by_its_issue_time_and_hash() -> None:
    tickets = TicketFactory.create_batch(3)
    job = Job.objects.create(kind="test", chunk_size=10)
    chunk = Claimed(seq=0, lo=tickets[0].pk, hi=tickets[-1].pk + 1)
    with transaction.atomic():
        tokens_rotate_chunk(chunk, job_id=job.pk)

    keys = dict(RevokedToken.objects.values_list("ticket_id", "token_key"))
    assert keys == {ticket.pk: token_keys(ticket.token.hex)[0] for ticket in tickets}
    assert all(str(keys[ticket.pk]).startswith(ticket.token.hex[:12]) for ticket in tickets)
