"""meaningful reset-two-factor: remove a member of staff's authenticator app, with a reason."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from meaningful.accounts.models import User
from meaningful.accounts.two_factor import reset_two_factor, two_factor_required
from meaningful.errors import InvalidInput, NotAllowed
from meaningful.management_support import acting_user


class Command(BaseCommand):
    help = (
        "Reset a member of staff's two-factor sign-in (a lost phone, say): their authenticator "
        "app and recovery codes stop working; the reset and its reason are audited."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username", help="whose two-factor sign-in to reset")
        parser.add_argument("--reason", required=True, help="why, kept in the audit trail")
        parser.add_argument("--as", dest="as_user", help="username to act as (default: system)")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"No user {options['username']!r}.")
        try:
            reset_two_factor(acting_user(options["as_user"]), user, options["reason"])
        except (InvalidInput, NotAllowed) as error:
            message = " ".join(error.errors.values()) if isinstance(error, InvalidInput) else error
            raise CommandError(str(message)) from error
        then = (
            "they will set it up again the next time they sign in"
            if two_factor_required(user)
            else "they can sign in with their password alone"
        )
        self.stdout.write(f"Two-factor sign-in for {user.username} is reset; {then}.")
