"""National returns as actions: store, withdraw and combine, each permission-checked and audited.

Only national analysts (and the system account, on the command line) work with returns: they
hold exact counts from every organisation that sent one.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import transaction

from meaningful.accounts.models import Membership, Role, User
from meaningful.audit.services import record_event
from meaningful.disclosure.policy import Policy
from meaningful.errors import NotAllowed, NotFound
from meaningful.national.combine import ReturnsRefused, combine
from meaningful.national.format import UnreadableReturn, parse_return
from meaningful.national.models import NationalReport, NationalReturn
from meaningful.national.output import release_json
from meaningful.national.reading import ReadReturn, SubmittedReturn, read_return

MAX_PROBLEMS_AUDITED = 20


def national_policy(
    method: str | None = None, threshold: int | None = None, rounding_base: int | None = None
) -> Policy:
    """The national disclosure policy: the settings, with any of them given here instead.

    Secondary suppression is on, as in the organisations' returns: a * stands for a hidden
    count, small or not. (Were a * known to be small, a hidden national total of 7 over seven
    organisations' hidden counts, each at least 1, would give every one of them away.)
    """
    method = method or settings.NATIONAL_METHOD
    threshold = threshold or settings.NATIONAL_THRESHOLD
    base = 1 if method == "suppression" else rounding_base or settings.NATIONAL_ROUNDING
    return Policy(
        threshold=threshold,
        rounding_base=base,
        minimum_n=threshold,
        method=method,  # type: ignore[arg-type]
        secondary_suppression=True,
    )


def is_national_analyst(user: User) -> bool:
    return Membership.objects.filter(user=user, role=Role.NATIONAL_ANALYST).exists()


def _require_national(actor: User) -> None:
    if not (actor.is_system or is_national_analyst(actor)):
        raise NotAllowed("National returns are for national analysts.")


@dataclass
class UploadOutcome:
    stored: list[NationalReturn] = field(default_factory=list)
    refused: dict[str, list[str]] = field(default_factory=dict)  # file name -> problems


def _clashes(read: ReadReturn, accepted: Sequence[ReadReturn]) -> list[str]:
    """Why the return may not be stored beside those already stored (or accepted just now)."""
    same = NationalReturn.objects.filter(checksum=read.checksum).first()
    if same is not None:
        return [
            f"this return is already stored: {same.file_name}, uploaded by "
            f"{same.uploaded_by.username} on {same.uploaded_at:%d %B %Y}."
        ]
    earlier = NationalReturn.objects.filter(
        organisation_code=read.code, period_label=read.period.label
    ).first()
    if earlier is not None:
        return [
            f"a return from {read.name} ({read.code}) for {read.period.label} is already stored "
            f"({earlier.file_name}, uploaded on {earlier.uploaded_at:%d %B %Y}). To replace it, "
            "withdraw that one first."
        ]
    for other in accepted:
        if other.checksum == read.checksum:
            return [f"the same return as {other.file}, uploaded together: it is stored once."]
        if (other.code, other.period.label) == (read.code, read.period.label):
            return [
                f"a second return from {read.name} for {read.period.label} ({other.file} is the "
                "first); ask the organisation which one stands."
            ]
    return []


def store_returns(actor: User, files: Sequence[tuple[str, bytes]]) -> UploadOutcome:
    """Check each uploaded return; store those that pass; audit every one, stored or refused."""
    _require_national(actor)
    outcome = UploadOutcome()
    accepted: list[ReadReturn] = []
    for name, raw in files:
        try:
            document = parse_return(raw)
        except UnreadableReturn as error:
            problems = [str(error)]
        else:
            read, problems = read_return(SubmittedReturn(name, document))
            if read is not None and not problems:
                problems = _clashes(read, accepted)
            if read is not None and not problems:
                accepted.append(read)
                outcome.stored.append(_store(actor, name, document, read))
                continue
        outcome.refused[name] = problems
        record_event(
            actor,
            "national.return-refused",
            detail={
                "file": name,
                "problems": problems[:MAX_PROBLEMS_AUDITED],
                "problem_count": len(problems),
            },
        )
    return outcome


def _store(actor: User, name: str, document: dict[str, Any], read: ReadReturn) -> NationalReturn:
    with transaction.atomic():
        stored = NationalReturn.objects.create(
            organisation_code=read.code,
            organisation_name=read.name,
            period_label=read.period.label,
            period_start=read.period.start,
            period_end=read.period.end,
            framework_versions=sorted(read.frameworks),
            checksum=read.checksum,
            file_name=name[:255],
            uploaded_by=actor,
            document=document,
        )
        record_event(
            actor,
            "national.return-stored",
            stored,
            detail={
                "file": name,
                "organisation": read.code,
                "period": read.period.label,
                "checksum": read.checksum,
                "frameworks": sorted(read.frameworks),
            },
        )
    return stored


def withdraw_return(actor: User, return_id: int) -> None:
    """Remove a stored return (to replace it with a corrected one); the audit keeps its checksum."""
    _require_national(actor)
    stored = NationalReturn.objects.filter(pk=return_id).first()
    if stored is None:
        raise NotFound("No such return.")
    with transaction.atomic():
        record_event(
            actor,
            "national.return-withdrawn",
            stored,
            detail={
                "file": stored.file_name,
                "organisation": stored.organisation_code,
                "period": stored.period_label,
                "checksum": stored.checksum,
            },
        )
        stored.delete()


def stored_returns(actor: User) -> list[NationalReturn]:
    _require_national(actor)
    return list(NationalReturn.objects.select_related("uploaded_by").defer("document"))


def _fingerprint(returns: Sequence[NationalReturn], policy: Policy) -> str:
    text = json.dumps([sorted(r.checksum for r in returns), repr(policy)])
    return hashlib.sha256(text.encode()).hexdigest()


class TooLargeForThePage(Exception):
    """The stored returns are too large to combine while a page waits; build on the command line."""


# Combining takes about a minute for every 10,000 cells of returns; a page waits at most 60
# seconds behind gunicorn (docs/deployment.md), so larger builds run on the command line.
LARGEST_BUILD_ON_A_PAGE = 4000


def _cells(document: dict[str, Any]) -> int:
    return sum(len(table.get("cells", [])) for table in document.get("tables", []))


def _period_returns(period_label: str) -> list[NationalReturn]:
    returns = list(NationalReturn.objects.filter(period_label=period_label))
    if not returns:
        raise NotFound(f"No returns are stored for {period_label}.")
    return returns


def national_report(
    actor: User, period_label: str, policy: Policy | None = None, *, on_a_page: bool = False
) -> NationalReport:
    """The national report for the period: the one built from the same returns and policy, or a
    new build (TooLargeForThePage when a page asks for a large one); ReturnsRefused when the
    returns cannot be combined."""
    _require_national(actor)
    policy = policy or national_policy()
    returns = _period_returns(period_label)
    fingerprint = _fingerprint(returns, policy)
    built = NationalReport.objects.filter(
        period_label=period_label, fingerprint=fingerprint
    ).first()
    if built is not None:
        return built
    if on_a_page and sum(_cells(r.document) for r in returns) > LARGEST_BUILD_ON_A_PAGE:
        raise TooLargeForThePage(period_label)
    return _build(actor, period_label, returns, policy, fingerprint)


def _build(
    actor: User,
    period_label: str,
    returns: Sequence[NationalReturn],
    policy: Policy,
    fingerprint: str,
    whole_numbers: bool = False,
) -> NationalReport:
    submitted = [SubmittedReturn(r.file_name, r.document) for r in returns]
    try:
        release = combine(submitted, policy, whole_numbers=whole_numbers)
    except ReturnsRefused as error:
        record_event(
            actor,
            "national.report-refused",
            detail={"period": period_label, "problems": error.problems[:MAX_PROBLEMS_AUDITED]},
        )
        raise
    data = release_json(release)
    with transaction.atomic():
        report, _ = NationalReport.objects.update_or_create(
            period_label=period_label,
            fingerprint=fingerprint,
            defaults={"built_by": actor, "passed": release.passed, "release": data},
        )
        record_event(actor, "national.report-built", report, detail=build_detail(data))
    return report


def rebuild_national_report(
    actor: User, period_label: str, policy: Policy, whole_numbers: bool = False
) -> NationalReport:
    """Build the period's report from its stored returns now, replacing one built before."""
    _require_national(actor)
    returns = _period_returns(period_label)
    fingerprint = _fingerprint(returns, policy)
    return _build(actor, period_label, returns, policy, fingerprint, whole_numbers)


def build_detail(data: dict[str, Any]) -> dict[str, Any]:
    """What the audit trail keeps of a national build: inputs and the audit, no figures."""
    audit = data["audit"]
    return {
        "period": data["period"]["label"],
        "returns": [o["checksum"] for o in data["organisations"]],
        "policy": data["policy"],
        "passed": audit["passed"],
        "hidden": audit["hidden"],
        "withheld": audit["withheld"],
        "checked": audit["checked"],
        "problems": audit["problems"][:MAX_PROBLEMS_AUDITED],
        "seconds": data["seconds"],
    }


def record_download(actor: User, report: NationalReport, kind: str) -> None:
    _require_national(actor)
    record_event(
        actor,
        "national.report-download",
        report,
        detail={"period": report.period_label, "format": kind},
    )
