"""PostgreSQL: the application's role may only read and append to the audit trail.

When MEANINGFUL_DB_APP_ROLE names a role, it is granted reading and writing on every table but
only SELECT and INSERT on the audit events (see meaningful/audit/grants.py). Tables created
later get the read-write grant by default; `meaningful migrate` and `meaningful grant-app-role`
apply the whole set again. Nothing happens on SQLite or without the setting.
"""

from django.apps.registry import Apps
from django.conf import settings
from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor

from meaningful.audit.grants import grant_app_role, revoke_app_role


def forwards(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor == "postgresql" and settings.DB_APP_ROLE:
        grant_app_role(schema_editor.connection, settings.DB_APP_ROLE)


def backwards(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor == "postgresql" and settings.DB_APP_ROLE:
        revoke_app_role(schema_editor.connection, settings.DB_APP_ROLE)


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_append_only_triggers")]
    operations = [migrations.RunPython(forwards, backwards)]
