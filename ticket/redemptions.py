"""Checking a ticket in at a gate, exactly once.

Rules:
- Exactly once: the ticket is claimed by one conditional UPDATE (sold, not yet redeemed, and
  still holding the presented token); of scanners racing on it, the one whose UPDATE changes
  the row is the one that lets it in. The others then read who did.
- Idempotency: the scan that redeemed a ticket left its nonce and scanner on it; the same
  scanner retrying with the same nonce (it lost the answer) gets `ok` again.
- Transaction boundary: the claim, the scan record and the cache generation bump commit
  together, so the next read of any answer sees the redemption. On MySQL a sold ticket's
  claim is first tried as one statement that does all three (the stored function of
  migration ticket 0007): one round trip where a transaction takes six. When it claims
  nothing, it wrote nothing, and a transaction records why.
- A rotation that commits between the check and the claim wins: the claim no longer matches
  the token, and the scan answers `revoked`.
"""

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from django.db import OperationalError, connection, transaction
from django.db.models import F
from django.utils import timezone

from ticket.models import Scan, Ticket
from ticket.services import TokenCheck, token_check
from utils.cache import DATA_FAMILY, family_bump, family_shard
from utils.sql import rows_insert, table_name

# A set-based INSERT: a model's save() costs more than the statement (scanned_at is the
# database's default).
SCAN_FIELDS = ("ticket", "result", "scanned_by", "nonce")
Result = Literal["ok", "already_redeemed", "revoked", "unknown", "unsold"]
# MySQL's errors for a function it cannot run: it does not exist (a restore without
# `mysqldump --routines`, code deployed before its migrate), the user may not EXECUTE it, its
# definer is gone. Redemptions then take the transaction, and the operator is told once.
CLAIM_UNAVAILABLE = {1305, 1370, 1449}
logger = logging.getLogger(__name__)
_claim_unavailable = False


@dataclass(frozen=True)
class Redemption:
    result: Result
    ticket: Ticket | None = None
    revoked_at: datetime | None = None


def ticket_redeem(*, token: str, nonce: str, scanned_by: str) -> Redemption:
    """Let the ticket of `token` in, once; record the scan whatever its answer."""
    check = token_check(token=token)
    now = timezone.now()
    if _claimed_at_once(check=check, now=now, scanned_by=scanned_by, nonce=nonce):
        return Redemption(result="ok", ticket=_admitted(check, now, scanned_by, nonce))
    with transaction.atomic():
        redemption = _claim(check=check, now=now, scanned_by=scanned_by, nonce=nonce)
        ticket = redemption.ticket or check.ticket
        rows_insert(
            model=Scan,
            fields=SCAN_FIELDS,
            rows=[(ticket.pk if ticket else None, redemption.result, scanned_by, nonce)],
        )
        if redemption.result == "ok":
            family_bump(family=DATA_FAMILY)
    return redemption


def _claim(*, check: TokenCheck, now: datetime, scanned_by: str, nonce: str) -> Redemption:
    if check.status == "revoked":
        retried = _retried(check.ticket, nonce=nonce, scanned_by=scanned_by)
        if retried is not None:  # the scan got in before the rotation; its answer was lost
            return Redemption(result="ok", ticket=retried)
        return Redemption(result="revoked", ticket=check.ticket, revoked_at=check.revoked_at)
    if check.ticket is None:
        return Redemption(result="unknown")
    ticket = check.ticket
    if ticket.order_id is None:
        return Redemption(result="unsold", ticket=ticket)
    if _claimed(ticket=ticket, now=now, scanned_by=scanned_by, nonce=nonce):
        return Redemption(result="ok", ticket=_admitted(check, now, scanned_by, nonce))
    current = _current(ticket.pk)
    if current is None:  # deleted since the check
        return Redemption(result="unknown")
    if current.token != ticket.token:
        return Redemption(result="revoked", ticket=current, revoked_at=current.updated_at)
    if current.order_id is None:  # unsold by staff since the check
        return Redemption(result="unsold", ticket=current)
    if (current.redeem_nonce, current.redeemed_by) == (nonce, scanned_by):
        return Redemption(result="ok", ticket=current)
    return Redemption(result="already_redeemed", ticket=current)


