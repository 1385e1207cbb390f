"""Themes across a team's or an organisation's narratives, under the reports' rules.

Who may ask for which team or organisation is the reports' rule (`reports.builder.resolve_scope`)
for those who use the coding workbench: practitioners and team leaders their own teams,
analysts and organisation administrators any team of their organisation or the whole of it.
Everyone's words in scope count towards the themes, as everyone's ratings count towards a
report's figures; only the words of people whose agreement to share anonymised quotes is in
force today are shown, anonymised, as in reports. A theme of fewer people than the
organisation's disclosure threshold is not shown (only how many such themes there were), and no
count of fewer people than the threshold is ever given. Every request is audited with ids and
counts, never words. The method is in `meaningful.analysis.themes` and docs/coding.md.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any, Final

import numpy as np
from django.db.models import Q
from django.utils import timezone

from meaningful.accounts.access import reportable_teams
from meaningful.accounts.models import Organisation, Team, User
from meaningful.analysis.anonymise import anonymise
from meaningful.analysis.embedding import embed
from meaningful.analysis.themes import Sentence, find_themes, for_embedding, sentences_of
from meaningful.audit.services import record_event
from meaningful.coding.scope import coding_organisation
from meaningful.coding.services import PURPOSE
from meaningful.conversations.models import ConversationStatus, OutcomeRecord
from meaningful.errors import NotFound
from meaningful.frameworks.models import Outcome
from meaningful.people.models import Consent, ConsentPurpose, Relationship
from meaningful.reports.builder import resolve_scope

FIELDS: Final = {"not_working": "What is not working", "working": "What is working"}
NO_SUCH_SCOPE: Final = "No such team or organisation among those you report on."
EXCERPTS: Final = 3  # per theme, from different people, as reports show per figure


@dataclass(frozen=True)
class ThemeRequest:
    """Which narratives to group: a team (or the whole organisation), a period and a field."""

    organisation: Organisation
    team: Team | None
    start: date
    end: date
    field: str = "not_working"


@dataclass(frozen=True)
class ShownTheme:
    """A theme as it may be shown: at least the threshold of people stand behind it."""

    number: int
    label: str
    words: tuple[str, ...]
    outcome: str
    people: int
    excerpts: tuple[str, ...]  # anonymised, from consenting people only

    def as_dict(self) -> dict[str, Any]:
        """The theme as the command's JSON and the API give it."""
        return {
            "number": self.number,
            "label": self.label,
            "words": list(self.words),
            "nearest_outcome": self.outcome,
            "people": self.people,
            "excerpts": list(self.excerpts),
        }


@dataclass(frozen=True)
class ThemeReport:
    """The themes of one request, with what may be said about what was left out."""

    scope: str
    start: date
    end: date
    field: str
    threshold: int
    people: int | None  # None when fewer than the threshold wrote anything in the field
    themes: tuple[ShownTheme, ...]
    smaller: int

    @property
    def field_label(self) -> str:
        return FIELDS[self.field]


def theme_scopes(user: User) -> list[tuple[str, str]]:
    """The scopes the user may ask themes of, as form choices: the whole organisation when they
    report on every team of it, then each team they report on. NotAllowed for those who do not code."""
    organisation = coding_organisation(user)
    teams = list(
        reportable_teams(user).filter(service__organisation=organisation).order_by("name", "pk")
    )
    every = set(
        Team.objects.filter(service__organisation=organisation).values_list("pk", flat=True)
    )
    choices = []
    if every and every <= {team.pk for team in teams}:
        choices.append((f"org-{organisation.pk}", f"{organisation.name} (whole organisation)"))
    choices += [(f"team-{team.pk}", team.name) for team in teams]
    return choices


def theme_request(scope: str, start: date, end: date, field: str) -> ThemeRequest:
    """The request for a scope choice ("org-<id>" or "team-<id>"); NotFound for any other."""
    kind, _, number = scope.partition("-")
    if not number.isdigit():
        raise NotFound(NO_SUCH_SCOPE)
    if kind == "team":
        team = Team.objects.select_related("service__organisation").filter(pk=int(number)).first()
        if team is not None:
            return ThemeRequest(team.service.organisation, team, start, end, field)
    elif kind == "org":
        organisation = Organisation.objects.filter(pk=int(number)).first()
        if organisation is not None:
            return ThemeRequest(organisation, None, start, end, field)
    raise NotFound(NO_SUCH_SCOPE)


def _teams(user: User, request: ThemeRequest) -> tuple[str, list[Team]]:
    """The scope's name and teams, if the user may see its reports; NotFound otherwise."""
    if request.team is not None and request.team.service.organisation_id != request.organisation.pk:
        raise NotFound(NO_SUCH_SCOPE)
    try:
        if request.team is not None:
            scope, teams = resolve_scope(user, "team", request.team.pk)
        else:
            scope, teams = resolve_scope(user, "org", request.organisation.pk)
    except NotFound as error:  # the reports' message speaks of their own options
        raise NotFound(NO_SUCH_SCOPE) from error
    return scope.name, teams


