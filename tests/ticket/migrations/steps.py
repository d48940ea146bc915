"""Moving the test database's schema between migrations."""

from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = ("ticket", "0005_revokedtoken_token_key")


def migrate_to_the_end() -> None:
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


