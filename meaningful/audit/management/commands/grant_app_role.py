"""meaningful grant-app-role: give the application's database role its privileges, no more."""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connections

from meaningful.audit.grants import GrantError, grant_app_role, revoke_app_role


class Command(BaseCommand):
    help = (
        "PostgreSQL: let the application's role read and write the records but only read and "
        "append to the audit trail. Run as the role that owns the tables, after migrations."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--role",
            default="",
            help="the application's database role (default: MEANINGFUL_DB_APP_ROLE)",
        )
        parser.add_argument(
            "--revoke",
            action="store_true",
            help="take back every privilege this command gives, before the role is dropped",
        )
        parser.add_argument("--json", action="store_true", help="print the result as JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        connection = connections["default"]
        if connection.vendor != "postgresql":
            raise CommandError(
                "Database roles are a PostgreSQL feature; with SQLite the file's permissions "
                "decide who may write, and the audit triggers refuse changes to events."
            )
        role = options["role"] or settings.DB_APP_ROLE
        try:
            if options["revoke"]:
                revoke_app_role(connection, role)
                self._report(
                    options, {"role": role, "revoked": True}, f"{role}: privileges revoked."
                )
                return
            grants = grant_app_role(connection, role)
        except GrantError as error:
            raise CommandError(str(error)) from error
        self._report(
            options,
            {
                "role": grants.role,
                "owner": grants.owner,
                "schema": grants.schema,
                "read_write_tables": grants.read_write,
                "append_only_tables": list(grants.append_only),
                "read_only_tables": list(grants.read_only),
            },
            f"{grants.role} may read and write {grants.read_write} tables of {grants.owner} in "
            f"schema {grants.schema}, and only read and add rows in "
            f"{', '.join(grants.append_only)}; {', '.join(grants.read_only)} is read-only. "
            "Tables that later migrations create are read-write for it until this is run again.",
        )

    def _report(self, options: dict[str, Any], data: dict[str, Any], text: str) -> None:
        self.stdout.write(json.dumps(data) if options["json"] else text)
