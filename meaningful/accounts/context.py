"""Template context: whether the signed-in user has a caseload, or reads the audit trail (for the menu)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from meaningful.accounts.access import care_teams
from meaningful.accounts.models import Membership, Role, User


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if not isinstance(user, User) or not user.is_authenticated or user.is_system:
        return {}
    return {
        "has_caseload": care_teams(user).exists(),
        "can_audit": Membership.objects.filter(user=user, role=Role.AUDITOR).exists(),
    }
