"""meaningful list-api-tokens: the API tokens issued, whose, for what, and whether they still work."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from meaningful.api.models import ApiToken
from meaningful.api.tokens import token_status, visible_tokens
from meaningful.management_support import acting_user


class Command(BaseCommand):
    help = (
        "List API tokens (never the tokens themselves): id, member of staff, what for, when "
        "issued, until when, when last used, and whether live, expired or revoked."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--user", help="only this member of staff's tokens")
        parser.add_argument("--live", action="store_true", help="only tokens that work now")
        parser.add_argument(
            "--as",
            dest="as_user",
            help="an organisation administrator, for their organisation's staff (default: system)",
        )
        parser.add_argument("--json", action="store_true", help="print JSON lines")

    def handle(self, *args: Any, **options: Any) -> None:
        tokens = visible_tokens(acting_user(options["as_user"]))
        if options["user"]:
            tokens = tokens.filter(user__username=options["user"])
        now = timezone.now()
        listed = [(token, token_status(token, now)) for token in tokens]
        if options["live"]:
            listed = [(token, status) for token, status in listed if status == "live"]
        if options["json"]:
            for token, status in listed:
                self.stdout.write(json.dumps(_row(token, status)))
            return
        if not listed:
            self.stdout.write("No API tokens.")
            return
        for token, status in listed:
            used = f"{token.last_used_at:%Y-%m-%d %H:%M}" if token.last_used_at else "never"
            self.stdout.write(
                f"{token.pk:>5}  {status:<8} {token.user.username:<24} until "
                f"{token.expires_at:%Y-%m-%d}  last used {used:<16}  {token.name}"
            )


def _row(token: ApiToken, status: str) -> dict[str, Any]:
    return {
        "id": token.pk,
        "user": token.user.username,
        "name": token.name,
        "issued": token.created_at.isoformat(),
        "expires": token.expires_at.isoformat(),
        "last_used": token.last_used_at.isoformat() if token.last_used_at else None,
        "status": status,
        "revoked_by": token.revoked_by.username if token.revoked_by else None,
    }
