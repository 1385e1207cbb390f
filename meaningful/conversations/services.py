"""Recording outcomes conversations: permission, write, audit; edits keep earlier versions."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from meaningful.accounts.access import can_reach_person, care_teams
from meaningful.accounts.models import Team, User
from meaningful.audit.services import (
    edit_and_audit,
    edit_with_history,
    record_event,
    refusals_audited,
)
from meaningful.conversations.models import (
    Contributor,
    Conversation,
    ConversationKind,
    ConversationStatus,
    OutcomeRecord,
)
from meaningful.errors import InvalidInput, NotAllowed, NotFound
from meaningful.frameworks.models import Framework, Level, Outcome, OutcomeType, Scale
from meaningful.people.models import Person
from meaningful.plans.services import activate_draft_plan, end_support
from meaningful.reports.refresh import refresh_people
from meaningful.text import text_problems, too_long_message

OFF_CASELOAD = "No such person on your caseload."
ALREADY_AGREED = "This conversation is already agreed."
TEAM_WITHOUT_PERSON = "Record conversations under a team that has this person on its caseload."
TEXT_FIELDS = ("what_matters", "why_it_matters", "working", "not_working")
_OUTCOME_TYPES = frozenset(OutcomeType.values)
_CONTRIBUTORS = frozenset(Contributor.values)
LEVEL_FIELDS = ("worker_level", "person_level", "agreed_level")
_KINDS = frozenset(ConversationKind.values)  # the enum builds this list anew on every read
PARTICIPANTS_LENGTH = 300


@dataclass
class OutcomeInput:
    """What a practitioner records for one outcome; levels are level codes on the scale."""

    outcome: str
    what_matters: str = ""
    why_it_matters: str = ""
    working: str = ""
    not_working: str = ""
    outcome_type: str = ""
    contributions: list[str] = field(default_factory=list)
    worker_level: str | None = None
    person_level: str | None = None
    agreed_level: str | None = None


def _levels_by_code(scale: Scale) -> dict[str, Level]:
    return {level.code: level for level in scale.levels.all()}


def _record_values(
    item: OutcomeInput, where: str, levels: dict[str, Level], default_type: str
) -> tuple[dict[str, Any], dict[str, str]]:
    errors: dict[str, str] = {}
    values: dict[str, Any] = {name: getattr(item, name).strip() for name in TEXT_FIELDS}
    for name, problem in text_problems(values).items():
        errors[f"{where}.{name}"] = problem
    values["outcome_type"] = item.outcome_type or default_type
    if values["outcome_type"] not in _OUTCOME_TYPES:
        errors[f"{where}.outcome_type"] = f"Choose one of: {', '.join(OutcomeType.values)}."
    unknown = [c for c in item.contributions if c not in _CONTRIBUTORS]
    if unknown:
        errors[f"{where}.contributions"] = f"Unknown contributor {unknown[0]!r}."
    values["contributions"] = sorted(set(item.contributions)) if item.contributions else []
    for name in LEVEL_FIELDS:
        code = getattr(item, name)
        if code in (None, ""):
            values[name] = None
        elif code in levels:
            values[name] = levels[code]
        else:
            errors[f"{where}.{name}"] = (
                f"{code!r} is not a level on this scale; use one of {', '.join(levels)}."
            )
    return values, errors


def _date_problems(
    held_on: date, next_review_due: date | None, today: date | None = None
) -> dict[str, str]:
    problems = {}
    if held_on > (today or timezone.localdate()):
        problems["held_on"] = "The conversation date cannot be in the future."
    if next_review_due is not None and next_review_due < held_on:
        problems["next_review_due"] = "The next review must be after the conversation."
    return problems


@dataclass
class RecordRules:
    """A framework's outcomes, a scale's levels and today's date, read once for many conversations."""

    framework: Framework
    scale: Scale
    outcomes: dict[str, Outcome] = field(init=False)
    levels: dict[str, Level] = field(init=False)
    today: date = field(init=False)

    def __post_init__(self) -> None:
        self.outcomes = {outcome.code: outcome for outcome in self.framework.outcomes.all()}
        self.levels = _levels_by_code(self.scale)
        self.today = timezone.localdate()


