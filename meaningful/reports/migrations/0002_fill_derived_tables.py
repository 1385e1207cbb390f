"""Once filled the first reporting tables; 0004 now rebuilds every reporting table instead."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("reports", "0001_derived_tables")]

    operations: list[migrations.operations.base.Operation] = []
