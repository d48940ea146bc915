"""Gate scanners: check a token, check a ticket in."""

from typing import Any

from django.http import HttpRequest
from ninja import Router

from api.auth import SCANNER, caller_name
from api.schemas import CheckOut, ErrorOut, RedeemIn, RedeemOut, TokenIn
from ticket.models import Ticket
from ticket.redemptions import ticket_redeem
from ticket.services import token_check

router = Router(tags=["scanners"])
# 411 and 413: a body without a length, or over API_MAX_BODY_BYTES (api/middleware.py).
ERRORS: dict[int, type[ErrorOut]] = {code: ErrorOut for code in (400, 401, 403, 411, 413)}


@router.post("/check", auth=SCANNER, response={200: CheckOut, **ERRORS}, exclude_none=True)
def tickets_check(request: HttpRequest, body: TokenIn) -> CheckOut:
    """Whether a presented token lets its ticket in; changes nothing."""
    check = token_check(token=body.token)
    if check.status == "revoked":
        return CheckOut(status="revoked", revoked_at=check.revoked_at)
    if check.ticket is None:
        return CheckOut(status="unknown")
    return CheckOut(status="valid", **_described(check.ticket))


@router.post("/redeem", auth=SCANNER, response={200: RedeemOut, **ERRORS}, exclude_none=True)
def tickets_redeem(request: HttpRequest, body: RedeemIn) -> RedeemOut:
    """Check a ticket in: `ok` once, `already_redeemed` afterwards (but to a retry of the
    same scan, by the same nonce), or why it may not enter. Every scan is recorded."""
    redemption = ticket_redeem(token=body.token, nonce=body.nonce, scanned_by=caller_name(request))
    if redemption.result == "revoked":
        return RedeemOut(status="revoked", revoked_at=redemption.revoked_at)
    if redemption.ticket is None:
        return RedeemOut(status="unknown")
    return RedeemOut(status=redemption.result, **_described(redemption.ticket))


def _described(ticket: Ticket) -> dict[str, Any]:
    answer: dict[str, Any] = {"barcode": ticket.barcode}
    if ticket.order_id is not None:
        # Tickets found by token carry their customer (ticket.selectors.ticket_by_token).
        answer |= {"order_id": ticket.order_id, "customer_id": ticket.customer_id}  # type: ignore[attr-defined]
    if ticket.redeemed_at is not None:
        answer |= {"redeemed_at": ticket.redeemed_at, "redeemed_by": ticket.redeemed_by}
    return answer
