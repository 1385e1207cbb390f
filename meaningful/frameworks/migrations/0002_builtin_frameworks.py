"""Install the built-in scales and Talking Points frameworks (version 1) from the package's data files."""

from django.apps.registry import Apps
from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor

from meaningful.frameworks.loading import install_builtin


def forwards(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    install_builtin(apps)


class Migration(migrations.Migration):
    dependencies = [("frameworks", "0001_initial")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
