"""Staff: an order's voucher and the headline figures, cached under the data family's
generation (utils/cache.py): never stale, whatever Redis did."""

from django.http import HttpRequest
from ninja import Router
from ninja.errors import HttpError

from api.auth import STAFF
from api.schemas import ErrorOut, StatsOut, VoucherOut
from order.models import Order
from ticket.selectors import order_barcodes, stats_summary, tickets_redeemed_count, top_customers
from utils.cache import DATA_FAMILY, family_cached

router = Router(tags=["staff"])
ERRORS: dict[int, type[ErrorOut]] = {code: ErrorOut for code in (401, 403, 404)}
CACHE_SECONDS = 300
TOP_CUSTOMERS = 5


# Django's int converter: an id is plain digits ("1_0" or "+1", which int() takes, is no
# order), anything else a 404.
@router.get("/orders/{int:order_id}/voucher", auth=STAFF, response={200: VoucherOut, **ERRORS})
def order_voucher(request: HttpRequest, order_id: int) -> VoucherOut:
    """An order's customer and barcodes, in ticket order."""
    voucher = family_cached(
        family=DATA_FAMILY,
        key=f"voucher:{order_id}",
        timeout=CACHE_SECONDS,
        compute=lambda: _voucher(order_id),
    )
    if voucher is None:
        raise HttpError(404, f"no order {order_id}")
    return voucher


def _voucher(order_id: int) -> VoucherOut | None:
    # Index: the primary key, then the tickets' order foreign key.
    customer_id = Order.objects.filter(pk=order_id).values_list("customer_id", flat=True).first()
    if customer_id is None:
        return None
    return VoucherOut(
        customer_id=customer_id, order_id=order_id, barcodes=order_barcodes(order_id=order_id)
    )


@router.get("/stats", auth=STAFF, response={200: StatsOut, **ERRORS})
def stats(request: HttpRequest) -> StatsOut:
    """Totals, the top customers by tickets bought (ties by customer id), unsold barcodes."""
    return family_cached(family=DATA_FAMILY, key="stats", timeout=CACHE_SECONDS, compute=_stats)


def _stats() -> StatsOut:
    summary = stats_summary()
    return StatsOut.model_validate(
        {
            "totals": {
                "customers": summary.customers,
                "orders": summary.orders,
                "tickets_sold": summary.tickets - summary.unsold,
                "tickets_unsold": summary.unsold,
                "tickets_redeemed": tickets_redeemed_count(),
            },
            "top_customers": [
                {"customer_id": top.customer_id, "tickets": top.tickets}
                for top in top_customers(limit=TOP_CUSTOMERS)
            ],
            "unused_barcodes": summary.unsold,
        }
    )
