from array import array

from user.models import User
from utils.seeding import pk_array


def customer_ids(*, up_to: int) -> "array[int]":
    """Ids of customers (not staff) up to a frozen high-water mark, in username order: ids
    follow the order in which concurrent workers committed, usernames do not, so seeded
    orders pick the same customers whatever the concurrency. Index: the unique username."""
    return pk_array(User.objects.filter(pk__lte=up_to, is_staff=False).order_by("username"))
