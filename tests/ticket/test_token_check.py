import uuid

import pytest
from django.core.management import call_command

from tests.factories import TicketFactory
from ticket.services import token_check

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
