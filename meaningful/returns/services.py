"""Who may build and release returns, and the one write: recording a final return in the register."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from meaningful.accounts.access import can_administer
from meaningful.accounts.models import Membership, Organisation, Role, User
from meaningful.audit.services import record_event
from meaningful.disclosure.audit import PublishedFigure
from meaningful.errors import NotAllowed
from meaningful.reports.period import Period
from meaningful.returns.document import policy_json
from meaningful.returns.models import ReturnRelease


class ReturnRefused(Exception):
    """The audit did not pass, so the return may not go out as final; `refusal` says why."""

    def __init__(self, document: dict[str, Any], refusal: str) -> None:
        self.document = document
        self.refusal = refusal
        super().__init__(refusal)


def can_preview_returns(user: User, organisation: Organisation) -> bool:
    """Administrators and analysts of the organisation may build a return to look at."""
    return (
        can_administer(user, organisation)
        or Membership.objects.filter(
            user=user, organisation=organisation, role=Role.ANALYST
        ).exists()
    )


def can_release_returns(user: User, organisation: Organisation) -> bool:
    """Only the organisation's administrators send its returns out (and the system account)."""
    return can_administer(user, organisation)


def check_may_build(user: User, organisation: Organisation, *, final: bool) -> None:
    if not can_preview_returns(user, organisation):
        raise NotAllowed(
            f"Returns for {organisation.name} are built by its administrators and analysts."
        )
    if final and not can_release_returns(user, organisation):
        raise NotAllowed(
            f"Only administrators of {organisation.name} release its returns; "
            "an analyst may build a draft to look at."
        )


def record_release(
    actor: User,
    organisation: Organisation,
    period: Period,
    document: dict[str, Any],
    figures: list[PublishedFigure],
    policy: Any,
) -> ReturnRelease:
    """Keep a final return's published figures in the register; audited."""
    if not can_release_returns(actor, organisation):
        raise NotAllowed(f"Only administrators of {organisation.name} release its returns.")
    with transaction.atomic():
        release = ReturnRelease.objects.create(
            organisation=organisation,
            period_label=period.label,
            period_start=period.start,
            period_end=period.end,
            built_by=actor,
            built_at=timezone.now(),
            checksum=document["metadata"]["checksum"],
            policy=policy_json(policy),
            figures=[figure.to_json() for figure in figures],
        )
        record_event(
            actor,
            "return.release",
            release,
            detail={
                "organisation": organisation.slug,
                "period": period.label,
                "checksum": release.checksum,
            },
        )
    return release
