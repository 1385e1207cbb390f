"""Turning the recording forms into one call of the services layer."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms
from django.db import transaction
from django.http import QueryDict
from django.utils import timezone

from meaningful.accounts.models import User
from meaningful.conversations.forms import (
    ACTION_ROWS,
    ActionForm,
    ConversationForm,
    OutcomeRecordForm,
)
from meaningful.conversations.models import Conversation, ConversationKind, OutcomeRecord
from meaningful.conversations.services import OutcomeInput, record_conversation
from meaningful.frameworks.models import Framework, Outcome
from meaningful.people.models import Person
from meaningful.plans.services import ActionInput, create_plan
from meaningful.web.form_errors import error_list


def previous_conversation(person: Person) -> Conversation | None:
    """Return the person's latest conversation, the one a review follows on from."""
    return person.conversations.order_by("-held_on", "-created_at").first()


def earlier_records(
    previous: Conversation | None, framework: Framework
) -> dict[str, OutcomeRecord]:
    """Map outcome code to what was recorded last time, when it used the same framework."""
    if previous is None or previous.framework.slug != framework.slug:
        return {}
    return {
        record.outcome.code: record
        for record in previous.records.select_related(
            "outcome", "agreed_level", "person_level", "worker_level"
        )
    }


@dataclass
class RecordingForms:
    """Every form on the recording page, bound or unbound."""

    conversation: ConversationForm
    outcomes: list[OutcomeRecordForm]
    actions: list[ActionForm]

    def all(self) -> list[forms.Form]:
        return [self.conversation, *self.outcomes, *self.actions]

    def errors_in_page_order(self) -> list[tuple[str, str]]:
        """Every error in the order the page shows its field: the date and who took part, each
        outcome, the story, each action, then the next review."""
        conversation = error_list([self.conversation])

        def of(*names: str) -> list[tuple[str, str]]:
            return [e for e in conversation if e[0].removeprefix("id_").startswith(names)]

        return [
            *[e for e in conversation if not e[0]],
            *of("held_on", "participants"),
            *error_list(list(self.outcomes)),
            *of("story"),
            *error_list(list(self.actions)),
            *of("next_review_due"),
        ]

    def is_valid(self) -> bool:
        return all([form.is_valid() for form in self.all()])  # validate every form, not the first


def build_forms(
    data: QueryDict | None,
    framework: Framework,
    outcomes: list[Outcome],
    kind: str,
    earlier: dict[str, OutcomeRecord],
) -> RecordingForms:
    """Create the forms; a review starts from what the person said last time."""
    outcome_forms = []
    for outcome in outcomes:
        before = earlier.get(outcome.code)
        initial: dict[str, Any] = {"outcome_type": outcome.outcome_type}
        if before is not None and kind != ConversationKind.BASELINE:
            initial.update(
                what_matters=before.what_matters,
                why_it_matters=before.why_it_matters,
                outcome_type=before.outcome_type,
                contributions=before.contributions,
            )
        outcome_forms.append(
            OutcomeRecordForm(data, outcome=outcome, scale=framework.default_scale, initial=initial)
        )
    return RecordingForms(
        conversation=ConversationForm(data, initial={"held_on": timezone.localdate()}),
        outcomes=outcome_forms,
        actions=[
            ActionForm(
                data, outcomes=outcomes, prefix=f"action-{number}", heading=f"Action {number}"
            )
            for number in range(1, ACTION_ROWS + 1)
        ],
    )


def save_recording(
    actor: User, person: Person, framework: Framework, kind: str, recording: RecordingForms
) -> Conversation:
    """Record the conversation as a draft, with its actions in a draft plan, in one transaction."""
    story = recording.conversation.cleaned_data
    inputs = [
        OutcomeInput(outcome=form.outcome.code, **form.cleaned_data) for form in recording.outcomes
    ]
    actions = [
        ActionInput(
            description=form.cleaned_data["description"],
            owner=form.cleaned_data["owner"],
            outcome=form.cleaned_data["outcome"] or None,
            owner_name=form.cleaned_data["owner_name"],
            due_on=form.cleaned_data["due_on"],
        )
        for form in recording.actions
        if not form.is_blank
    ]
    with transaction.atomic():
        conversation = record_conversation(
            actor,
            person,
            framework=framework,
            kind=kind,
            records=inputs,
            held_on=story["held_on"],
            story=story["story"],
            participants=story["participants"],
            next_review_due=story["next_review_due"],
        )
        if kind != ConversationKind.EXIT or actions:
            create_plan(
                actor,
                person,
                starts_on=story["held_on"],
                conversation=conversation,
                review_due=story["next_review_due"],
                actions=actions,
                draft=True,
            )
    return conversation
