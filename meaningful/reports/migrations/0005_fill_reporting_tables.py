"""Fill every reporting table from the records already held."""

from typing import Any

from django.db import migrations


def fill(apps: Any, schema_editor: Any) -> None:
    # Derived data, rebuilt with the same code the services use from here on.
    from meaningful.reports.refresh import refresh_all

    refresh_all()


class Migration(migrations.Migration):
    dependencies = [("reports", "0004_month_counts")]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
