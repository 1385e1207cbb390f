"""Everything the person page shows, gathered after one audited read of the record."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from functools import cached_property

from django.utils import timezone

from meaningful.accounts.access import reachable_people
from meaningful.accounts.models import User
from meaningful.audit.models import Revision
from meaningful.audit.services import revisions_of
from meaningful.conversations.models import (
    Conversation,
    ConversationKind,
    ConversationStatus,
    OutcomeRecord,
)
from meaningful.people.journey_chart import JourneyPoint, OutcomeJourney, journey_svg
from meaningful.people.models import Consent, ConsentPurpose, Person
from meaningful.people.services import read_person
from meaningful.plans.models import Action, PlanStatus, SupportPlan


@dataclass(frozen=True)
class Link:
    """Someone related to the person; ``person`` is None when the viewer may not open them."""

    description: str
    name: str
    person: Person | None


@dataclass(frozen=True)
class JourneyRow:
    """One point of an outcome's journey with the words behind it."""

    conversation: Conversation
    record: OutcomeRecord


@dataclass
class Journey:
    """One outcome across the person's conversations: chart, first vs latest, and the words."""

    code: str
    name: str
    rows: list[JourneyRow] = field(default_factory=list)
    svg: str = ""

    @property
    def first(self) -> JourneyRow:
        return self.rows[0]

    @property
    def latest(self) -> JourneyRow:
        return self.rows[-1]

    @property
    def direction(self) -> str:
        """'better', 'same', 'worse' or '' comparing the first and latest agreed levels."""
        first, latest = self.first.record.agreed_level, self.latest.record.agreed_level
        if len(self.rows) < 2 or first is None or latest is None:
            return ""
        if first.rank is None or latest.rank is None:
            return ""
        return (
            "better"
            if latest.rank > first.rank
            else "worse"
            if latest.rank < first.rank
            else "same"
        )


@dataclass
class PersonPage:
    person: Person
    about_me_history: list[Revision]
    carers: list[Link]
    caring_for: list[Link]
    conversations: list[Conversation]
    plan: SupportPlan | None
    actions_due: list[Action]
    journeys: list[Journey]
    today: date
    consents: list[Consent] = field(default_factory=list)

    @cached_property
    def latest_agreed(self) -> Conversation | None:
        """The latest conversation agreed with the person: it sets the next review."""
        agreed = [c for c in self.conversations if c.status == ConversationStatus.AGREED]
        return agreed[-1] if agreed else None

    @property
    def drafts(self) -> list[Conversation]:
        return [c for c in self.conversations if c.status == ConversationStatus.DRAFT]

    @property
    def review_overdue(self) -> bool:
        latest = self.latest_agreed
        return bool(
            latest is not None
            and latest.kind != ConversationKind.EXIT
            and latest.next_review_due is not None
            and latest.next_review_due < self.today
        )

    @property
    def sharing_agencies(self) -> list[Consent]:
        """Consents in force today to share with a named agency."""
        return [
            c
            for c in self.consents
            if c.purpose == ConsentPurpose.SHARE_WITH_AGENCY and c.in_force_on(self.today)
        ]

    @property
    def quotes_agreed(self) -> bool:
        return any(
            c.purpose == ConsentPurpose.SHARE_ANONYMISED_QUOTES and c.in_force_on(self.today)
            for c in self.consents
        )


def _about_me_history(person: Person) -> list[Revision]:
    """Return the earlier versions of 'About me' whose words differ from what came after them."""
    revisions = revisions_of(person)
    if not revisions:
        return []
    later = [r.data.get("about_me", "") for r in revisions[1:]] + [person.about_me]
    return [
        r for r, after in zip(revisions, later, strict=True) if r.data.get("about_me", "") != after
    ]


def _links(viewer: User, pairs: list[tuple[str, Person]]) -> list[Link]:
    visible = set(
        reachable_people(viewer)
        .filter(pk__in=[p.pk for _, p in pairs])
        .values_list("pk", flat=True)
    )
    return [
        Link(description, other.display_name, other if other.pk in visible else None)
        for description, other in pairs
    ]


def _journeys(conversations: list[Conversation]) -> list[Journey]:
    journeys: dict[str, Journey] = {}
    records = (
        OutcomeRecord.objects.filter(conversation__in=conversations)
        .select_related("outcome", "agreed_level", "worker_level", "person_level", "conversation")
        .order_by("conversation__held_on", "conversation__created_at", "outcome__position")
    )
    for record in records:
        journey = journeys.setdefault(
            record.outcome.code, Journey(record.outcome.code, record.outcome.name)
        )
        journey.rows.append(JourneyRow(record.conversation, record))
    labels_by_scale: dict[int, tuple[str, ...]] = {}
    for journey in journeys.values():
        scale = journey.rows[0].conversation.scale
        if scale.pk not in labels_by_scale:  # one query per scale, not one per outcome
            labels_by_scale[scale.pk] = tuple(
                level.label for level in scale.levels.all() if level.rank is not None
            )
        labels = labels_by_scale[scale.pk]
        points = tuple(
            JourneyPoint(
                held_on=row.conversation.held_on,
                kind=row.conversation.kind,
                level_label=row.record.agreed_level.label if row.record.agreed_level else None,
                rank=row.record.agreed_level.rank if row.record.agreed_level else None,
            )
            for row in journey.rows
        )
        journey.svg = journey_svg(OutcomeJourney(journey.code, journey.name, labels, points))
    return list(journeys.values())


def person_page(viewer: User, person_id: str) -> PersonPage:
    """Open a person's record for the viewer (audited) and gather what the page shows."""
    person = read_person(viewer, person_id, purpose="person page")
    today = timezone.localdate()
    conversations = list(
        person.conversations.select_related("framework", "scale", "practitioner", "team").order_by(
            "held_on", "created_at"
        )
    )
    plan = person.plans.filter(status=PlanStatus.ACTIVE).order_by("-starts_on").first()
    actions_due = (
        list(plan.actions.exclude(status__in=["done", "dropped"]).select_related("outcome"))
        if plan
        else []
    )
    return PersonPage(
        person=person,
        about_me_history=_about_me_history(person),
        carers=_links(
            viewer, [(r.description, r.carer) for r in person.cared_for_by.select_related("carer")]
        ),
        caring_for=_links(
            viewer,
            [(r.description, r.cared_for) for r in person.caring_for.select_related("cared_for")],
        ),
        conversations=conversations,
        plan=plan,
        actions_due=actions_due,
        # Only agreed levels make the journey, as in reports: a draft's are not yet agreed.
        journeys=_journeys([c for c in conversations if c.status == ConversationStatus.AGREED]),
        today=today,
        consents=list(
            person.consents.select_related("recorded_by", "withdrawal_recorded_by").order_by(
                "-given_on", "-recorded_at"
            )
        ),
    )
