import pytest
from django.db import IntegrityError

from tests.factories import TicketFactory
from ticket.models import Ticket
from ticket.tokens import token_hexes

pytestmark = pytest.mark.django_db


def test_database_rejects_a_duplicate_barcode() -> None:
    TicketFactory.create(barcode="SAME")
    with pytest.raises(IntegrityError):
        TicketFactory.create(barcode="SAME")


def test_database_rejects_a_duplicate_token() -> None:
    first = TicketFactory.create()
    with pytest.raises(IntegrityError):
        TicketFactory.create(token=first.token)


def test_ticket_without_an_order_is_unsold() -> None:
    TicketFactory.create(order=None)
    TicketFactory.create()
    assert Ticket.objects.filter(order__isnull=True).count() == 1


def test_token_hint_shows_only_the_last_digits_which_differ_within_a_batch() -> None:
    token, other = token_hexes(2)  # one millisecond: the same first 12 digits
    ticket = TicketFactory.create(token=token)
    assert ticket.token_hint == f"…{token[-4:]}"
    assert TicketFactory.create(token=other).token_hint != ticket.token_hint
