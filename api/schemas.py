from datetime import datetime
from typing import Literal

from ninja import Schema
from pydantic import Field


class TokenIn(Schema):
    # A token is 32 hex digits, perhaps with dashes: anything much longer is not one.
    token: str = Field(min_length=1, max_length=64)


class RedeemIn(TokenIn):
    # The scanner's own id for this scan: a retry with it gets the same answer.
    nonce: str = Field(min_length=1, max_length=64)


class TicketAnswer(Schema):
    barcode: str | None = None
    order_id: int | None = None
    customer_id: int | None = None
    redeemed_at: datetime | None = None
    redeemed_by: str | None = None
    revoked_at: datetime | None = None


class CheckOut(TicketAnswer):
    status: Literal["valid", "revoked", "unknown"]


class RedeemOut(TicketAnswer):
    status: Literal["ok", "already_redeemed", "revoked", "unknown", "unsold"]


class VoucherOut(Schema):
    customer_id: int
    order_id: int
    barcodes: list[str]


class Totals(Schema):
    customers: int
    orders: int
    tickets_sold: int
    tickets_unsold: int
    tickets_redeemed: int


class TopCustomerOut(Schema):
    customer_id: int
    tickets: int


class StatsOut(Schema):
    totals: Totals
    top_customers: list[TopCustomerOut]
    unused_barcodes: int


class WhoAmIOut(Schema):
    caller: str


class ErrorOut(Schema):
    error: str
    detail: str | list[str] = ""
