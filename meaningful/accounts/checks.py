"""Deployment checks of our own: `meaningful check --deploy` warns when sign-in is weakened."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Tags, Warning, register


@register(Tags.security, deploy=True)
def two_factor_is_required(app_configs: Any, **kwargs: Any) -> list[CheckMessage]:
    if settings.REQUIRE_TWO_FACTOR:
        return []
    return [
        Warning(
            "MEANINGFUL_REQUIRE_TWO_FACTOR is off: staff can sign in with a password alone.",
            hint="Leave MEANINGFUL_REQUIRE_TWO_FACTOR unset (it is on by default) wherever real "
            "people's records are held.",
            id="meaningful.W001",
        )
    ]
