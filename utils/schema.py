"""Migration operations that a killed `migrate` can run again.

MySQL commits every DDL statement on its own, so a `migrate` killed after CREATE INDEX but
before it recorded the migration runs the statement again, and fails on the index that it
made the first time. These operations look at the table first. (Django's AlterField already
drops a field's index only if it finds one.)
"""

from typing import Any

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import ProjectState


class AddIndexIfMissing(migrations.AddIndex):
    """AddIndex that passes over an index of that name already in the table (forwards), or
    already gone from it (backwards). The index is built by the engine in place, without a
    copy of the table: online on InnoDB, which goes on taking writes meanwhile."""

    def database_forwards(
        self,
        app_label: str,
        schema_editor: BaseDatabaseSchemaEditor,
        from_state: ProjectState,
        to_state: ProjectState,
    ) -> None:
        if not self._index_exists(
            schema_editor, to_state.apps.get_model(app_label, self.model_name)
        ):
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(
        self,
        app_label: str,
        schema_editor: BaseDatabaseSchemaEditor,
        from_state: ProjectState,
        to_state: ProjectState,
    ) -> None:
        model = from_state.apps.get_model(app_label, self.model_name)
        if self._index_exists(schema_editor, model):
            super().database_backwards(app_label, schema_editor, from_state, to_state)

    def _index_exists(self, schema_editor: BaseDatabaseSchemaEditor, model: Any) -> bool:
        with schema_editor.connection.cursor() as cursor:
            constraints = schema_editor.connection.introspection.get_constraints(
                cursor, model._meta.db_table
            )
        return self.index.name in constraints
