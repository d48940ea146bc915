"""Revoked tokens looked up by key instead of by hash (ticket.tokens.token_keys).

Rules, for a table of any size while the platform runs:
- Batched: the key of every revocation recorded so far is filled in, 10,000 ticket ids of
  one job per UPDATE, each committed on its own (the migration is not atomic). Index: the
  primary key (job, ticket), a range per statement.
- Resumable and idempotent: only rows still without a key are written, so a `migrate`
  killed at any point is run again and goes on; a finished batch costs one range probe.
- On the engine, without a copy: the key index is built by InnoDB in place after the
  backfill (sorted, online), and the hash index dropped in place; see utils.schema.
"""

from typing import Any

from django.db import migrations, models
from django.db.models import Max, Min
from django.db.models.functions import Left

import ticket.tokens
from utils.jobs.progress import Progress
from utils.schema import AddIndexIfMissing

BATCH = 10_000
HASH_KEY_DIGITS = 20  # what ticket.tokens.token_keys reads for a revocation keyed here


def keys_backfill(apps: Any, schema_editor: Any) -> None:
    revoked = apps.get_model("ticket", "RevokedToken").objects.using(
        schema_editor.connection.alias
    )
    # Index: the primary key; the lowest and highest ticket of each job are one probe each.
    spans = list(
        revoked.values_list("job_id").annotate(lo=Min("ticket_id"), hi=Max("ticket_id"))
    )
    progress = Progress(
        label="revoked-token keys", done=0, total=sum(hi - lo + 1 for _, lo, hi in spans)
    )
    for job_id, lo, hi in spans:
        for start in range(lo, hi + 1, BATCH):
            end = min(start + BATCH, hi + 1)
            revoked.filter(
                job_id=job_id, ticket_id__gte=start, ticket_id__lt=end, token_key__isnull=True
            ).update(token_key=Left("token_hash", HASH_KEY_DIGITS))
            progress.advance(end - start)
    progress.close()


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("ticket", "0005_revokedtoken_token_key"),
    ]

    operations = [
        # Backwards there is nothing to undo: the previous migration drops the column.
        migrations.RunPython(keys_backfill, migrations.RunPython.noop, elidable=True),
        AddIndexIfMissing(
            model_name="revokedtoken",
            index=models.Index(fields=["token_key"], name="revoked_token_key"),
        ),
        migrations.AlterField(
            model_name="revokedtoken",
            name="token_hash",
            field=models.CharField(max_length=64),
        ),
        migrations.AlterField(
            model_name="ticket",
            name="token",
            field=models.UUIDField(default=ticket.tokens.token_new, editable=False, unique=True),
        ),
    ]
