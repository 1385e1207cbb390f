"""Errors that services raise and every channel (web, API, command line) turns into a message."""

from __future__ import annotations

from django.http import Http404


class NotFound(Http404):
    """The object does not exist, or the actor may not know that it exists."""


class NotAllowed(Exception):
    """The actor may see the object but not do this to it."""


class InvalidInput(ValueError):
    """The input breaks a rule the user can fix; ``errors`` maps a field to what is wrong."""

    def __init__(self, errors: dict[str, str]) -> None:
        self.errors = errors
        super().__init__("; ".join(f"{field}: {message}" for field, message in errors.items()))
