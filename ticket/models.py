from django.db import models
from django.db.models.functions import Now

from ticket.tokens import token_new
from utils.basemodel import TimeStampedModel


class Ticket(TimeStampedModel):
    """A barcode and the secret token in its QR code. Without an order it is unsold.

    Indexes: barcode and token are unique (lookups by either are one index probe); the order
    foreign key's index serves both "the tickets of an order" and "the unsold tickets"
    (order_id IS NULL is a range of that index).
    """

    barcode = models.CharField(max_length=32, unique=True)
    token = models.UUIDField(unique=True, default=token_new, editable=False)
    order = models.ForeignKey(
        "order.Order",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="tickets",
    )
    # Checked in at a gate (ticket/redemptions.py): when, by whom, and the scanner's nonce
    # for that scan, so that its retry gets the same answer. A rotation leaves them be.
    redeemed_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Database defaults: set-based INSERTs (seeding) leave these columns out.
    redeemed_by = models.CharField(max_length=120, blank=True, editable=False, db_default="")
    redeem_nonce = models.CharField(max_length=64, blank=True, editable=False, db_default="")

    class Meta:
        # The dashboard counts the tickets of each recent day: a range of this index. The
        # creation times follow the ids, so the index grows at its end.
        indexes = [models.Index(fields=["created_at"], name="ticket_created_at")]

    def __str__(self) -> str:
        return self.barcode

    @property
    def token_hint(self) -> str:
        """Enough of the token to tell tickets apart on screen; never the secret itself. The
        last digits: a version-7 token opens with when it was issued, alike within a batch."""
        return f"…{str(self.token)[-4:]}"


class RevokedToken(models.Model):
    """A token replaced by a rotation job. Only its SHA-256 is kept (see tokens.token_hash),
    with a key made of the token's issue time and a part of that hash (tokens.token_key_sql):
    enough to recognise a leaked token as revoked, useless to anyone who reads the table.
    """

    # A job rotates each ticket once: the primary key refuses a second time. Having no
    # auto-increment id also spares concurrent INSERT ... SELECTs the table's AUTO-INC lock,
    # and a job's rows append in key order.
    pk = models.CompositePrimaryKey("job", "ticket")
    # No foreign-key constraint in the database: its check would share-lock the job's row
    # from every rotation batch, and claims and abandonment lock that row exclusively
    # (utils/jobs/claims.py). Django still refuses to delete a job that has revocations.
    job = models.ForeignKey("utils.Job", on_delete=models.PROTECT, db_constraint=False)
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="revoked_tokens")
    # Compared, not indexed: a random 64-digit index outgrows memory after a few rotations
    # of millions, and from then on every insert and lookup waits on the disk.
    token_hash = models.CharField(max_length=64)
    # Index: a presented token that matches no ticket is looked up here (tokens.token_keys).
    # A rotation's keys follow the tokens' issue times, so they append near the index's end.
    # Nullable, since made NOT NULL it would cost a copy of the table; on MySQL its default
    # keys what code older than the key inserts (migration 0005).
    token_key = models.CharField(max_length=20, null=True)  # noqa: DJ001
    revoked_at = models.DateTimeField(db_default=Now())

    class Meta:
        indexes = [models.Index(fields=["token_key"], name="revoked_token_key")]

    def __str__(self) -> str:
        return f"revoked token of ticket {self.ticket_id} ({self.token_hash[:8]}…)"


class Scan(models.Model):
    """One redemption attempt at a gate, whatever its answer: the gates' audit trail."""

    class Result(models.TextChoices):
        OK = "ok"
        ALREADY_REDEEMED = "already_redeemed"
        REVOKED = "revoked"
        UNKNOWN = "unknown"
        UNSOLD = "unsold"

    # Index: the foreign key's, for a ticket's scans. No constraint check to wait on.
    ticket = models.ForeignKey(
        Ticket, on_delete=models.SET_NULL, null=True, blank=True, db_constraint=False
    )
    result = models.CharField(max_length=16, choices=Result.choices)
    scanned_by = models.CharField(max_length=120)
    nonce = models.CharField(max_length=64)
    scanned_at = models.DateTimeField(db_default=Now())

    def __str__(self) -> str:
        return f"scan #{self.pk}: {self.result}"
