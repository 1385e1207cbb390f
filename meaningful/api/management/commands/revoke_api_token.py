"""meaningful revoke-api-token: stop an API token working, now."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from meaningful.api.tokens import revoke_token
from meaningful.errors import InvalidInput, NotFound
from meaningful.management_support import acting_user


class Command(BaseCommand):
    help = "Revoke an API token by its id (see list-api-tokens); calls with it fail from now on."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("id", type=int, help="the token's id, from list-api-tokens")
        parser.add_argument(
            "--as",
            dest="as_user",
            help="the token's member of staff or an administrator of their organisation "
            "(default: system)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            token = revoke_token(acting_user(options["as_user"]), options["id"])
        except NotFound as error:
            raise CommandError(f"{error} Run list-api-tokens to see their ids.") from error
        except InvalidInput as error:
            raise CommandError(" ".join(error.errors.values())) from error
        self.stdout.write(f"Revoked {token.name!r} ({token.user.username}).")
