from array import array

from order.models import Order
from utils.seeding import pk_array


def order_ids(*, up_to: int) -> "array[int]":
    return pk_array(Order.objects.filter(pk__lte=up_to))
