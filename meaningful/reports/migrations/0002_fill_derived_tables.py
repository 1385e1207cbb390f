"""Fill the reporting tables from the records already held (installations made before them)."""

from typing import Any

from django.db import migrations


def fill(apps: Any, schema_editor: Any) -> None:
    # The tables are derived data, rebuilt with the same code the services use from here on.
    from meaningful.reports.refresh import refresh_all

    refresh_all()


class Migration(migrations.Migration):
    dependencies = [("reports", "0001_derived_tables")]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
