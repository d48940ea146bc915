from array import array

from user.models import User
from utils.seeding import pk_array


def customer_ids(*, up_to: int) -> "array[int]":
    """Ids of customers (not staff) up to a frozen high-water mark."""
    return pk_array(User.objects.filter(pk__lte=up_to, is_staff=False))
