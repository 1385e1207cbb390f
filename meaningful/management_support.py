"""Shared pieces of the command-line tools: who a command acts as, for which organisation, and
the days it is given."""

from __future__ import annotations

from datetime import date

from django.core.management.base import CommandError

from meaningful.accounts.models import Organisation, User
from meaningful.accounts.services import system_account


def acting_user(username: str | None) -> User:
    """Return the user named by --as, or the installation's system account."""
    if not username:
        return system_account()
    user = User.objects.filter(username=username, is_active=True).first()
    if user is None:
        raise CommandError(f"No active user {username!r}; check the name given to --as.")
    return user


def organisation_option(slug: str | None) -> Organisation | None:
    """Return the organisation named by --organisation, None when not given; refuse unknown ones."""
    if not slug:
        return None
    organisation = Organisation.objects.filter(slug=slug).first()
    if organisation is None:
        raise CommandError(f"No organisation with slug {slug!r}.")
    return organisation


def day_option(text: str) -> date:
    """Return the day an option gives as YYYY-MM-DD; refuse anything else saying how to write it."""
    try:
        return date.fromisoformat(text)
    except ValueError as error:
        raise CommandError(f"{text!r} is not a date: write YYYY-MM-DD.") from error
