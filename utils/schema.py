"""Migration operations that a killed `migrate` can run again.

MySQL commits every DDL statement on its own, so a `migrate` killed after ADD COLUMN or
CREATE INDEX, but before it recorded the migration, runs the statement again and fails on
what it made the first time. These operations look at the table first, both ways. (Django's
AlterField already drops a field's index only if it finds one.)
"""

from typing import Any

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.operations.base import Operation
from django.db.migrations.state import ProjectState


class _IfMissing(Operation):
    """Makes what a schema operation adds only if it is missing (forwards), and removes it
    only if it is there (backwards)."""

    model_name: str

    def database_forwards(
        self,
        app_label: str,
        schema_editor: BaseDatabaseSchemaEditor,
        from_state: ProjectState,
        to_state: ProjectState,
    ) -> None:
        model = to_state.apps.get_model(app_label, self.model_name)
        if not self._present(schema_editor, model):
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(
        self,
        app_label: str,
        schema_editor: BaseDatabaseSchemaEditor,
        from_state: ProjectState,
        to_state: ProjectState,
    ) -> None:
        model = from_state.apps.get_model(app_label, self.model_name)
        if self._present(schema_editor, model):
            super().database_backwards(app_label, schema_editor, from_state, to_state)

    def _present(self, schema_editor: BaseDatabaseSchemaEditor, model: Any) -> bool:
        raise NotImplementedError


class AddFieldIfMissing(_IfMissing, migrations.AddField):
    """AddField that passes over a column already in the table. On MariaDB a nullable column
    is added instantly, whatever the size of the table."""

    def _present(self, schema_editor: BaseDatabaseSchemaEditor, model: Any) -> bool:
        connection = schema_editor.connection
        with connection.cursor() as cursor:
            table = connection.introspection.get_table_description(cursor, model._meta.db_table)
        return model._meta.get_field(self.name).column in {column.name for column in table}


class AddIndexIfMissing(_IfMissing, migrations.AddIndex):
    """AddIndex that passes over an index of that name already in the table. The index is
    built by the engine in place, without a copy of the table: online on InnoDB, which goes
    on taking writes meanwhile."""

    def _present(self, schema_editor: BaseDatabaseSchemaEditor, model: Any) -> bool:
        connection = schema_editor.connection
        with connection.cursor() as cursor:
            constraints = connection.introspection.get_constraints(cursor, model._meta.db_table)
        return self.index.name in constraints
