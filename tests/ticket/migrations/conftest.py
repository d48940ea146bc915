from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from tests.ticket.migrations.steps import BEFORE, migrate_to_the_end


@pytest.fixture
def before_the_key() -> Iterator[Any]:
    """The schema as 0005 leaves it, and its models; the whole schema again afterwards."""
    executor = MigrationExecutor(connection)
    executor.migrate([BEFORE])
    try:
        yield executor.loader.project_state([BEFORE]).apps
    finally:
        migrate_to_the_end()
