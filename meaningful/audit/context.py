"""Where the current action comes from (web, API, command line) and the caller's address."""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class Origin:
    """The channel and network address the audit records for each event."""

    channel: str = "internal"
    ip: str | None = None


current_origin: ContextVar[Origin] = ContextVar("current_origin", default=Origin())  # noqa: B039 - Origin is frozen
