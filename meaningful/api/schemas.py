"""What the API accepts and returns."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from ninja import Schema
from pydantic import AfterValidator, ConfigDict, Field
from pydantic_core import PydanticCustomError

from meaningful.text import LONG_TEXT, REASON_TEXT, text_problem


def _storable(text: str) -> str:
    problem = text_problem(text, limit=None)
    if problem:
        raise PydanticCustomError("unstorable_text", problem)
    return text


# Text is checked for the NUL character and for half of a surrogate pair, which no database can
# store; the OpenAPI document describes the first (its regular expressions cannot name the second).
STORABLE = {"pattern": "^[^\\u0000]*$"}


STORABLE_TEXT = AfterValidator(_storable)

LongText = Annotated[str, Field(max_length=LONG_TEXT, json_schema_extra=STORABLE), STORABLE_TEXT]
ShortText = Annotated[str, Field(max_length=300, json_schema_extra=STORABLE), STORABLE_TEXT]
Name = Annotated[str, Field(max_length=100, json_schema_extra=STORABLE), STORABLE_TEXT]
Code = Name
Postcode = Annotated[str, Field(max_length=10, json_schema_extra=STORABLE), STORABLE_TEXT]
Description = Annotated[str, Field(max_length=500, json_schema_extra=STORABLE), STORABLE_TEXT]
OptionalReason = Annotated[
    str, Field(max_length=REASON_TEXT, json_schema_extra=STORABLE), STORABLE_TEXT
]
Reason = Annotated[
    str,
    Field(
        min_length=1,
        max_length=REASON_TEXT,
        json_schema_extra=STORABLE,
        description="why the change is made; it is kept",
    ),
    STORABLE_TEXT,
]


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
    version: int
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


SearchWords = Annotated[
    str, Field(min_length=1, max_length=200, json_schema_extra=STORABLE), STORABLE_TEXT
]
SearchField = Literal["what_matters", "why_it_matters", "working", "not_working", "story"]


class SearchFilter(Schema):
    model_config = ConfigDict(extra="forbid")

    q: SearchWords = Field(
        description='words to look for: "quoted words" side by side, OR for either, -word to '
        "leave out",
    )
    field: SearchField | None = Field(None, description="look in this part of the record only")
    team: int | None = Field(None, ge=1, description="one of the user's teams (its id)")
    held_from: date | None = Field(None, description="conversations held on or after this day")
    held_to: date | None = Field(None, description="conversations held on or before this day")
    page: int = Field(1, ge=1, le=100_000)


class SearchHit(Schema):
    person: str = Field(description="the person's name, or their pseudonym for an analyst")
    person_id: UUID | None = Field(description="null when pseudonymised")
    conversation_id: UUID | None = Field(description="null when pseudonymised")
    outcome: str = Field(description="the outcome's name; empty for a conversation's story")
    field: SearchField
    held_on: date
    team: str
    extract: str = Field(description="plain text; anonymised when pseudonymised")
    marks: list[tuple[int, int]] = Field(
        description="[start, end) character offsets of the matching words in the extract"
    )


class SearchPage(Schema):
    count: int
    page: int
    pages: int
    pseudonymised: bool
    hits: list[SearchHit]


class ThemesFilter(Schema):
    model_config = ConfigDict(extra="forbid")

    held_from: date = Field(description="first day of conversations")
    held_to: date = Field(description="last day of conversations")
    team: int | None = Field(
        None, ge=1, description="one of the teams the user reports on (default: the organisation)"
    )
    field: Literal["not_working", "working"] = Field(
        "not_working", description="what people said is not working, or is working"
    )


class ThemeOut(Schema):
    number: int
    label: str = Field(description="suggested from the words; read the excerpts before naming it")
    words: list[str]
    nearest_outcome: str
    people: int = Field(description="distinct people behind the theme, never below the threshold")
    excerpts: list[str] = Field(description="anonymised, from people who agreed to share quotes")


class ThemesOut(Schema):
    scope: str
    held_from: date
    held_to: date
    field: str
    threshold: int
    people: int | None = Field(description="null when fewer than the threshold wrote in the field")
    smaller_themes_not_shown: int
    themes: list[ThemeOut]


class RecordIn(Schema):
    outcome: Code
    what_matters: LongText = ""
    why_it_matters: LongText = ""
    working: LongText = ""
    not_working: LongText = ""
    outcome_type: Code = ""
    contributions: list[Code] = Field(default_factory=list, max_length=10)
    worker_level: Code | None = None
    person_level: Code | None = None
    agreed_level: Code | None = None


class RecordOut(Schema):
    version: int
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
    framework: Code
    held_on: date
    kind: Code
    story: LongText = ""
    participants: ShortText = ""
    next_review_due: date | None = None
    records: list[RecordIn] = Field(max_length=200)


class ConversationOut(Schema):
    id: UUID
    version: int
    held_on: date
    kind: str
    status: str
    framework: str
    framework_version: str
    scale: str
    participants: str
    story: str
    next_review_due: date | None
    records: list[RecordOut]


class ActionOut(Schema):
    id: int
    version: int
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


BASED_ON = (
    'The version of the record this change is based on: its "version" as the API last gave '
    "it. Required; a change based on an older version is refused with 409."
)


class Change(Schema):
    """A change to one record: only the fields sent are changed."""

    model_config = ConfigDict(extra="forbid")

    version: int | None = Field(None, ge=1, le=2_000_000_000, description=BASED_ON)


class AgreeIn(Change):
    pass


class ConversationChange(Change):
    reason: Reason
    held_on: date | None = None
    participants: ShortText | None = None
    story: LongText | None = None
    next_review_due: date | None = None


class RecordChange(Change):
    reason: Reason
    what_matters: LongText | None = None
    why_it_matters: LongText | None = None
    working: LongText | None = None
    not_working: LongText | None = None
    outcome_type: Code | None = None
    contributions: list[Code] | None = Field(None, max_length=10)
    worker_level: Code | None = None
    person_level: Code | None = None
    agreed_level: Code | None = None


class ActionChange(Change):
    reason: OptionalReason = ""
    description: Description | None = None
    owner: Code | None = None
    owner_name: Name | None = None
    due_on: date | None = None
    status: Code | None = None


class PersonChange(Change):
    reason: Reason
    given_name: Name | None = None
    family_name: Name | None = None
    preferred_name: Name | None = None
    date_of_birth: date | None = None
    postcode: Postcode | None = None
    sex: Code | None = None
    client_group: Code | None = None
    is_carer: bool | None = None
    about_me: LongText | None = None


class ConflictOut(Schema):
    detail: str
    version: int = Field(description="the version saved now: send it with the change to save yours")
    current: dict[str, Any] = Field(description="the record as saved now")
    saved_by: str | None
    saved_at: datetime | None
