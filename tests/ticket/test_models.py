import pytest
from django.db import IntegrityError

from tests.factories import TicketFactory
from ticket.models import Ticket

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


def test_token_hint_shows_only_a_prefix() -> None:
    ticket = TicketFactory.create()
    assert ticket.token_hint == f"{str(ticket.token)[:4]}…"
