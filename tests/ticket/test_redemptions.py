import importlib
import logging
import threading

import pytest
from django.apps import apps as global_apps
from django.db import connection, transaction
from django.db.models.functions import Now
from django.test.utils import CaptureQueriesContext

from tests.conftest import mysql_only, until_a_transaction_waits_for_a_lock
from tests.factories import TicketFactory
from ticket.models import Scan, Ticket
from ticket.redemptions import Redemption, ticket_redeem
from ticket.services import token_check
from ticket.tokens import token_hexes
from utils.cache import DATA_FAMILY, family_generation

pytestmark = pytest.mark.django_db(transaction=True)
CLAIM_FUNCTION = importlib.import_module("ticket.migrations.0007_ticket_claim_function")


@mysql_only
def test_a_redemption_racing_a_rotation_of_its_ticket_answers_revoked_not_a_deadlock() -> None:
    """A rotation locks a ticket's row, then replaces its token. A redemption of the old
    token that arrives in between must wait for the row, not hold the token's index entry
    that the rotation needs next (which deadlocked: a 500 at the gate)."""
    ticket = TicketFactory.create()
    row_locked, redemption_waits = threading.Event(), threading.Event()
    outcome: list[Redemption | BaseException] = []

    def rotation() -> None:
        try:
            with transaction.atomic():
                Ticket.objects.filter(pk=ticket.pk).update(updated_at=Now())
                row_locked.set()
                redemption_waits.wait(timeout=30)
                Ticket.objects.filter(pk=ticket.pk).update(token=token_hexes(1)[0])
        finally:
            connection.close()

    def gate() -> None:
        try:
            outcome.append(ticket_redeem(token=str(ticket.token), nonce="n", scanned_by="gate"))
        except BaseException as error:  # the deadlock's victim, reported below
            outcome.append(error)
        finally:
            connection.close()

    rotating = threading.Thread(target=rotation)
    rotating.start()
    assert row_locked.wait(timeout=30)
    scanning = threading.Thread(target=gate)
    scanning.start()
    until_a_transaction_waits_for_a_lock()
    redemption_waits.set()
    rotating.join()
    scanning.join()
    assert len(outcome) == 1
    assert isinstance(outcome[0], Redemption), outcome[0]
    assert outcome[0].result == "revoked"
    assert Ticket.objects.get(pk=ticket.pk).redeemed_at is None


def test_a_ticket_unsold_between_its_check_and_its_claim_does_not_let_anyone_in(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Staff take a ticket off its order after the scan's token check read it as sold: the
    claim itself must require an order."""
    ticket = TicketFactory.create()
    check = token_check(token=str(ticket.token))
    Ticket.objects.filter(pk=ticket.pk).update(order=None)
    monkeypatch.setattr("ticket.redemptions.token_check", lambda token: check)
    redemption = ticket_redeem(token=str(ticket.token), nonce="n", scanned_by="gate")
    assert redemption.result == "unsold"
    assert Ticket.objects.get(pk=ticket.pk).redeemed_at is None


def test_a_ticket_deleted_between_its_check_and_its_claim_is_unknown(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ticket = TicketFactory.create()
    check = token_check(token=str(ticket.token))
    Ticket.objects.filter(pk=ticket.pk).delete()
    monkeypatch.setattr("ticket.redemptions.token_check", lambda token: check)
    redemption = ticket_redeem(token=str(ticket.token), nonce="n", scanned_by="gate")
    assert redemption.result == "unknown"


@mysql_only
def test_on_mysql_a_sold_tickets_redemption_is_its_lookup_and_one_statement() -> None:
    """The claim, its scan and the cache generation's bump commit in the one statement of
    migration ticket 0007's function: the gates' hot path is two statements, where it was seven."""
    ticket = TicketFactory.create()
    generation = family_generation(family=DATA_FAMILY)
    with CaptureQueriesContext(connection) as queries:
        redemption = ticket_redeem(token=str(ticket.token), nonce="n", scanned_by="gate")
    assert redemption.result == "ok"
    assert [query["sql"].split()[0] for query in queries.captured_queries] == ["SELECT"] * 2
    assert "ticket_claim(" in queries.captured_queries[1]["sql"]
    assert list(Scan.objects.values_list("ticket_id", "result", "scanned_by", "nonce")) == [
        (ticket.pk, "ok", "gate", "n")
    ]
    assert Ticket.objects.get(pk=ticket.pk).redeemed_by == "gate"
    assert family_generation(family=DATA_FAMILY) == generation + 1


@mysql_only
def test_without_the_claims_function_redemptions_take_the_transaction_and_say_so_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A restore without `mysqldump --routines`, or code deployed before its migrate, leaves
    no ticket_claim: the gates must go on letting each ticket in once, not answer 500."""
    first, second = TicketFactory.create_batch(2)
    with connection.cursor() as cursor:
        cursor.execute(CLAIM_FUNCTION.DROP)
    try:
        with caplog.at_level(logging.WARNING, logger="ticket.redemptions"):
            answers = [
                ticket_redeem(token=str(ticket.token), nonce=nonce, scanned_by="gate").result
                for ticket, nonce in ((first, "a"), (second, "b"), (first, "c"))
            ]
    finally:
        with connection.schema_editor(atomic=False) as editor:
            CLAIM_FUNCTION.function_create(global_apps, editor)
    assert answers == ["ok", "ok", "already_redeemed"]
    assert sorted(Scan.objects.values_list("result", flat=True)) == [
        "already_redeemed",
        "ok",
        "ok",
    ]
    assert [record.message.split(" (")[0] for record in caplog.records] == [
        "ticket_claim cannot run"
    ]
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="ticket.redemptions"):
        third = TicketFactory.create()
        assert ticket_redeem(token=str(third.token), nonce="n", scanned_by="gate").result == "ok"
    assert [record.message.split(":")[0] for record in caplog.records] == [
        "ticket_claim works again"
    ]
