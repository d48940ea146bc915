"""What a reseller's files became: each imported row keeps the reseller's id under its
source, beside the customer, order or ticket made for it.

Ids are unique per source, not globally: an import sits beside seeded data and beside other
sources. Orders and tickets also record the import job that last accepted them: within a job,
a second row for the same id finds that the first one was accepted (a file is read in order).
"""

from django.conf import settings
from django.db import models

from order.models import Order
from ticket.models import Ticket

SOURCE_LENGTH = 32


class ImportedCustomer(models.Model):
    # Index: the unique (source, external_id), probed for each batch of orders.
    source = models.CharField(max_length=SOURCE_LENGTH)
    external_id = models.BigIntegerField()
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["source", "external_id"], name="importedcustomer_source_id"
            )
        ]

    def __str__(self) -> str:
        return f"{self.source} customer {self.external_id}"


class ImportedOrder(models.Model):
    # Indexes: the unique (source, external_id), probed for each batch of rows; and (source,
    # customer, order), which the export reads in its own order.
    source = models.CharField(max_length=SOURCE_LENGTH)
    external_id = models.BigIntegerField()
    customer_external_id = models.BigIntegerField()
    order = models.OneToOneField(Order, on_delete=models.CASCADE, related_name="+")
    # The import that last accepted it (no constraint: see RevokedToken.job).
    job = models.ForeignKey("utils.Job", on_delete=models.PROTECT, db_constraint=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["source", "external_id"], name="importedorder_source_id"
            )
        ]
        indexes = [
            models.Index(
                fields=["source", "customer_external_id", "external_id"],
                name="importedorder_customer",
            )
        ]

    def __str__(self) -> str:
        return f"{self.source} order {self.external_id}"


class ImportedTicket(models.Model):
    """A barcode of the reseller's: the ticket is found by its (globally unique) barcode."""

    ticket = models.OneToOneField(
        Ticket, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    source = models.CharField(max_length=SOURCE_LENGTH)
    job = models.ForeignKey("utils.Job", on_delete=models.PROTECT, db_constraint=False)

    class Meta:
        # The unused barcodes of a source: a range of this index, each joined to its ticket.
        indexes = [models.Index(fields=["source"], name="importedticket_source")]

    def __str__(self) -> str:
        return f"{self.source} ticket {self.ticket_id}"
