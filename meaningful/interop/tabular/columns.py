"""Recognising the columns of an outcomes spreadsheet by their headings, or by a mapping file."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

# Our field -> headings people use for it (compared after normalising case, spaces, punctuation).
HEADINGS: dict[str, tuple[str, ...]] = {
    "person_id": (
        "person id",
        "client id",
        "client ref",
        "client reference",
        "person ref",
        "service user id",
        "local id",
        "id",
        "case id",
        "swift id",
        "carefirst id",
    ),
    "family_name": ("surname", "family name", "last name", "lastname"),
    "given_name": ("forename", "first name", "given name", "firstname", "forenames"),
    "date_of_birth": ("date of birth", "dob", "birth date", "d o b"),
    "postcode": ("postcode", "post code"),
    "service": ("service", "service name"),
    "team": ("team", "team name"),
    "worker": ("worker", "practitioner", "key worker", "keyworker", "staff", "assessor"),
    "held_on": (
        "conversation date",
        "date",
        "review date",
        "assessment date",
        "date of conversation",
        "meeting date",
    ),
    "kind": ("conversation type", "type", "review type", "conversation", "stage"),
    "outcome": ("outcome", "personal outcome", "outcome area", "talking point"),
    "rating": ("rating", "score", "level", "outcome rating", "status", "met"),
    "what_matters": (
        "what matters",
        "what matters to me",
        "what matters to the person",
        "in their words",
        "what is important",
    ),
    "why_it_matters": ("why it matters", "why", "why it matters to me"),
    "working": ("whats working", "what is working", "working", "strengths"),
    "not_working": ("whats not working", "what is not working", "not working", "barriers"),
    "actions": ("actions", "action", "actions agreed", "next steps", "what will happen"),
}
REQUIRED = ("person_id", "held_on", "outcome")
LABELS = {
    "person_id": "person id",
    "family_name": "surname",
    "given_name": "forename",
    "date_of_birth": "date of birth",
    "postcode": "postcode",
    "service": "service",
    "team": "team",
    "worker": "worker",
    "held_on": "conversation date",
    "kind": "conversation type",
    "outcome": "outcome",
    "rating": "rating",
    "what_matters": "what matters",
    "why_it_matters": "why it matters",
    "working": "what's working",
    "not_working": "what's not working",
    "actions": "actions",
}


def normalise_heading(text: str) -> str:
    """Lower-case, drop punctuation, collapse spaces: "What's  Working?" -> "whats working"."""
    text = text.replace("\ufeff", "").lower().replace("'", "").replace("\u2019", "")
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text).split())


class ColumnError(ValueError):
    """The headings cannot be matched to what an import needs."""


@dataclass(frozen=True)
class Columns:
    """Where each field is in the rows, and the headings that were not used."""

    positions: dict[str, int]
    ignored: list[str]

    def heading(self, field: str) -> str:
        return LABELS.get(field, field)


def read_mapping(path: Path) -> dict[str, str]:
    """Read a mapping file: JSON {"columns": {"Heading in the file": "field", ...}}."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        columns = data["columns"]
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise ColumnError(
            f"{path} is not a mapping file. Write JSON like "
            '{"columns": {"Client Ref": "person_id", "Outcome Area": "outcome"}}.'
        ) from error
    unknown = sorted(set(columns.values()) - set(HEADINGS))
    if unknown:
        raise ColumnError(f"The mapping names unknown fields {unknown}; use {sorted(HEADINGS)}.")
    return {normalise_heading(heading): field for heading, field in columns.items()}


def match_columns(header: list[str], mapping: dict[str, str] | None = None) -> Columns:
    """Find each field's column; a required field without a column stops the import."""
    lookup = {normalise_heading(h): field for field, headings in HEADINGS.items() for h in headings}
    lookup.update(mapping or {})
    positions: dict[str, int] = {}
    ignored: list[str] = []
    for index, heading in enumerate(header):
        field = lookup.get(normalise_heading(heading))
        if field is None or field in positions:
            if heading.strip():
                ignored.append(heading)
            continue
        positions[field] = index
    missing = [LABELS[field] for field in REQUIRED if field not in positions]
    if missing:
        raise ColumnError(
            f"No column for: {', '.join(missing)}. Name the columns (for example 'Person ID', "
            "'Conversation date', 'Outcome') or give a mapping file with --mapping."
        )
    return Columns(positions=positions, ignored=ignored)
