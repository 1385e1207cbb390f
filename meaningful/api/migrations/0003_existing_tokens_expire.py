"""Tokens issued before expiry existed work for 90 days from this upgrade."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db import migrations
from django.utils import timezone


def expire_in_ninety_days(apps: Any, schema_editor: Any) -> None:
    ApiToken = apps.get_model("api", "ApiToken")
    ApiToken.objects.filter(expires_at__isnull=True).update(
        expires_at=timezone.now() + timedelta(days=90)
    )


class Migration(migrations.Migration):
    dependencies = [("api", "0002_token_expiry")]

    operations = [migrations.RunPython(expire_in_ninety_days, migrations.RunPython.noop)]
