"""meaningful create-api-token: a bearer token for another system to call the API as a user."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from meaningful.accounts.models import User
from meaningful.api.tokens import issue_token
from meaningful.errors import NotAllowed
from meaningful.management_support import acting_user


class Command(BaseCommand):
    help = "Issue an API token for a user; it is printed once and only its hash is kept."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--user", required=True, help="the username the token acts as")
        parser.add_argument("--name", required=True, help="what the token is for")
        parser.add_argument("--as", dest="as_user", help="who issues it (default: system)")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["user"], is_active=True).first()
        if user is None:
            raise CommandError(f"No active user {options['user']!r}.")
        try:
            token = issue_token(acting_user(options["as_user"]), user, options["name"])
        except NotAllowed as error:
            raise CommandError(str(error)) from error
        self.stdout.write(token)
