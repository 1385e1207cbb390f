"""PostgreSQL only: GIN expression indexes on the English-stemmed words of the narratives.

Building them reads every outcome record and conversation once and holds off writes to those
tables meanwhile; on SQLite this migration does nothing (0001 indexes there).
"""

from django.apps.registry import Apps
from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor

from meaningful.search.index import POSTGRESQL_DROP, POSTGRESQL_INDEXES


def forwards(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        for statement in POSTGRESQL_INDEXES:
            schema_editor.execute(statement)


def backwards(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        for statement in POSTGRESQL_DROP:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("search", "0001_sqlite_full_text")]
    operations = [migrations.RunPython(forwards, backwards)]
