"""How long a person's record must be kept, and the job that anonymises records whose time is up.

A record is kept while a legal hold is on it, while the person is supported (on a team's
caseload, unless their latest agreed conversation was an exit), and for
MEANINGFUL_RETENTION_YEARS_AFTER_LAST_CONTACT years after the last contact (their latest
conversation, or the end of their latest place on a caseload). Someone who was a child at that
contact is kept at least until they reach MEANINGFUL_RETENTION_CHILD_UNTIL_AGE. Erasure is
refused while any of this applies; the retention job anonymises what it no longer covers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.conf import settings
from django.db.models import Exists, OuterRef, QuerySet, Subquery
from django.utils import timezone

from meaningful.accounts.models import Membership, Role, User
from meaningful.audit.services import record_event
from meaningful.conversations.models import Conversation, ConversationKind, ConversationStatus
from meaningful.people.anonymisation import anonymise_person
from meaningful.people.models import Allocation, Person
from meaningful.web.dates import long_date

CHILD_UNDER = 18


@dataclass(frozen=True)
class ContactFacts:
    """What the retention rules look at for one person."""

    hold: str
    born: date | None
    registered: date
    on_caseload: bool
    ended_by_exit: bool
    last_conversation: date | None
    last_place_ended: date | None
    teams: tuple[str, ...] = ()

    @property
    def last_contact(self) -> date:
        dates = [d for d in (self.last_conversation, self.last_place_ended) if d is not None]
        return max(dates) if dates else self.registered


@dataclass(frozen=True)
class Retention:
    """The rule that keeps a record, the day it stops (None: until something changes), and why."""

    rule: str
    last_contact: date
    until: date | None
    explanation: str

    def applies(self, on: date) -> bool:
        return self.until is None or on < self.until


def years_after(day: date, years: int) -> date:
    """The same day ``years`` later; 29 February becomes 1 March, never a day early."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return date(day.year + years, 3, 1)


def _age_on(born: date, on: date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def retention_from(facts: ContactFacts) -> Retention:
    """Apply the retention rules to one person's facts."""
    last = facts.last_contact
    years = settings.RETENTION_YEARS_AFTER_LAST_CONTACT
    if facts.hold:
        return Retention(
            "legal-hold",
            last,
            None,
            f"A legal hold is on this record ({facts.hold}). "
            "It must be kept until the hold is lifted.",
        )
    if facts.on_caseload and not facts.ended_by_exit:
        teams = ", ".join(facts.teams) or "a team"
        return Retention(
            "on-caseload",
            last,
            None,
            f"The person is still supported, on the caseload of {teams}. Their record must be "
            f"kept until their support ends (an exit conversation is agreed) and for {years} "
            "years after the last contact.",
        )
    until = years_after(last, years)
    age = settings.RETENTION_CHILD_UNTIL_AGE
    if facts.born is not None and _age_on(facts.born, last) < CHILD_UNDER:
        grown_up = years_after(facts.born, age)
        if grown_up > until:
            return Retention(
                "child",
                last,
                grown_up,
                f"The record must be kept until {long_date(grown_up)}, when the person is {age}: "
                f"they were a child at the last contact on {long_date(last)}.",
            )
    return Retention(
        "after-last-contact",
        last,
        until,
        f"The record must be kept until {long_date(until)}: {years} years after the last "
        f"contact on {long_date(last)}.",
    )


def _with_contact_dates(people: QuerySet[Person]) -> QuerySet[Person]:
    latest_conversation = (
        Conversation.objects.filter(person=OuterRef("pk")).order_by("-held_on").values("held_on")
    )
    latest_end = (
        Allocation.objects.filter(person=OuterRef("pk"), ended_on__isnull=False)
        .order_by("-ended_on")
        .values("ended_on")
    )
    latest_agreed = Conversation.objects.filter(
        person=OuterRef("pk"), status=ConversationStatus.AGREED
    ).order_by("-held_on", "-created_at")
    open_place = Allocation.objects.filter(person=OuterRef("pk"), ended_on__isnull=True)
    return people.annotate(
        last_conversation=Subquery(latest_conversation[:1]),
        last_place_ended=Subquery(latest_end[:1]),
        latest_agreed_kind=Subquery(latest_agreed.values("kind")[:1]),
        on_caseload=Exists(open_place),
    )


def _facts(person: Any, teams: tuple[str, ...] = ()) -> ContactFacts:
    """The facts of a person annotated by _with_contact_dates."""
    return ContactFacts(
        hold=person.legal_hold_reason,
        born=person.date_of_birth,
        registered=timezone.localdate(person.created_at),
        on_caseload=bool(person.on_caseload),
        ended_by_exit=person.latest_agreed_kind == ConversationKind.EXIT,
        last_conversation=_as_date(person.last_conversation),
        last_place_ended=_as_date(person.last_place_ended),
        teams=teams,
    )


def _as_date(value: date | str | None) -> date | None:
    if isinstance(value, str):  # SQLite hands subquery dates back as text
        return date.fromisoformat(value[:10])
    return value


def retention_of(person: Person) -> Retention:
    """The retention rule that covers one person now."""
    annotated = _with_contact_dates(Person.objects.filter(pk=person.pk)).get()
    teams = Allocation.objects.filter(person=person, ended_on__isnull=True).values_list(
        "team__name", flat=True
    )
    return retention_from(_facts(annotated, tuple(sorted(set(teams)))))


@dataclass
class Expired:
    """A record the retention job anonymised (or would have, on a dry run)."""

    person: str
    organisation: str
    rule: str
    retention_ended: date


@dataclass
class RetentionRun:
    """What one run of the retention job found and did."""

    on: date
    dry_run: bool
    checked: int = 0
    kept: dict[str, int] = field(default_factory=dict)
    expired: list[Expired] = field(default_factory=list)

    def as_plain(self) -> dict[str, Any]:
        return {
            "on": self.on.isoformat(),
            "dry_run": self.dry_run,
            "checked": self.checked,
            "kept": dict(sorted(self.kept.items())),
            "anonymised": 0 if self.dry_run else len(self.expired),
            "expired": [
                {
                    "person": item.person,
                    "organisation": item.organisation,
                    "rule": item.rule,
                    "retention_ended": item.retention_ended.isoformat(),
                }
                for item in self.expired
            ],
        }


def _people_for(actor: User) -> QuerySet[Person]:
    people = Person.objects.filter(erased_at__isnull=True)
    if actor.is_system:
        return people
    administered = Membership.objects.filter(user=actor, role=Role.ORG_ADMIN).values("organisation")
    return people.filter(organisation__in=administered)


def apply_retention(actor: User, *, dry_run: bool = False) -> RetentionRun:
    """Anonymise every record the actor administers whose retention has ended; audited.

    On a dry run nothing changes: the run says what would be anonymised. The system account
    covers every organisation; an administrator their own.
    """
    today = timezone.localdate()
    run = RetentionRun(on=today, dry_run=dry_run)
    people = _with_contact_dates(_people_for(actor)).select_related("organisation")
    due: list[Person] = []
    for person in people.order_by("created_at", "pk").iterator(chunk_size=500):
        run.checked += 1
        retention = retention_from(_facts(person))
        if retention.until is None or retention.applies(today):
            run.kept[retention.rule] = run.kept.get(retention.rule, 0) + 1
            continue
        run.expired.append(
            Expired(str(person.pk), person.organisation.slug, retention.rule, retention.until)
        )
        due.append(person)
    if not dry_run:
        for person in due:
            anonymise_person(actor, person, cause="retention")
    record_event(actor, "retention.apply", detail=run.as_plain() | {"expired": len(run.expired)})
    return run
