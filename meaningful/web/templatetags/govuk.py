"""Template helpers for GOV.UK Frontend markup."""

from __future__ import annotations

import datetime
from typing import Any

from django import template

register = template.Library()


@register.filter
def date_part(value: Any, part: str) -> str:
    """Return the day, month or year of a date, or of the parts a user typed, for re-display."""
    if isinstance(value, datetime.date):
        return str(getattr(value, part))
    if isinstance(value, dict):
        return str(value.get(part, ""))
    return ""


@register.filter
def get_item(mapping: Any, key: Any) -> Any:
    """Look up a key in a dict from a template."""
    return mapping.get(key) if hasattr(mapping, "get") else None
