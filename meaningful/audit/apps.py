from typing import Any

from django.apps import AppConfig
from django.conf import settings
from django.db import connections
from django.db.models.signals import post_migrate


class AuditConfig(AppConfig):
    name = "meaningful.audit"
    label = "audit"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        post_migrate.connect(grant_after_migrating, sender=self)


def grant_after_migrating(using: str = "default", **kwargs: Any) -> None:
    """Keep the application's role's grants right for the tables that migrations just added.

    Only the tables' owner can; `meaningful serve` runs `migrate` as the application's role,
    which has nothing to migrate and nothing to grant.
    """
    connection = connections[using]
    if connection.vendor != "postgresql" or not settings.DB_APP_ROLE:
        return
    from meaningful.audit.grants import grant_app_role, may_grant

    if may_grant(connection):
        grant_app_role(connection, settings.DB_APP_ROLE)
