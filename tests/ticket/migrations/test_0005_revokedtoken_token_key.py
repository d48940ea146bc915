from typing import Any

import pytest
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder

from tests.ticket.migrations.steps import BEFORE, killed_during, migrate_to_the_end

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_rerun_after_a_migrate_killed_once_the_column_was_added_goes_on(
    before_the_key: Any,
) -> None:
    # Killed after ADD COLUMN committed, before the migration was recorded as applied.
    killed_during(BEFORE)

    migrate_to_the_end()

    with connection.cursor() as cursor:
        columns = connection.introspection.get_table_description(cursor, "ticket_revokedtoken")
    assert [column.name for column in columns].count("token_key") == 1
