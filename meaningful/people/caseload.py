"""The caseload list: who a practitioner works with, when each review is due, search and sort."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, TypeVar

from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from meaningful.accounts.access import reachable_people
from meaningful.accounts.models import User
from meaningful.conversations.models import Conversation, ConversationKind, ConversationStatus
from meaningful.people.models import Allocation, Identifier

DUE_SOON_DAYS = 28
SHOW_CHOICES = {
    "all": "Everyone on my teams' caseload",
    "mine": "People I am the named worker for",
    "overdue": "Review overdue",
    "due-soon": f"Review due in the next {DUE_SOON_DAYS} days",
    "never-reviewed": "Baseline only, not yet reviewed",
    "drafts": "Conversations to agree (drafts)",
}
SORT_CHOICES = {
    "name": "Name",
    "review-due": "Review due (soonest first)",
    "last-conversation": "Last conversation (oldest first)",
}
_People = TypeVar("_People", bound=QuerySet[Any])
_DATE_FORMATS = ("%d/%m/%Y", "%d-%m-%Y", "%Y-%m-%d", "%d.%m.%Y", "%d %b %Y", "%d %B %Y")
_IDENTIFIER = re.compile(r"[0-9 ]{10,12}")


@dataclass(frozen=True)
class CaseloadQuery:
    """What the user asked for: search text, which people, and the order."""

    text: str = ""
    show: str = "all"
    sort: str = "name"

    def cleaned(self) -> CaseloadQuery:
        """Return the query with unknown choices replaced by their defaults."""
        return CaseloadQuery(
            text=self.text.replace("\x00", "").strip()[:100],  # PostgreSQL text cannot hold NUL
            show=self.show if self.show in SHOW_CHOICES else "all",
            sort=self.sort if self.sort in SORT_CHOICES else "name",
        )


def _as_date(text: str) -> date | None:
    for pattern in _DATE_FORMATS:
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    return None


def _search(people: _People, text: str) -> _People:
    """Match a date of birth, an identifier, or every word against the person's names."""
    if not text:
        return people
    born = _as_date(text)
    if born is not None:
        return people.filter(date_of_birth=born)
    if _IDENTIFIER.fullmatch(text):
        return people.filter(
            pk__in=Identifier.objects.filter(value=text.replace(" ", "")).values("person_id")
        )
    # By subquery, not a join: a join repeats a person once per identifier they hold.
    by_local_id = Q(
        pk__in=Identifier.objects.filter(system="local", value__iexact=text).values("person_id")
    )
    names = Q()
    for word in text.split():
        names &= (
            Q(given_name__icontains=word)
            | Q(family_name__icontains=word)
            | Q(preferred_name__icontains=word)
        )
    return people.filter(names | by_local_id)


def caseload(user: User, query: CaseloadQuery, *, today: date | None = None) -> QuerySet[Any]:
    """Return the people the user may see that match the query, annotated with review dates.

    Only agreed conversations count: a draft is not a review until it is agreed with the person,
    so it neither moves the next review date nor takes anyone off the overdue list. Drafts are
    counted separately, to be agreed.
    """
    today = today or timezone.localdate()
    agreed = Conversation.objects.filter(person=OuterRef("pk"), status=ConversationStatus.AGREED)
    latest = agreed.order_by("-held_on", "-created_at")
    current = Allocation.objects.filter(person=OuterRef("pk"), ended_on__isnull=True)
    people = (
        reachable_people(user)
        .annotate(
            last_conversation=Subquery(latest.values("held_on")[:1]),
            review_due=Subquery(latest.values("next_review_due")[:1]),
            reviewed=Exists(agreed.filter(kind=ConversationKind.REVIEW)),
            drafts=Exists(
                Conversation.objects.filter(person=OuterRef("pk"), status=ConversationStatus.DRAFT)
            ),
            team_name=Subquery(current.values("team__name")[:1]),
            worker_first=Subquery(current.values("worker__first_name")[:1]),
            worker_last=Subquery(current.values("worker__last_name")[:1]),
        )
        .prefetch_related("identifiers")
    )
    people = _search(people, query.text)
    if query.show == "mine":
        people = people.filter(allocations__worker=user, allocations__ended_on__isnull=True)
    elif query.show == "overdue":
        people = people.filter(review_due__lt=today)
    elif query.show == "due-soon":
        people = people.filter(
            review_due__gte=today, review_due__lte=today + timedelta(days=DUE_SOON_DAYS)
        )
    elif query.show == "never-reviewed":
        people = people.filter(reviewed=False)
    elif query.show == "drafts":
        people = people.filter(drafts=True)
    order = {
        "name": ["family_name", "given_name", "id"],
        "review-due": ["review_due", "family_name", "id"],
        "last-conversation": ["last_conversation", "family_name", "id"],
    }[query.sort]
    return people.order_by(*order)


def review_status(review_due: date | None, reviewed: bool, today: date) -> tuple[str, str]:
    """Return a short status and a GOV.UK tag colour for a person's review."""
    if review_due is None:
        return ("No review date", "grey")
    if review_due < today:
        return ("Overdue", "red")
    if review_due <= today + timedelta(days=DUE_SOON_DAYS):
        return ("Due soon", "yellow")
    return ("Not yet due" if reviewed else "Not yet reviewed", "blue" if reviewed else "grey")