def _admitted(check: TokenCheck, now: datetime, scanned_by: str, nonce: str) -> Ticket:
    """The checked ticket as this scan's claim left it."""
    ticket = check.ticket
    assert ticket is not None
    ticket.redeemed_at, ticket.redeemed_by, ticket.redeem_nonce = now, scanned_by, nonce
    return ticket


def _current(pk: int) -> Ticket | None:
    return Ticket.objects.annotate(customer_id=F("order__customer_id")).filter(pk=pk).first()


def _retried(ticket: Ticket | None, *, nonce: str, scanned_by: str) -> Ticket | None:
    """The ticket, when this very scan (nonce and scanner) redeemed it."""
    if ticket is None or (ticket.redeem_nonce, ticket.redeemed_by) != (nonce, scanned_by):
        return None
    return _current(ticket.pk)


def _claimed(*, ticket: Ticket, now: datetime, scanned_by: str, nonce: str) -> bool:
    """The conditional UPDATE; True when this scan changed the row. Plain SQL: the gates'
    hot path, where compiling the ORM's UPDATE costs more than running it.

    Index: the primary key, forced. Through the unique token index the UPDATE would lock the
    token's index entry before the row, the reverse of a rotation (row, then token): the two
    deadlocked. Locking the row first, it waits for the rotation, then finds the token gone.
    """
    table = table_name(Ticket)
    primary = " FORCE INDEX (PRIMARY)" if connection.vendor == "mysql" else ""
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table}{primary} SET redeemed_at = %s, redeemed_by = %s, redeem_nonce = %s"
            " WHERE id = %s AND token = %s AND order_id IS NOT NULL AND redeemed_at IS NULL",
            [*_prepared(now, scanned_by, nonce), ticket.pk, _prepared_token(ticket)],
        )
        return bool(cursor.rowcount == 1)


def _claimed_at_once(*, check: TokenCheck, now: datetime, scanned_by: str, nonce: str) -> bool:
    """On MySQL, for a sold ticket: the claim, its `ok` scan and the generation bump in one
    statement (migration ticket 0007's function, which says why the claim forces the primary
    key). True when it claimed the ticket; otherwise it wrote nothing."""
    ticket = check.ticket
    mysql = connection.vendor == "mysql"
    if not mysql or check.status != "valid" or ticket is None or ticket.order_id is None:
        return False
    claim = [ticket.pk, _prepared_token(ticket), *_prepared(now, scanned_by, nonce)]
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT ticket_claim(%s, %s, %s, %s, %s, %s, %s)",
                [*claim, DATA_FAMILY, family_shard()],
            )
            claimed = bool(cursor.fetchone()[0] == 1)
    except OperationalError as error:
        if error.args[0] not in CLAIM_UNAVAILABLE:
            raise
        _claim_unavailable_report(error)
        return False
    _claim_unavailable_report(None)
    return claimed


def _claim_unavailable_report(error: OperationalError | None) -> None:
    """Log when the claim's function stops or starts working again, once each way."""
    global _claim_unavailable
    if (error is not None) == _claim_unavailable:
        return
    _claim_unavailable = error is not None
    if error is None:
        logger.warning("ticket_claim works again: redemptions are one statement again")
        return
    logger.error(
        "ticket_claim cannot run (MySQL error %s): redemptions take a transaction meanwhile."
        " Recreate it with `manage.py migrate ticket 0006 && manage.py migrate`, and let the"
        " application's user EXECUTE it",
        error.args[0],
    )


def _prepared(now: datetime, scanned_by: str, nonce: str) -> list[Any]:
    when = Ticket._meta.get_field("redeemed_at").get_db_prep_value(now, connection)
    return [when, scanned_by, nonce]


def _prepared_token(ticket: Ticket) -> Any:
    return Ticket._meta.get_field("token").get_db_prep_value(ticket.token, connection)
