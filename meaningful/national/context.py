"""Template context: whether the signed-in user works with national returns (for the menu)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from meaningful.accounts.models import User
from meaningful.national.services import is_national_analyst


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if not isinstance(user, User) or not user.is_authenticated or user.is_system:
        return {}
    return {"can_combine_returns": is_national_analyst(user)}