def _names(records: list[OutcomeRecord]) -> dict[object, list[str]]:
    """Per person: the names an excerpt of theirs must not show (theirs, their carers', staff's)."""
    names: dict[object, list[str]] = defaultdict(list)
    people = {record.conversation.person_id for record in records}
    links = Relationship.objects.filter(Q(carer__in=people) | Q(cared_for__in=people))
    for link in links.select_related("carer", "cared_for"):
        for one, other in ((link.carer, link.cared_for), (link.cared_for, link.carer)):
            names[one.pk] += [other.given_name, other.family_name]
    for record in records:
        person, staff = record.conversation.person, record.conversation.practitioner
        names[person.pk] += [person.given_name, person.family_name, person.preferred_name]
        names[person.pk] += [staff.first_name, staff.last_name]
    return {key: [n for n in dict.fromkeys(value) if n] for key, value in names.items()}


def _sentences(teams: list[Team], request: ThemeRequest) -> list[Sentence]:
    """Every anonymised sentence of the field in agreed conversations of the scope and period,
    people keyed by id."""
    records = list(
        OutcomeRecord.objects.filter(
            conversation__team__in=teams,
            conversation__held_on__gte=request.start,
            conversation__held_on__lte=request.end,
            conversation__person__erased_at__isnull=True,
            conversation__status=ConversationStatus.AGREED,  # as reports: drafts may still change
        )
        .exclude(**{request.field: ""})
        .select_related("conversation__person", "conversation__practitioner", "outcome")
        .order_by("conversation__held_on", "pk")
    )
    hide = _names(records)
    found = []
    for record in records:
        person = record.conversation.person_id
        for text in sentences_of(getattr(record, request.field)):
            found.append(
                Sentence(
                    anonymise(text, hide.get(person, [])),
                    str(person),
                    str(record.conversation.team_id),
                    record.outcome.name,
                )
            )
    return found


def _outcome_vectors(sentences: list[Sentence]) -> dict[str, np.ndarray]:
    """A unit vector per outcome named in the sentences: its name and description embedded."""
    names = sorted({s.outcome for s in sentences})
    outcomes: dict[str, str] = {}
    for outcome in Outcome.objects.filter(name__in=names).order_by("name", "pk"):
        outcomes.setdefault(outcome.name, f"{outcome.name}. {outcome.description}")
    if not outcomes:
        return {}
    keys = sorted(outcomes)
    vectors = embed([outcomes[key] for key in keys])
    return {key: vectors[i] for i, key in enumerate(keys)}


def _vectors(sentences: list[Sentence]) -> np.ndarray:
    """One vector per sentence, embedding each distinct text once."""
    distinct = sorted({s.text for s in sentences})
    vectors = embed([for_embedding(text) for text in distinct])
    row = {text: i for i, text in enumerate(distinct)}
    return vectors[[row[s.text] for s in sentences]] if sentences else vectors


def _consenting(people: set[str]) -> set[str]:
    today = timezone.localdate()
    consents = Consent.objects.in_force(today).filter(
        purpose=ConsentPurpose.SHARE_ANONYMISED_QUOTES, person__in=people
    )
    return {str(pk) for pk in consents.values_list("person_id", flat=True)}


def narrative_themes(user: User, request: ThemeRequest) -> ThemeReport:
    """The themes the user may see for the request; NotAllowed for those who do not code,
    NotFound for a scope they may not report on. Audited with ids and counts only."""
    coding_organisation(user)
    if request.field not in FIELDS:
        raise ValueError(f"The field is one of {sorted(FIELDS)}.")
    name, teams = _teams(user, request)
    threshold = request.organisation.disclosure_threshold
    sentences = _sentences(teams, request)
    found = find_themes(sentences, _vectors(sentences), threshold, _outcome_vectors(sentences))
    consenting = _consenting({s.person for s in sentences})
    shown, quoted = [], []
    for number, theme in enumerate(found.themes, start=1):
        chosen = [i for i in theme.representatives if sentences[i].person in consenting]
        chosen = chosen[:EXCERPTS]
        quoted += [sentences[i].person for i in chosen]
        shown.append(
            ShownTheme(
                number=number,
                label=theme.label,
                words=theme.words,
                outcome=theme.outcome,
                people=theme.people,
                excerpts=tuple(sentences[i].text for i in chosen),
            )
        )
    people = len({s.person for s in sentences})
    report = ThemeReport(
        scope=name,
        start=request.start,
        end=request.end,
        field=request.field,
        threshold=threshold,
        people=people if people >= threshold else None,
        themes=tuple(shown),
        smaller=found.smaller,
    )
    record_event(
        user,
        "coding.themes.read",
        purpose=PURPOSE,
        detail={
            "organisation": request.organisation.pk,
            "team": request.team.pk if request.team else None,
            "from": request.start.isoformat(),
            "to": request.end.isoformat(),
            "field": request.field,
            "sentences": len(sentences),
            "themes": len(shown),
            "smaller": found.smaller,
            "people_quoted": sorted(set(quoted)),
        },
    )
    return report
