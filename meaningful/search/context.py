"""Template context: whether the signed-in user may search narratives (for the menu)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from meaningful.accounts.models import User
from meaningful.errors import NotAllowed
from meaningful.search.services import search_scope


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if not isinstance(user, User) or not user.is_authenticated or user.is_system:
        return {}
    try:
        search_scope(user)
    except NotAllowed:
        return {"can_search": False}
    return {"can_search": True}
