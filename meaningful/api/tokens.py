"""Issuing, listing, revoking and checking API tokens.

A token acts as one named member of staff, with exactly their permissions. Only the
installation's operator issues them, on the command line: a token made from a web session would
let a password (or an administrator, who may not read records) act as someone else. It lasts a
set number of days (90 unless the operator says otherwise, a year at most), and can be revoked
at any time by its member of staff or by an administrator of their organisation. Issuing and
revoking are audited; the token itself is shown once and only its SHA-256 is kept.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from meaningful.accounts.models import User
from meaningful.accounts.two_factor import staff_administered_by
from meaningful.api.models import ApiToken
from meaningful.audit.services import record_event
from meaningful.errors import InvalidInput, NotAllowed, NotFound
from meaningful.text import text_problem

PREFIX = "mfl_"
TOKEN_DAYS = 90
MOST_TOKEN_DAYS = 365
NAME_LENGTH = 100
NO_SYSTEM_CALLS = (
    "API calls act as a named member of staff; the system account cannot have a token."
)
OPERATOR_ISSUES = (
    "API tokens are issued only by the installation's operator, on the command line "
    "(meaningful create-api-token)."
)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def token_status(token: ApiToken, now: datetime | None = None) -> str:
    """Whether the token works now: "live", or "expired" or "revoked"."""
    if token.revoked_at is not None:
        return "revoked"
    return "expired" if token.expires_at <= (now or timezone.now()) else "live"


def issue_token(actor: User, user: User, name: str, *, days: int = TOKEN_DAYS) -> str:
    """Create a token for ``user`` and return it; see issued_token."""
    return issued_token(actor, user, name, days=days)[0]


def issued_token(
    actor: User, user: User, name: str, *, days: int = TOKEN_DAYS
) -> tuple[str, ApiToken]:
    """Create a token for ``user``; return it, shown once and never stored in clear, and its record.

    Only the installation's operator (the system account, on the command line) issues tokens.
    """
    if not actor.is_system:
        raise NotAllowed(OPERATOR_ISSUES)
    if user.is_system:
        raise NotAllowed(NO_SYSTEM_CALLS)
    name = name.strip()
    errors = {}
    problem = text_problem(name, limit=NAME_LENGTH)
    if problem:
        errors["name"] = problem
    elif not name:
        errors["name"] = "Say what the token is for, such as 'case system sync'."
    if not 1 <= days <= MOST_TOKEN_DAYS:
        errors["days"] = (
            f"A token lasts from 1 to {MOST_TOKEN_DAYS} days; give a number in that range."
        )
    if not user.is_active:
        errors["user"] = f"{user.username} cannot sign in any more, so cannot have a token."
    if errors:
        raise InvalidInput(errors)
    token = PREFIX + secrets.token_urlsafe(32)
    expires_at = timezone.now() + timedelta(days=days)
    with transaction.atomic():
        created = ApiToken.objects.create(
            user=user, name=name, key_hash=_hash(token), expires_at=expires_at
        )
        record_event(
            actor,
            "api-token.issue",
            created,
            detail={"user": user.username, "name": name, "expires": expires_at.date().isoformat()},
        )
    return token, created


def visible_tokens(actor: User) -> QuerySet[ApiToken]:
    """The tokens ``actor`` may see and revoke: their own, and their organisation's staff's."""
    tokens = ApiToken.objects.select_related("user", "revoked_by").order_by("-created_at", "-pk")
    if actor.is_system:
        return tokens
    return tokens.filter(Q(user__in=staff_administered_by(actor).values("pk")) | Q(user=actor))


def revoke_token(actor: User, token_id: int) -> ApiToken:
    """Stop a token working now; NotFound if the actor may not see it, InvalidInput if already revoked."""
    token = visible_tokens(actor).filter(pk=token_id).first()
    if token is None:
        raise NotFound("No such API token among those you manage.")
    with transaction.atomic():
        revoked = ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
            revoked_at=timezone.now(), revoked_by=actor
        )
        if not revoked:
            raise InvalidInput({"token": f"The token {token.name!r} is already revoked."})
        record_event(
            actor,
            "api-token.revoke",
            token,
            detail={"user": token.user.username, "name": token.name},
        )
    token.refresh_from_db()
    return token


def user_for_token(token: str) -> User | None:
    """Return the active member of staff a live token belongs to, or None."""
    if not token.startswith(PREFIX):
        return None
    found = (
        ApiToken.objects.filter(
            key_hash=_hash(token), revoked_at__isnull=True, expires_at__gt=timezone.now()
        )
        .select_related("user")
        .first()
    )
    if found is None or not found.user.is_active or found.user.is_system:
        return None
    ApiToken.objects.filter(pk=found.pk).update(last_used_at=timezone.now())
    return found.user
