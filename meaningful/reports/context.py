"""Template context: whether the signed-in user may open the reports page (for the menu)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from meaningful.accounts.access import reportable_teams
from meaningful.accounts.models import User


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if not isinstance(user, User) or not user.is_authenticated:
        return {}
    return {"can_report": reportable_teams(user).exists()}