def checked_records(
    rules: RecordRules,
    *,
    held_on: date,
    kind: str,
    records: list[OutcomeInput],
    texts: dict[str, str],
    next_review_due: date | None = None,
    where: str = "",
) -> list[tuple[Outcome, dict[str, Any]]]:
    """Check a conversation as record_conversation does; return each outcome with its values."""
    errors: dict[str, str] = {}
    if kind not in _KINDS:
        errors[f"{where}kind"] = f"Choose one of: {', '.join(ConversationKind.values)}."
    errors.update(
        {where + k: v for k, v in _date_problems(held_on, next_review_due, rules.today).items()}
    )
    if not records:
        errors[f"{where}records"] = "Record at least one outcome that was discussed."
    for name, problem in text_problems(texts).items():
        errors[where + name] = problem
    if len(texts.get("participants", "")) > PARTICIPANTS_LENGTH:
        errors[f"{where}participants"] = too_long_message(
            PARTICIPANTS_LENGTH, len(texts["participants"])
        )
    prepared = []
    seen: set[str] = set()
    for index, item in enumerate(records):
        place = f"{where}records[{index}]"
        outcome = rules.outcomes.get(item.outcome)
        if outcome is None:
            errors[f"{place}.outcome"] = f"{item.outcome!r} is not an outcome in {rules.framework}."
            continue
        if item.outcome in seen:
            errors[f"{place}.outcome"] = f"{outcome.name} is recorded twice."
        seen.add(item.outcome)
        values, problems = _record_values(item, place, rules.levels, outcome.outcome_type)
        errors.update(problems)
        prepared.append((outcome, values))
    if errors:
        raise InvalidInput(errors)
    return prepared


def record_conversation(
    actor: User,
    person: Person,
    *,
    framework: Framework,
    held_on: date,
    kind: str,
    records: list[OutcomeInput],
    team: Team | None = None,
    scale: Scale | None = None,
    story: str = "",
    participants: str = "",
    next_review_due: date | None = None,
    practitioner: User | None = None,
) -> Conversation:
    """Record a conversation and its outcome records in one go; all are checked before any write."""
    if not can_reach_person(actor, person):
        raise NotFound(OFF_CASELOAD)
    teams = care_teams(actor).filter(allocations__person=person, allocations__ended_on__isnull=True)
    team = team or teams.first()
    if team is None or not teams.filter(pk=team.pk).exists():
        raise NotAllowed(TEAM_WITHOUT_PERSON)
    scale = scale or framework.default_scale
    prepared = checked_records(
        RecordRules(framework, scale),
        held_on=held_on,
        kind=kind,
        records=records,
        texts={"story": story, "participants": participants},
        next_review_due=next_review_due,
    )
    with transaction.atomic():
        conversation = Conversation.objects.create(
            person=person,
            held_on=held_on,
            kind=kind,
            framework=framework,
            scale=scale,
            practitioner=practitioner or actor,
            team=team,
            participants=participants.strip(),
            story=story.strip(),
            next_review_due=next_review_due,
        )
        OutcomeRecord.objects.bulk_create(
            OutcomeRecord(conversation=conversation, outcome=outcome, **values)
            for outcome, values in prepared
        )
        record_event(
            actor,
            "conversation.record",
            conversation,
            person_id=person.id,
            detail={
                "kind": kind,
                "framework": f"{framework.slug}@{framework.version}",
                "outcomes": len(prepared),
            },
        )
        refresh_people([person.pk])
    return conversation


def _reachable_conversation(actor: User, conversation: Conversation) -> None:
    if not can_reach_person(actor, conversation.person):
        raise NotFound("No such conversation.")


def update_outcome_record(
    actor: User,
    record: OutcomeRecord,
    changes: dict[str, Any],
    *,
    reason: str,
    expected_version: int | None = None,
) -> list[str]:
    """Change what was recorded for an outcome, keeping the earlier version; return changed fields."""
    conversation = record.conversation
    _reachable_conversation(actor, conversation)
    allowed = {*TEXT_FIELDS, "outcome_type", "contributions", *LEVEL_FIELDS}
    unknown = set(changes) - allowed
    if unknown:
        raise InvalidInput({name: "This field cannot be changed." for name in sorted(unknown)})
    current = OutcomeInput(
        outcome=record.outcome.code,
        what_matters=record.what_matters,
        why_it_matters=record.why_it_matters,
        working=record.working,
        not_working=record.not_working,
        outcome_type=record.outcome_type,
        contributions=list(record.contributions),
        worker_level=getattr(record.worker_level, "code", None),
        person_level=getattr(record.person_level, "code", None),
        agreed_level=getattr(record.agreed_level, "code", None),
    )
    for name, value in changes.items():
        setattr(current, name, value)
    values, errors = _record_values(
        current, "record", _levels_by_code(conversation.scale), record.outcome_type
    )
    if errors:
        raise InvalidInput(errors)
    action = "outcome-record.update"
    with refusals_audited(actor, action, conversation.person_id), transaction.atomic():
        changed = edit_and_audit(
            actor,
            record,
            {name: values[name] for name in changes},
            action=action,
            person_id=conversation.person_id,
            reason=reason,
            expected_version=expected_version,
        )
        refresh_people([conversation.person_id])
    return changed


