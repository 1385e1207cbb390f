"""Search across narratives: what people said, found by meaning-bearing words, for those who may read it.

Practitioners and team leaders search the records of the people on their teams' caseload (as
meaningful.accounts.access.reachable_people says) and see names, with a link to the
conversation. Analysts search only the words of people whose agreement to share anonymised
quotes is in force today (access.quotable_people), and see a pseudonym, never a name or a link,
and extracts with names, places and dates taken out. Everyone else is refused.

Who may be found is part of the query itself, so the count and every page are right. Each
search is audited without its words: see docs/search.md for why.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db.models import F, IntegerField, QuerySet, Value
from django.urls import reverse
from django.utils.safestring import SafeString

from meaningful.accounts.access import care_teams, quotable_people, reachable_people
from meaningful.accounts.models import Membership, Role, Team, User
from meaningful.analysis.anonymise import anonymise
from meaningful.audit.services import record_event
from meaningful.conversations.models import Conversation, OutcomeRecord
from meaningful.errors import NotAllowed
from meaningful.interop.tabular.export import pseudonym
from meaningful.people.models import Person
from meaningful.search.highlight import as_html, as_text_and_marks, best_marked, marked_fields
from meaningful.search.index import RECORD_FIELDS, record_match, story_match
from meaningful.search.query import SearchQuery

PAGE_SIZE = 20
STORY = "story"
FIELDS = {
    "what_matters": "What matters",
    "why_it_matters": "Why it matters",
    "working": "What is working",
    "not_working": "What is not working",
    STORY: "Story of the conversation",
}
NOT_ALLOWED = (
    "Searching narratives is for practitioners and team leaders (their teams' caseload) and "
    "for analysts (words people agreed to share)."
)


@dataclass(frozen=True)
class Scope:
    """Whose narratives the user may search, and whether they see them pseudonymised.

    A caseload is small, so its search reads the caseload's records and checks each against
    the index; an organisation-wide scope starts from the index (see docs/search.md).
    """

    people: QuerySet[Person]
    teams: QuerySet[Team]
    pseudonymised: bool
    caseload: bool


def search_scope(user: User) -> Scope:
    """The user's scope; NotAllowed for roles that may not search narratives."""
    teams = care_teams(user)
    if teams.exists():
        people = reachable_people(user).filter(erased_at__isnull=True)
        return Scope(people, teams, pseudonymised=False, caseload=not user.is_system)
    organisations = Membership.objects.filter(user=user, role=Role.ANALYST).values("organisation")
    if organisations.exists():
        in_organisation = Team.objects.filter(service__organisation__in=organisations)
        return Scope(quotable_people(user), in_organisation, pseudonymised=True, caseload=False)
    raise NotAllowed(NOT_ALLOWED)


@dataclass(frozen=True)
class Criteria:
    """One search: the parsed words and the optional filters."""

    query: SearchQuery
    field: str = ""
    team: Team | None = None
    held_from: date | None = None
    held_to: date | None = None


@dataclass(frozen=True)
class Hit:
    """One narrative found, ready to show."""

    who: str
    outcome: str
    field: str  # the part of the record the extract comes from
    held_on: date
    team: str
    marked: str  # the extract, its matches between the highlighter's markers
    link: str
    person_id: str  # for the audit, never shown
    conversation_id: str  # empty when pseudonymised

    @property
    def field_label(self) -> str:
        return FIELDS[self.field]

    @property
    def extract(self) -> SafeString:
        """The extract as HTML, its matches in <mark> elements."""
        return as_html(self.marked)

    def text_and_marks(self) -> tuple[str, list[tuple[int, int]]]:
        """The extract as plain text, and the character spans of its matches."""
        return as_text_and_marks(self.marked)


@dataclass(frozen=True)
class Results:
    page: Page[Any]
    hits: list[Hit]
    pseudonymised: bool


