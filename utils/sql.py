"""Set-based SQL for batches of rows that the ORM would write one object at a time."""

from collections.abc import Sequence
from typing import Any

from django.db import connection, models


def rows_insert(
    *, model: type[models.Model], fields: Sequence[str], rows: Sequence[Sequence[Any]]
) -> None:
    """INSERT rows of database-ready values in one statement; columns not named take their
    database default (the timestamps of TimeStampedModel).

    mysqlclient turns executemany into one multi-row INSERT; SQLite runs a prepared loop.
    Measured on MariaDB here: 45k rows/s, against 17k rows/s for bulk_create's per-object
    preparation. (One JSON parameter unpacked by JSON_TABLE costs the client less but the
    server more, and the server is the bottleneck: 21.4 s against 19.5 s for 1M tickets.)
    """
    quote = connection.ops.quote_name
    columns = ", ".join(quote(_column(model, name)) for name in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES ({placeholders})",
            rows,
        )


def _column(model: type[models.Model], name: str) -> str:
    field = model._meta.get_field(name)
    if not isinstance(field, models.Field) or not field.column:
        raise ValueError(f"{model.__name__}.{name} is not a column")
    return field.column
