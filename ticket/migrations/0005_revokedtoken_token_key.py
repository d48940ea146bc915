"""The revoked tokens' key column (ticket.tokens.token_keys), NULL until the next migration
fills it in. Both steps are instant on MariaDB, whatever the table's size, and can be run
again after a kill.

On MySQL the column's default is the key that the lookup reads for a revocation without
one: so the rows that code older than the key goes on inserting during a deploy are keyed
as they are written. (Django does not know this default: an AlterField of the column would
drop it.) SQLite cannot give a column such a default.
"""

from typing import Any

from django.db import migrations, models

from utils.schema import AddFieldIfMissing

KEY_DEFAULT = "ALTER TABLE ticket_revokedtoken ALTER COLUMN token_key {}"
# What ticket.tokens.token_keys reads for a revocation keyed by its hash alone.
HASH_KEY = "LEFT(token_hash, 20)"


def key_default_set(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "mysql":
        schema_editor.execute(KEY_DEFAULT.format(f"SET DEFAULT ({HASH_KEY})"))


def key_default_drop(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "mysql":
        schema_editor.execute(KEY_DEFAULT.format("DROP DEFAULT"))


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("ticket", "0004_redemptions"),
    ]

    operations = [
        AddFieldIfMissing(
            model_name="revokedtoken",
            name="token_key",
            field=models.CharField(max_length=20, null=True),
        ),
        migrations.RunPython(key_default_set, key_default_drop),
    ]
