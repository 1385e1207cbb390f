from typing import Any

from django.apps import AppConfig
from django.db import connections
from django.db.models.signals import post_migrate


class SearchConfig(AppConfig):
    name = "meaningful.search"
    label = "search"

    def ready(self) -> None:
        post_migrate.connect(heal_after_migrating, sender=self)


def heal_after_migrating(using: str = "default", **kwargs: Any) -> None:
    """On SQLite, put back index triggers that a migration's table rebuild took away."""
    connection = connections[using]
    if connection.vendor == "sqlite":
        from meaningful.search.index import ensure_sqlite_index

        ensure_sqlite_index(connection)
