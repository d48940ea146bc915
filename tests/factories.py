from django.utils import timezone
from factory.declarations import LazyAttribute, LazyFunction, Sequence, SubFactory
from factory.django import DjangoModelFactory
from factory.faker import Faker

from order.models import Order
from ticket.models import Ticket
from user.models import User


class UserFactory(DjangoModelFactory[User]):
    class Meta:
        model = User

    username = Sequence(lambda n: f"customer{n}")
    email = LazyAttribute(lambda user: f"{user.username}@example.com")
    first_name = Faker("first_name")
    last_name = Faker("last_name")


class OrderFactory(DjangoModelFactory[Order]):
    class Meta:
        model = Order

    customer = SubFactory(UserFactory)
    created_at = LazyFunction(timezone.now)


class TicketFactory(DjangoModelFactory[Ticket]):
    class Meta:
        model = Ticket

    barcode = Sequence(lambda n: f"BC{n:012d}")
    order = SubFactory(OrderFactory)
