"""Moving the test database's schema between migrations."""

from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.recorder import MigrationRecorder

BEFORE = ("ticket", "0005_revokedtoken_token_key")


def migrate_to_the_end() -> None:
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())




def killed_during(migration: tuple[str, str]) -> None:
    """Record `migration` and the later ones of its app as not applied, as a migrate killed
    while it ran would have left them."""
    recorder = MigrationRecorder(connection)
    app, name = migration
    for applied_app, applied_name in recorder.applied_migrations():
        if applied_app == app and applied_name >= name:
            recorder.record_unapplied(applied_app, applied_name)
