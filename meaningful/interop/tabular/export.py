"""Exports of outcome records: identifiable for the care team, pseudonymised for analysts.

Every cell a spreadsheet could run as a formula is neutralised. The pseudonymised extract
replaces identifiers with a keyed hash, the date of birth with an age band and the postcode
with its district, and leaves out what people said unless asked for and consented to.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.conf import settings
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from meaningful.accounts.access import care_teams, reachable_people
from meaningful.accounts.models import Membership, Organisation, Role, User
from meaningful.audit.services import record_event
from meaningful.conversations.models import OutcomeRecord
from meaningful.errors import NotAllowed
from meaningful.people.models import Consent, ConsentPurpose, Person

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
AGE_BANDS = ((0, 17), (18, 24), (25, 34), (35, 44), (45, 54), (55, 64), (65, 74), (75, 84))

IDENTIFIABLE_COLUMNS = [
    "person_id",
    "family_name",
    "given_name",
    "date_of_birth",
    "team",
    "conversation_date",
    "conversation_type",
    "framework",
    "framework_version",
    "outcome_code",
    "outcome",
    "agreed_level",
    "worker_level",
    "person_level",
    "what_matters",
    "why_it_matters",
    "working",
    "not_working",
]
PSEUDONYMISED_COLUMNS = [
    "pseudonym",
    "age_band",
    "sex",
    "client_group",
    "locality",
    "team",
    "conversation_date",
    "conversation_type",
    "framework",
    "framework_version",
    "outcome_code",
    "agreed_level",
    "worker_level",
    "person_level",
]
NARRATIVE_COLUMNS = ["what_matters", "working", "not_working"]


def neutralise(value: object) -> str:
    """Return the cell as text that no spreadsheet will run as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def pseudonym(person_id: object) -> str:
    """Return a stable keyed hash for a person: the same person always gets the same code."""
    key = (settings.PSEUDONYM_KEY or settings.SECRET_KEY).encode()
    digest = hmac.new(key, f"person:{person_id}".encode(), hashlib.sha256).hexdigest()
    return digest[:16]


def age_band(born: date | None, on: date) -> str:
    """Return the age band on a date ('65-74', '85+'), or 'unknown'."""
    if born is None:
        return "unknown"
    age = on.year - born.year - ((on.month, on.day) < (born.month, born.day))
    for low, high in AGE_BANDS:
        if low <= age <= high:
            return f"{low}-{high}"
    return "85+"


def locality(postcode: str) -> str:
    """Return the postcode district (outward code), e.g. 'DD1' from 'DD1 4HN'."""
    parts = postcode.upper().split()
    return parts[0] if parts else "unknown"


@dataclass(frozen=True)
class Extract:
    """The rows of an export with its column names, ready for CSV or XLSX."""

    columns: list[str]
    rows: list[list[str]]


def _records(people: QuerySet[Any]) -> QuerySet[OutcomeRecord]:
    return (
        OutcomeRecord.objects.filter(conversation__person__in=people)
        .select_related(
            "conversation__person",
            "conversation__team",
            "conversation__framework",
            "outcome",
            "agreed_level",
            "worker_level",
            "person_level",
        )
        .prefetch_related("conversation__person__identifiers")
        .order_by(
            "conversation__person__family_name",
            "conversation__person_id",
            "conversation__held_on",
            "outcome__position",
        )
    )


def _level(level: object) -> str:
    return getattr(level, "code", "") or ""


def identifiable_extract(actor: User) -> Extract:
    """Records of the people the actor may see, with names and words; audited as an export."""
    if not actor.is_system and not care_teams(actor).exists():
        raise NotAllowed("Only staff who work with a caseload export identifiable records.")
    records = list(_records(reachable_people(actor)))
    rows = []
    for record in records:
        person, conversation = record.conversation.person, record.conversation
        local = next(
            (i.value for i in person.identifiers.all() if i.system == "local"), str(person.pk)
        )
        rows.append(
            [
                local,
                person.family_name,
                person.given_name,
                str(person.date_of_birth or ""),
                conversation.team.name,
                str(conversation.held_on),
                conversation.kind,
                conversation.framework.slug,
                conversation.framework.version,
                record.outcome.code,
                record.outcome.name,
                _level(record.agreed_level),
                _level(record.worker_level),
                _level(record.person_level),
                record.what_matters,
                record.why_it_matters,
                record.working,
                record.not_working,
            ]
        )
    record_event(
        actor,
        "export.records",
        detail={"kind": "identifiable", "rows": len(rows), "people": len({r[0] for r in rows})},
    )
    return Extract(IDENTIFIABLE_COLUMNS, [[neutralise(cell) for cell in row] for row in rows])


def analyst_organisation(actor: User) -> Organisation:
    """Return the organisation whose pseudonymised extract the actor may take."""
    membership = (
        Membership.objects.filter(user=actor, role__in=[Role.ANALYST, Role.ORG_ADMIN])
        .select_related("organisation")
        .first()
    )
    if membership is None or membership.organisation is None:
        raise NotAllowed(
            "Only analysts and organisation administrators take pseudonymised extracts."
        )
    return membership.organisation


def pseudonymised_extract(actor: User, *, with_narratives: bool = False) -> Extract:
    """Every record of the actor's organisation without identifiers; words only where consented."""
    organisation = analyst_organisation(actor)
    consented = Consent.objects.in_force(timezone.localdate()).filter(
        person=OuterRef("pk"), purpose=ConsentPurpose.SHARE_ANONYMISED_QUOTES
    )
    people = Person.objects.filter(organisation=organisation).annotate(quotes=Exists(consented))
    quotes_allowed = set(people.filter(quotes=True).values_list("pk", flat=True))
    columns = PSEUDONYMISED_COLUMNS + (NARRATIVE_COLUMNS if with_narratives else [])
    rows = []
    for record in _records(people):
        person, conversation = record.conversation.person, record.conversation
        row = [
            pseudonym(person.pk),
            age_band(person.date_of_birth, conversation.held_on),
            person.sex,
            person.client_group,
            locality(person.postcode),
            conversation.team.name,
            str(conversation.held_on),
            conversation.kind,
            conversation.framework.slug,
            conversation.framework.version,
            record.outcome.code,
            _level(record.agreed_level),
            _level(record.worker_level),
            _level(record.person_level),
        ]
        if with_narratives:
            words = person.pk in quotes_allowed
            row += [
                record.what_matters if words else "",
                record.working if words else "",
                record.not_working if words else "",
            ]
        rows.append(row)
    record_event(
        actor,
        "export.records",
        detail={
            "kind": "pseudonymised",
            "rows": len(rows),
            "narratives": with_narratives,
            "organisation": organisation.slug,
        },
    )
    return Extract(columns, [[neutralise(cell) for cell in row] for row in rows])


def as_csv(extract: Extract) -> bytes:
    """Return the extract as CSV in UTF-8 with a byte order mark, which Excel opens correctly."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(extract.columns)
    writer.writerows(extract.rows)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def as_xlsx(extract: Extract) -> bytes:
    """Return the extract as an .xlsx workbook with every cell stored as text."""
    from openpyxl import Workbook  # a fifth of a second to import (with numpy): only for XLSX

    book = Workbook(write_only=True)
    sheet = book.create_sheet("records")
    sheet.append(extract.columns)
    for row in extract.rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def rows_of(extract: Extract) -> Iterator[dict[str, str]]:
    """Yield each row as a dict keyed by column name (for tests and other formats)."""
    for row in extract.rows:
        yield dict(zip(extract.columns, row, strict=True))
