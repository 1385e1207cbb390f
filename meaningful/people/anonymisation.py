"""Anonymising one person's record: what erasure and the retention job both do.

Identifying details go (names, identifiers, postcode, the exact date of birth, links to carers
and the people cared for); every narrative is replaced by a neutral marker and its earlier
versions are purged; what published statistics counted stays (conversations with their dates,
teams and levels, plans and their actions' owners and statuses, the derived reporting rows).
The audit trail is never touched: its events hold ids, field names and counts, not the words.
Why each choice was made is in docs/subject-access.md, under "Erasure".
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import Any

from django.db import transaction
from django.db.models import F, Q
from django.db.models.functions import Now
from django.utils import timezone

from meaningful.accounts.models import User
from meaningful.audit.models import Revision
from meaningful.audit.services import record_event
from meaningful.conversations.models import Conversation, OutcomeRecord
from meaningful.errors import InvalidInput
from meaningful.people.models import (
    Allocation,
    BreakGlass,
    Consent,
    ErasureRequest,
    ErasureStatus,
    Identifier,
    Person,
    Relationship,
)
from meaningful.plans.models import Action, SupportPlan

ERASED = "[erased]"
ERASED_GIVEN_NAME, ERASED_FAMILY_NAME = "Erased", "record"
NARRATIVES = ("what_matters", "why_it_matters", "working", "not_working")
# What a request still waiting says once the record was anonymised some other way.
_SETTLED = {
    "request": "The record was anonymised on another erasure request.",
    "retention": "The retention period ended and the retention job anonymised the record.",
}


@dataclass(frozen=True)
class Anonymised:
    """How many of each kind of row one anonymisation changed or removed."""

    identifiers_removed: int
    relationships_removed: int
    conversations_cleared: int
    records_cleared: int
    actions_cleared: int
    earlier_versions_purged: int
    consents_ended: int
    places_ended: int
    coding_memos_removed: int

    def as_detail(self) -> dict[str, int]:
        return asdict(self)


def year_only(born: date | None) -> date | None:
    """The date of birth kept after anonymisation: the year alone, written as 1 July of it."""
    return None if born is None else date(born.year, 7, 1)


def _marked(queryset: Any, names: tuple[str, ...]) -> int:
    """Replace each non-empty text field by the marker; return how many rows had any."""
    touched = queryset.filter(_any_filled(names)).update(version=F("version") + 1, updated_at=Now())
    for name in names:
        queryset.exclude(**{name: ""}).update(**{name: ERASED})
    return int(touched)


def _any_filled(names: tuple[str, ...]) -> Q:
    condition = Q()
    for name in names:
        condition |= ~Q(**{name: ""})
    return condition


def _purge_revisions(person: Person) -> int:
    owned = {
        "people.person": [str(person.pk)],
        "conversations.conversation": [
            str(pk)
            for pk in Conversation.objects.filter(person=person).values_list("pk", flat=True)
        ],
        "conversations.outcomerecord": [
            str(pk)
            for pk in OutcomeRecord.objects.filter(conversation__person=person).values_list(
                "pk", flat=True
            )
        ],
        "plans.supportplan": [
            str(pk) for pk in SupportPlan.objects.filter(person=person).values_list("pk", flat=True)
        ],
        "plans.action": [
            str(pk)
            for pk in Action.objects.filter(plan__person=person).values_list("pk", flat=True)
        ],
    }
    purged = 0
    for object_type, ids in owned.items():
        if ids:
            purged += Revision.objects.filter(object_type=object_type, object_id__in=ids).delete()[
                0
            ]
    return purged


def _clear_person(person: Person, now: datetime) -> None:
    person.given_name, person.family_name = ERASED_GIVEN_NAME, ERASED_FAMILY_NAME
    person.preferred_name = ""
    person.date_of_birth = year_only(person.date_of_birth)
    person.postcode = ""
    person.about_me = ERASED if person.about_me else ""
    person.legal_hold_reason = ""
    person.erased_at = now
    person.version += 1
    person.save()


def anonymise_person(
    actor: User, person: Person, *, cause: str, request_id: int | None = None
) -> Anonymised:
    """Anonymise a person's record in one transaction and audit it; refuse one already erased.

    Callers check permission and retention first; this is the one routine both erasure and the
    retention job use, so the two always remove the same things.
    """
    with transaction.atomic():
        locked = Person.objects.select_for_update().get(pk=person.pk)
        if locked.erased_at is not None:
            raise InvalidInput({"person": "This record was already erased."})
        now, today = timezone.now(), timezone.localdate()
        counts = Anonymised(
            identifiers_removed=Identifier.objects.filter(person=locked).delete()[0],
            relationships_removed=Relationship.objects.filter(
                Q(carer=locked) | Q(cared_for=locked)
            ).delete()[0],
            conversations_cleared=_cleared_conversations(locked),
            records_cleared=_marked(
                OutcomeRecord.objects.filter(conversation__person=locked), NARRATIVES
            ),
            actions_cleared=_cleared_actions(locked),
            earlier_versions_purged=_purge_revisions(locked),
            consents_ended=Consent.objects.filter(person=locked, withdrawn_on__isnull=True).update(
                withdrawn_on=today, withdrawal_recorded_by=actor, withdrawal_recorded_at=now
            ),
            places_ended=Allocation.objects.filter(person=locked, ended_on__isnull=True).update(
                ended_on=today
            ),
            coding_memos_removed=_removed_coding_memos(locked),
        )
        BreakGlass.objects.filter(person=locked).update(reason=ERASED)
        BreakGlass.objects.filter(person=locked, expires_at__gt=now).update(expires_at=now)
        _clear_person(locked, now)
        _settle_waiting_requests(locked, request_id, _SETTLED[cause], now)
        record_event(
            actor,
            "person.erase",
            locked,
            person_id=locked.pk,
            purpose="erasure request" if cause == "request" else "retention period ended",
            detail={"cause": cause, "request": request_id, **counts.as_detail()},
        )
    person.refresh_from_db()
    return counts


def _removed_coding_memos(person: Person) -> int:
    """Memos on coded passages of the person's words may repeat those words: they go. The codes
    stay (as counts do), pointing at text that now reads as erased."""
    from meaningful.coding.models import Memo  # the coding app builds on people, not the reverse

    deleted, _ = Memo.objects.filter(segment__conversation__person=person).delete()
    return int(deleted)


def _cleared_conversations(person: Person) -> int:
    conversations = Conversation.objects.filter(person=person)
    touched = conversations.filter(~Q(story="") | ~Q(participants="")).update(
        version=F("version") + 1,  # an edit form opened before the erasure cannot put text back
        updated_at=Now(),
    )
    conversations.exclude(story="").update(story=ERASED)
    conversations.update(participants="")
    return int(touched)


def _cleared_actions(person: Person) -> int:
    actions = Action.objects.filter(plan__person=person)
    count = actions.update(
        description=ERASED, owner_name="", version=F("version") + 1, updated_at=Now()
    )
    return int(count)


def _settle_waiting_requests(
    person: Person, deciding: int | None, reason: str, now: datetime
) -> None:
    """Close any other request still waiting for the person: there is nothing left to erase."""
    waiting = ErasureRequest.objects.filter(person=person, status=ErasureStatus.PENDING)
    if deciding is not None:
        waiting = waiting.exclude(pk=deciding)
    waiting.update(status=ErasureStatus.APPROVED, decided_at=now, decision_reason=reason)