def _matching(scope: Scope, criteria: Criteria) -> QuerySet[Any]:
    """Every narrative the criteria find in the scope, newest first, as (source, record, conversation, day)."""
    records = OutcomeRecord.objects.filter(conversation__person__in=scope.people.values("pk"))
    stories = Conversation.objects.filter(person__in=scope.people.values("pk")).exclude(story="")
    if criteria.team is not None:
        records = records.filter(conversation__team=criteria.team)
        stories = stories.filter(team=criteria.team)
    if criteria.held_from is not None:
        records = records.filter(conversation__held_on__gte=criteria.held_from)
        stories = stories.filter(held_on__gte=criteria.held_from)
    if criteria.held_to is not None:
        records = records.filter(conversation__held_on__lte=criteria.held_to)
        stories = stories.filter(held_on__lte=criteria.held_to)
    field = criteria.field or None
    record_field = None if field == STORY else field  # a story is not a record's field
    found_records = (
        records.filter(record_match(criteria.query, record_field, from_people=scope.caseload))
        .annotate(
            source=Value("record"),
            record_pk=F("pk"),
            conversation_pk=F("conversation_id"),
            day=F("conversation__held_on"),
        )
        .values_list("source", "record_pk", "conversation_pk", "day")
        .order_by()
    )
    found_stories = (
        stories.filter(story_match(criteria.query, from_people=scope.caseload))
        .annotate(
            source=Value(STORY),
            record_pk=Value(None, output_field=IntegerField()),
            conversation_pk=F("pk"),
            day=F("held_on"),
        )
        .values_list("source", "record_pk", "conversation_pk", "day")
        .order_by()
    )
    chosen: QuerySet[Any]
    if field == STORY:
        chosen = found_stories
    elif field:
        chosen = found_records
    else:
        chosen = found_records.union(found_stories, all=True)
    return chosen.order_by("-day", "conversation_pk", "source", "record_pk")


def search_narratives(
    user: User,
    criteria: Criteria,
    page_number: Any = 1,
    *,
    purpose: str = "search",
    scope: Scope | None = None,
) -> Results:
    """One page of the narratives the user may read that match; the search is audited. Give
    the user's `scope` when it is already at hand, to save asking for it again."""
    scope = scope or search_scope(user)
    if criteria.team is not None and not scope.teams.filter(pk=criteria.team.pk).exists():
        raise NotAllowed("Choose one of your teams, or any team.")
    page = Paginator(_matching(scope, criteria), PAGE_SIZE).get_page(page_number)
    hits = _hits(list(page.object_list), criteria, scope.pseudonymised)
    record_event(
        user,
        "search.narratives",
        purpose=purpose,
        detail={
            "query_digest": query_digest(criteria.query),
            "phrases": criteria.query.phrase_count,
            "field": criteria.field,
            "team": criteria.team.pk if criteria.team else None,
            "from": criteria.held_from.isoformat() if criteria.held_from else None,
            "to": criteria.held_to.isoformat() if criteria.held_to else None,
            "found": page.paginator.count,
            "page": page.number,
            "people_shown": sorted({hit.person_id for hit in hits}),
            "pseudonymised": scope.pseudonymised,
        },
    )
    return Results(page, hits, scope.pseudonymised)


def query_digest(query: SearchQuery) -> str:
    """A keyed digest of the search words: the same search always gives the same digest, and
    the words cannot be read back without the installation's key."""
    key = (settings.PSEUDONYM_KEY or settings.SECRET_KEY).encode()
    return hmac.new(key, f"search:{query.websearch()}".encode(), hashlib.sha256).hexdigest()[:32]


def _hits(rows: list[tuple[Any, ...]], criteria: Criteria, pseudonymised: bool) -> list[Hit]:
    record_ids = [row[1] for row in rows if row[0] == "record"]
    records = OutcomeRecord.objects.select_related("outcome").in_bulk(record_ids)
    conversations = Conversation.objects.select_related("person", "team", "practitioner").in_bulk(
        [row[2] for row in rows]
    )
    documents, readers = [], []
    for source, record_id, conversation_id, _ in rows:
        conversation = conversations[conversation_id]
        if source == "record":
            record = records[record_id]
            texts = {name: getattr(record, name) for name in RECORD_FIELDS}
        else:
            record, texts = None, {STORY: conversation.story}
        if criteria.field:
            texts = {criteria.field: texts[criteria.field]}
        if pseudonymised:
            names = conversation.known_names()
            texts = {name: anonymise(text, names) for name, text in texts.items()}
        documents.append(texts)
        readers.append((conversation, record))
    column = criteria.field if criteria.field and criteria.field != STORY else None
    marked = marked_fields(documents, criteria.query, column)
    hits = []
    for (conversation, record), texts, extracts in zip(readers, documents, marked, strict=True):
        name, marked_extract = best_marked(extracts, texts)
        person = conversation.person
        hits.append(
            Hit(
                who=pseudonym(person.pk) if pseudonymised else person.display_name,
                outcome=record.outcome.name if record is not None else "",
                field=name,
                held_on=conversation.held_on,
                team=conversation.team.name,
                marked=marked_extract,
                link="" if pseudonymised else reverse("conversation", args=[conversation.pk]),
                person_id=str(person.pk),
                conversation_id="" if pseudonymised else str(conversation.pk),
            )
        )
    return hits
