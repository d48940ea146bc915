from django.db import models
from django.db.models.functions import Now


class TimeStampedModel(models.Model):
    # The column defaults let set-based INSERTs leave the timestamps to the database: two
    # fewer values to send and parse per row. Now() is UTC: the MySQL session time zone
    # is pinned to UTC in settings, as Django stores UTC there.
    created_at = models.DateTimeField(auto_now_add=True, db_default=Now())
    updated_at = models.DateTimeField(auto_now=True, db_default=Now())

    class Meta:
        abstract = True
