"""Template context: whether the signed-in user may open the returns page (for the menu)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from meaningful.accounts.models import Membership, Role, User


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if not isinstance(user, User) or not user.is_authenticated or user.is_system:
        return {}
    roles = (Role.ORG_ADMIN, Role.ANALYST)
    return {"can_return": Membership.objects.filter(user=user, role__in=roles).exists()}
