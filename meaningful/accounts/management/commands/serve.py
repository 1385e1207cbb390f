"""meaningful serve: run the web application on this machine."""

from __future__ import annotations

from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = "Serve the web application (for a demo or a small team; use gunicorn in production)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
        parser.add_argument("--port", type=int, default=8000, help="port to listen on")

    def handle(self, *args: Any, **options: Any) -> None:
        call_command("migrate", verbosity=0)
        self.stdout.write(f"Serving Meaningful at http://{options['host']}:{options['port']}/")
        call_command(
            "runserver",
            f"{options['host']}:{options['port']}",
            use_reloader=False,
            use_threading=True,
        )
