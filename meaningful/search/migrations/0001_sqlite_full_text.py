"""SQLite only: FTS5 indexes over outcome records and conversation stories, kept by triggers.

The tables, triggers and rebuild are those of meaningful.search.index; on PostgreSQL this
migration does nothing (0002 indexes there).
"""

from django.apps.registry import Apps
from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor

from meaningful.search.index import SQLITE_DROP, install_sqlite_index


def forwards(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor == "sqlite":
        install_sqlite_index(schema_editor.execute)


def backwards(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor == "sqlite":
        for statement in SQLITE_DROP:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("conversations", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
