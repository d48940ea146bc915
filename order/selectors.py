from array import array

from order.models import Order
from utils.seeding import pk_array


def order_ids(*, up_to: int) -> "array[int]":
    """Ids of orders up to a frozen high-water mark, ordered by what they are (when placed,
    by whom) rather than by id, which follows the order concurrent workers committed in: so
    seeded tickets pick the same orders whatever the concurrency. Two orders equal in both
    are interchangeable. One sort, when a seed run starts."""
    orders = Order.objects.filter(pk__lte=up_to)
    return pk_array(orders.order_by("created_at", "customer__username", "pk"))
