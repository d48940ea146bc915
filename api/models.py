from django.db import models
from django.db.models.functions import Now


class ApiKey(models.Model):
    """A credential for the JSON API. Only the key's SHA-256 is kept: the key itself is
    printed once, when it is created."""

    class Role(models.TextChoices):
        SCANNER = "scanner"  # checks and redeems tickets
        STAFF = "staff"  # everything

    name = models.CharField(max_length=100)
    role = models.CharField(max_length=16, choices=Role.choices)
    # Index: unique; every request looks its key up by this hash.
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    # The key's first characters, to tell keys apart on screen.
    prefix = models.CharField(max_length=12, editable=False)
    created_at = models.DateTimeField(db_default=Now(), editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)

    def __str__(self) -> str:
        return f"{self.name} ({self.role}, {self.prefix}…)"
