"""meaningful sign-in-link: a one-time link for a member of staff to choose their password."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from meaningful.accounts.models import User
from meaningful.accounts.onboarding import LINK_DAYS, sign_in_link
from meaningful.errors import NotAllowed, NotFound
from meaningful.management_support import acting_user


class Command(BaseCommand):
    help = (
        f"Make a one-time link (for {LINK_DAYS} days) with which a member of staff chooses their "
        "password: for a first sign-in, or a forgotten password. Give it to them in person or "
        "by a channel you trust."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username", help="whose link it is")
        parser.add_argument(
            "--base-url",
            required=True,
            help="the address staff use for Meaningful, such as https://outcomes.example.org",
        )
        parser.add_argument(
            "--as",
            dest="as_user",
            help="an organisation administrator, for their organisation's staff (default: system)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"No user {options['username']!r}; check the username.")
        try:
            path = sign_in_link(acting_user(options["as_user"]), user)
        except (NotAllowed, NotFound) as error:
            raise CommandError(str(error)) from error
        self.stdout.write(options["base_url"].rstrip("/") + path)
