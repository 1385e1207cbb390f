"""meaningful create-api-token: a bearer token for another system to call the API as a user."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from meaningful.accounts.models import User
from meaningful.accounts.services import system_account
from meaningful.api.tokens import MOST_TOKEN_DAYS, TOKEN_DAYS, issued_token
from meaningful.errors import InvalidInput, NotAllowed


class Command(BaseCommand):
    help = (
        "Issue an API token for a member of staff, as the installation's operator: printed once "
        "on standard output (only its hash is kept), with when it expires on standard error."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--user", required=True, help="the username the token acts as")
        parser.add_argument("--name", required=True, help="what the token is for")
        parser.add_argument(
            "--days",
            type=int,
            default=TOKEN_DAYS,
            help=f"how many days it works (default {TOKEN_DAYS}, at most {MOST_TOKEN_DAYS})",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["user"]).first()
        if user is None:
            raise CommandError(f"No user {options['user']!r}; check the username.")
        try:
            token, issued = issued_token(
                system_account(), user, options["name"], days=options["days"]
            )
        except NotAllowed as error:
            raise CommandError(str(error)) from error
        except InvalidInput as error:
            raise CommandError(" ".join(error.errors.values())) from error
        self.stdout.write(token)
        self.stderr.write(f"It works until {issued.expires_at:%d %B %Y %H:%M} UTC.")
