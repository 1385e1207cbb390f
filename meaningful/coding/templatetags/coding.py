"""Template helpers of the coding workbench: a text cut into marked pieces, the menu link."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from meaningful.accounts.models import Membership, User
from meaningful.coding.scope import CODING_ROLES
from meaningful.coding.texts import Piece

register = template.Library()


@register.simple_tag
def narrative_pieces(pieces: list[Piece]) -> SafeString:
    """The shown text as spans that carry their offset (what the selection script reads), coded
    stretches inside <mark>, line breaks as <br>; no whitespace is added between them."""

    def one(piece: Piece) -> tuple[str, ...]:
        if piece.line_break:
            return (format_html('<br data-at="{}">', piece.at),)
        span = format_html('<span data-at="{}">{}</span>', piece.at, piece.text)
        return (format_html("<mark>{}</mark>", span) if piece.marked else span,)

    return format_html_join("", "{}", (one(piece) for piece in pieces))


@register.simple_tag(takes_context=True)
def uses_coding(context: dict[str, Any]) -> bool:
    """True when the signed-in member of staff may open the coding workbench (for the menu)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if not isinstance(user, User) or not user.is_authenticated or user.is_system:
        return False
    return Membership.objects.filter(user=user, role__in=CODING_ROLES).exists()


@register.filter
def percent(share: float | None) -> str:
    """A share from 0 to 1 as a whole percentage."""
    return "" if share is None else f"{round(share * 100)}%"


@register.filter
def figure(value: float | None) -> str:
    """A statistic to three decimal places, or a dash when it is undefined."""
    return "\u2013" if value is None else f"{value:.3f}"