CONVERSATION_FIELDS = ("held_on", "participants", "story", "next_review_due")


def update_conversation(
    actor: User,
    conversation: Conversation,
    changes: dict[str, Any],
    *,
    reason: str,
    expected_version: int | None = None,
) -> list[str]:
    """Correct the conversation's date, who took part, story or review date, keeping the old version."""
    _reachable_conversation(actor, conversation)
    errors = {
        name: "This field cannot be changed here."
        for name in set(changes) - set(CONVERSATION_FIELDS)
    }
    held_on = changes.get("held_on", conversation.held_on)
    review = changes.get("next_review_due", conversation.next_review_due)
    errors.update(_date_problems(held_on, review))
    texts: dict[str, str] = {
        name: str(changes[name]) for name in ("participants", "story") if name in changes
    }
    errors.update(text_problems(texts))
    if len(texts.get("participants", "")) > PARTICIPANTS_LENGTH:
        errors["participants"] = too_long_message(PARTICIPANTS_LENGTH, len(texts["participants"]))
    if errors:
        raise InvalidInput(errors)
    action = "conversation.update"
    with refusals_audited(actor, action, conversation.person_id), transaction.atomic():
        changed = edit_and_audit(
            actor,
            conversation,
            changes,
            action=action,
            person_id=conversation.person_id,
            reason=reason,
            expected_version=expected_version,
        )
        refresh_people([conversation.person_id])
    return changed


def agree_conversation(
    actor: User,
    conversation: Conversation,
    *,
    carry_forward: bool = True,
    expected_version: int | None = None,
) -> Conversation:
    """Mark a draft conversation as agreed with the person; only agreed ratings feed reports.

    ``carry_forward=False`` is for imports whose plans already list every action where it
    ended up, so open actions must stay in the plan they came with. ``expected_version`` is
    the version that was read back with the person: if the conversation changed since,
    EditConflict is raised and nothing is agreed.
    """
    _reachable_conversation(actor, conversation)
    if conversation.status == ConversationStatus.AGREED:
        raise InvalidInput({"status": ALREADY_AGREED})
    action = "conversation.agree"
    with refusals_audited(actor, action, conversation.person_id), transaction.atomic():
        edit_with_history(
            conversation,
            {"status": ConversationStatus.AGREED},
            actor=actor,
            reason="agreed with the person",
            expected_version=expected_version,
        )
        record_event(actor, action, conversation, person_id=conversation.person_id)
        if (
            activate_draft_plan(actor, conversation, carry_forward=carry_forward) is None
            and conversation.kind == ConversationKind.EXIT
        ):
            end_support(actor, conversation)
        refresh_people([conversation.person_id])
    return conversation


def conversations_of(
    actor: User, person: Person, *, purpose: str = "direct care"
) -> list[Conversation]:
    """Return a person's conversations in date order, logging the read; NotFound if off caseload."""
    if not can_reach_person(actor, person):
        raise NotFound("No such person on your caseload.")
    record_event(actor, "conversations.read", person, person_id=person.id, purpose=purpose)
    return list(
        person.conversations.select_related("framework", "scale", "practitioner").order_by(
            "held_on", "created_at"
        )
    )


def read_conversation(
    actor: User, conversation_id: str, *, purpose: str = "direct care"
) -> Conversation:
    """Return a conversation the actor may see, logging the read; NotFound otherwise."""
    try:
        conversation = Conversation.objects.select_related(
            "person", "framework", "scale", "practitioner", "team"
        ).get(pk=conversation_id)
    except (Conversation.DoesNotExist, ValueError, ValidationError) as error:
        raise NotFound("No such conversation.") from error
    if not can_reach_person(actor, conversation.person):
        raise NotFound("No such conversation.")
    record_event(
        actor, "conversation.read", conversation, person_id=conversation.person_id, purpose=purpose
    )
    return conversation
