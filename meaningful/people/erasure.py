"""Erasure requests: one organisation administrator raises a person's request, another decides it.

Approval anonymises the record (meaningful.people.anonymisation) unless a retention rule still
covers it; then approval is refused with the rule and the day it ends, and the request waits
until it can be approved, or is refused with a reason. Legal holds are placed and lifted here
too. Every step is audited; no audit event holds what the person asked, in words.
"""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from meaningful.accounts.access import can_administer
from meaningful.accounts.models import Membership, Role, User
from meaningful.audit.services import record_event
from meaningful.errors import InvalidInput, NotAllowed, NotFound
from meaningful.people.anonymisation import anonymise_person
from meaningful.people.models import ErasureRequest, ErasureStatus, Person
from meaningful.people.retention import Retention, retention_of
from meaningful.web.dates import long_date

TWO_PEOPLE = (
    "Erasure needs two named administrators, one to raise the request and another to decide "
    "it: act as one of them (--as USERNAME)."
)
NOT_ADMINISTERED = "No such person in an organisation you administer."
OWN_REQUEST = (
    "You raised this request, so another administrator of your organisation must approve or "
    "refuse it."
)
MAX_TEXT = 2000


class UnderRetention(InvalidInput):
    """Approval refused: a retention rule still covers the record."""

    def __init__(self, retention: Retention) -> None:
        self.retention = retention
        if retention.until is not None:
            then = (
                f" Erasure can be approved from {long_date(retention.until)}; "
                "until then you can refuse the request, saying why."
            )
        else:
            then = " Until then you can refuse the request, saying why."
        super().__init__({"decision": retention.explanation + then})


def _text(value: str, field: str, missing: str) -> str:
    text = value.strip()
    if not text:
        raise InvalidInput({field: missing})
    if "\x00" in text:
        raise InvalidInput({field: "Remove the invisible NUL character from this text."})
    if len(text) > MAX_TEXT:
        raise InvalidInput({field: f"Write at most {MAX_TEXT} characters."})
    return text


def _check_administrator(actor: User, person: Person) -> None:
    if actor.is_system:
        raise NotAllowed(TWO_PEOPLE)
    if not can_administer(actor, person.organisation):
        raise NotFound(NOT_ADMINISTERED)


def _refuse_erased(person: Person) -> None:
    if person.erased_at is not None:
        raise InvalidInput({"person": "This record was already erased."})


def raise_erasure_request(
    actor: User, person: Person, *, asked_on: date, what_was_asked: str
) -> ErasureRequest:
    """Record a person's request to erase their record, for another administrator to decide."""
    _check_administrator(actor, person)
    _refuse_erased(person)
    if asked_on > timezone.localdate():
        raise InvalidInput({"asked_on": "The date the person asked must be today or in the past."})
    text = _text(what_was_asked, "what_was_asked", "Say what the person asked for.")
    with transaction.atomic():
        Person.objects.select_for_update().filter(pk=person.pk).first()
        if ErasureRequest.objects.filter(person=person, status=ErasureStatus.PENDING).exists():
            raise InvalidInput(
                {"person": "A request to erase this record is already waiting for a decision."}
            )
        request = ErasureRequest.objects.create(
            person=person, asked_on=asked_on, what_was_asked=text, requested_by=actor
        )
        record_event(
            actor,
            "erasure.request",
            request,
            person_id=person.pk,
            purpose="erasure request",
            detail={"asked_on": asked_on.isoformat()},
        )
    return request


def administered_requests(actor: User) -> QuerySet[ErasureRequest]:
    """Erasure requests about people of the organisations the actor administers."""
    if actor.is_system:
        return ErasureRequest.objects.select_related("person", "requested_by", "decided_by")
    organisations = Membership.objects.filter(user=actor, role=Role.ORG_ADMIN).values(
        "organisation"
    )
    return ErasureRequest.objects.filter(person__organisation__in=organisations).select_related(
        "person", "requested_by", "decided_by"
    )


def erasure_request_for(actor: User, request_id: int | str) -> ErasureRequest:
    """One request the actor may see; NotFound for any other."""
    found = (
        administered_requests(actor)
        .select_related("person__organisation")
        .filter(pk=str(request_id))
        .first()
        if str(request_id).isdigit()
        else None
    )
    if found is None:
        raise NotFound("No such erasure request in an organisation you administer.")
    return found


def decide_erasure_request(
    actor: User, request: ErasureRequest, *, approve: bool, reason: str
) -> ErasureRequest:
    """Approve (anonymising the record) or refuse a request; never by the one who raised it.

    Approval is refused with UnderRetention while a retention rule covers the record.
    """
    person = request.person
    _check_administrator(actor, person)
    if request.requested_by_id == actor.pk:
        raise NotAllowed(OWN_REQUEST)
    if request.status != ErasureStatus.PENDING:
        raise InvalidInput({"decision": "This request was already decided."})
    text = _text(reason, "reason", "Say why you approve or refuse this request.")
    if approve:
        retention = retention_of(person)
        if retention.applies(timezone.localdate()):
            until = retention.until.isoformat() if retention.until else None
            record_event(
                actor,
                "erasure.held-back",
                request,
                person_id=person.pk,
                purpose="erasure request",
                detail={"rule": retention.rule, "until": until},
            )
            raise UnderRetention(retention)
    with transaction.atomic():
        locked = ErasureRequest.objects.select_for_update().get(pk=request.pk)
        if locked.status != ErasureStatus.PENDING:
            raise InvalidInput({"decision": "This request was already decided."})
        if approve:
            anonymise_person(actor, person, cause="request", request_id=locked.pk)
        locked.status = ErasureStatus.APPROVED if approve else ErasureStatus.REFUSED
        locked.decided_by, locked.decided_at = actor, timezone.now()
        locked.decision_reason = text
        locked.save()
        record_event(
            actor,
            "erasure.approve" if approve else "erasure.refuse",
            locked,
            person_id=person.pk,
            purpose="erasure request",
        )
    request.refresh_from_db()
    return request


def place_legal_hold(actor: User, person: Person, reason: str) -> None:
    """Keep a record whatever its retention period until the hold is lifted; audited."""
    if not can_administer(actor, person.organisation):
        raise NotFound(NOT_ADMINISTERED)
    _refuse_erased(person)
    text = _text(reason, "reason", "Say why the record must be kept, e.g. a case reference.")
    if len(text) > 200:
        raise InvalidInput({"reason": "Write at most 200 characters."})
    Person.objects.filter(pk=person.pk).update(legal_hold_reason=text)
    person.legal_hold_reason = text
    record_event(actor, "person.legal-hold", person, person_id=person.pk, purpose=text)


def lift_legal_hold(actor: User, person: Person, reason: str) -> None:
    """Lift a legal hold; the record's retention period applies again; audited."""
    if not can_administer(actor, person.organisation):
        raise NotFound(NOT_ADMINISTERED)
    if not person.on_legal_hold:
        raise InvalidInput({"person": "There is no legal hold on this record."})
    text = _text(reason, "reason", "Say why the hold can be lifted.")[:200]
    Person.objects.filter(pk=person.pk).update(legal_hold_reason="")
    person.legal_hold_reason = ""
    record_event(actor, "person.legal-hold-lifted", person, person_id=person.pk, purpose=text)
