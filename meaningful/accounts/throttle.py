"""Slowing down password guessing: too many failed sign-ins lock a username or an address."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from meaningful.accounts.models import SignInFailure, User
from meaningful.audit.services import record_event

WINDOW = timedelta(minutes=15)
MAX_FAILURES_PER_USERNAME = 5
MAX_FAILURES_PER_ADDRESS = 20


def is_locked(username: str, ip: str | None) -> bool:
    """True when the username, or the address it comes from, failed too often in the last 15 minutes."""
    since = timezone.now() - WINDOW
    recent = SignInFailure.objects.filter(at__gte=since)
    if recent.filter(username=username.strip().lower()).count() >= MAX_FAILURES_PER_USERNAME:
        return True
    return ip is not None and recent.filter(ip=ip).count() >= MAX_FAILURES_PER_ADDRESS


def note_failure(
    username: str, ip: str | None, *, actor: User | None = None, step: str = ""
) -> None:
    """Remember a failed sign-in and add it to the audit trail.

    A wrong code after the right password names the account as the actor, with the ``step``.
    """
    SignInFailure.objects.create(username=username.strip().lower()[:150], ip=ip)
    detail = {"username": username[:150]} | ({"step": step} if step else {})
    record_event(actor, "auth.sign-in-failed", detail=detail)


def clear_failures(username: str) -> None:
    """Forget a username's failed sign-ins after it signs in successfully."""
    SignInFailure.objects.filter(username=username.strip().lower()).delete()
    SignInFailure.objects.filter(at__lt=timezone.now() - WINDOW).delete()
