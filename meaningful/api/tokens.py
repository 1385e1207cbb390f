"""Issuing and checking API tokens."""

from __future__ import annotations

import hashlib
import secrets

from django.utils import timezone

from meaningful.accounts.models import User
from meaningful.api.models import ApiToken
from meaningful.audit.services import record_event
from meaningful.errors import NotAllowed

PREFIX = "mfl_"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(actor: User, user: User, name: str) -> str:
    """Create a token for ``user`` and return it; it is shown once and never stored in clear."""
    if user.is_system:
        raise NotAllowed(
            "API calls act as a named member of staff; the system account cannot have a token."
        )
    token = PREFIX + secrets.token_urlsafe(32)
    created = ApiToken.objects.create(user=user, name=name.strip()[:100], key_hash=_hash(token))
    record_event(
        actor, "api-token.issue", created, detail={"user": user.username, "name": created.name}
    )
    return token


def user_for_token(token: str) -> User | None:
    """Return the active member of staff a live token belongs to, or None."""
    if not token.startswith(PREFIX):
        return None
    found = (
        ApiToken.objects.filter(key_hash=_hash(token), revoked_at__isnull=True)
        .select_related("user")
        .first()
    )
    if found is None or not found.user.is_active or found.user.is_system:
        return None
    ApiToken.objects.filter(pk=found.pk).update(last_used_at=timezone.now())
    return found.user
