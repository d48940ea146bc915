"""On SQLite, an index of ticket barcodes without regard to case: MySQL's collation compares
them so already, and an import takes a barcode repeated in another case for a repeat
(vouchers/imports.py). SQLite's unique barcode compares bytes; through this index a lookup
`barcode COLLATE NOCASE IN (...)` probes instead of scanning. No state: Django knows nothing
of it, and on MySQL there is nothing to do."""

from typing import Any

from django.db import migrations

INDEX = "ticket_barcode_nocase"


def forwards(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {INDEX} ON ticket_ticket (barcode COLLATE NOCASE)"
        )


def backwards(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("ticket", "0007_ticket_claim_function")]
    operations = [migrations.RunPython(forwards, backwards)]
