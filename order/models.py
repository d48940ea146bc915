from django.conf import settings
from django.db import models


class Order(models.Model):
    # The foreign key's index answers "a customer's orders" with an index range scan.
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="orders"
    )
    created_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"order #{self.pk}"
