"""What the API accepts and returns."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from ninja import Schema
from pydantic import ConfigDict, Field


class Problem(Schema):
    detail: str
    errors: dict[str, str] = Field(default_factory=dict)


class LevelOut(Schema):
    code: str
    label: str
    rank: int | None


class OutcomeOut(Schema):
    code: str
    name: str
    category: str
    outcome_type: str
    description: str


class FrameworkOut(Schema):
    slug: str
    version: str
    name: str
    population: str
    default_scale: str
    levels: list[LevelOut]
    outcomes: list[OutcomeOut]


class PersonSummary(Schema):
    id: UUID
    given_name: str
    family_name: str
    date_of_birth: date | None
    is_carer: bool


class IdentifierOut(Schema):
    system: str
    value: str


class PersonOut(PersonSummary):
    preferred_name: str
    postcode: str
    sex: str
    client_group: str
    about_me: str
    identifiers: list[IdentifierOut]


class PeopleFilter(Schema):
    model_config = ConfigDict(extra="forbid")  # a misspelt parameter is an error, not ignored

    q: str = Field("", max_length=100, description="name, identifier or date of birth")
    page: int = Field(1, ge=1, le=100_000)


class PersonPage(Schema):
    count: int
    page: int
    people: list[PersonSummary]


class RecordIn(Schema):
    outcome: str
    what_matters: str = ""
    why_it_matters: str = ""
    working: str = ""
    not_working: str = ""
    outcome_type: str = ""
    contributions: list[str] = Field(default_factory=list)
    worker_level: str | None = None
    person_level: str | None = None
    agreed_level: str | None = None


class RecordOut(Schema):
    outcome: str
    what_matters: str
    why_it_matters: str
    working: str
    not_working: str
    outcome_type: str
    contributions: list[str]
    worker_level: str | None
    person_level: str | None
    agreed_level: str | None


class ConversationIn(Schema):
    framework: str
    held_on: date
    kind: str
    story: str = ""
    participants: str = ""
    next_review_due: date | None = None
    records: list[RecordIn]


class ConversationOut(Schema):
    id: UUID
    held_on: date
    kind: str
    status: str
    framework: str
    framework_version: str
    scale: str
    story: str
    next_review_due: date | None
    records: list[RecordOut]


class ActionOut(Schema):
    id: int
    description: str
    owner: str
    owner_name: str
    due_on: date | None
    status: str
    outcome: str | None


class PlanOut(Schema):
    id: UUID
    starts_on: date
    review_due: date | None
    status: str
    actions: list[ActionOut]
