import uuid

from django.db import models

from utils.basemodel import TimeStampedModel


class Ticket(TimeStampedModel):
    """A barcode and the secret token in its QR code. Without an order it is unsold.

    Indexes: barcode and token are unique (lookups by either are one index probe); the order
    foreign key's index serves both "the tickets of an order" and "the unsold tickets"
    (order_id IS NULL is a range of that index).
    """

    barcode = models.CharField(max_length=32, unique=True)
    token = models.UUIDField(unique=True, default=uuid.uuid4, editable=False)
    order = models.ForeignKey(
        "order.Order",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="tickets",
    )

    def __str__(self) -> str:
        return self.barcode

    @property
    def token_hint(self) -> str:
        """Enough of the token to tell tickets apart on screen; never the secret itself."""
        return f"{str(self.token)[:4]}…"
