"""Forms for recording a conversation: one per outcome discussed, the story, and the actions."""

from __future__ import annotations

from typing import Any

from django import forms

from meaningful.conversations.models import Contributor, ConversationKind
from meaningful.frameworks.models import Framework, Outcome, OutcomeType, Scale
from meaningful.plans.models import ActionOwner
from meaningful.web.fields import DatePartsField, TextField, choice_field

NO_LEVEL = ("", "Not rated")
ACTION_ROWS = 5


class StartForm(forms.Form):
    """Step 1: what kind of conversation, and with which framework."""

    kind = forms.ChoiceField(
        label="What kind of conversation was it?",
        choices=ConversationKind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select what kind of conversation it was."},
    )
    framework = forms.ChoiceField(
        label="Which outcomes framework?",
        widget=forms.RadioSelect,
        error_messages={"required": "Select the outcomes framework you talked through."},
    )

    def __init__(self, *args: Any, frameworks: list[Framework], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choice_field(self, "framework").choices = [(f.slug, str(f)) for f in frameworks]


class OutcomeChoiceForm(forms.Form):
    """Step 2: which outcomes were discussed."""

    outcomes = forms.MultipleChoiceField(
        label="Which outcomes did you talk about?",
        widget=forms.CheckboxSelectMultiple,
        help_text="Choose the outcomes that matter to the person now. You can choose several.",
        error_messages={"required": "Select at least one outcome you talked about."},
    )

    def __init__(self, *args: Any, outcomes: list[Outcome], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choice_field(self, "outcomes").choices = [(o.code, o.name) for o in outcomes]


class ConversationForm(forms.Form):
    """The conversation as a whole: when, who took part, the story, when to review."""

    held_on = DatePartsField(
        label="Date of the conversation",
        past_only=True,
        error_messages={"required": "Enter the date of the conversation."},
    )
    participants = TextField(
        label="Who took part",
        required=False,
        max_length=300,
        help_text="For example, Agnes and her daughter Jean",
    )
    story = TextField(
        label="The story of the conversation",
        required=False,
        widget=forms.Textarea,
        help_text="What you talked about, in a few sentences. Use the person's own words where you can.",
    )
    next_review_due = DatePartsField(
        label="When should you next review?",
        subject="The next review date",
        required=False,
        help_text="Leave blank for an exit conversation. For example, 27 9 2026",
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        held_on, review = data.get("held_on"), data.get("next_review_due")
        if held_on and review and review < held_on:
            self.add_error("next_review_due", "The next review must be after the conversation.")
        return data


class OutcomeRecordForm(forms.Form):
    """What was said about one outcome; the levels summarise the words, never replace them."""

    what_matters = TextField(
        label="What matters, in their own words",
        required=False,
        widget=forms.Textarea,
        help_text="Write it as they said it, for example 'I want to get back to the bowling club'.",
    )
    why_it_matters = TextField(
        label="Why it matters to them", required=False, widget=forms.Textarea
    )
    working = TextField(
        label="What is working",
        required=False,
        widget=forms.Textarea,
        help_text="Strengths, people and things that help",
    )
    not_working = TextField(
        label="What is not working",
        required=False,
        widget=forms.Textarea,
        help_text="What gets in the way",
    )
    outcome_type = forms.ChoiceField(
        label="Type of outcome", choices=OutcomeType.choices, widget=forms.RadioSelect
    )
    contributions = forms.MultipleChoiceField(
        label="Who contributes",
        required=False,
        choices=Contributor.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    worker_level = forms.ChoiceField(label="Your view", required=False)
    person_level = forms.ChoiceField(label="Their own view", required=False)
    agreed_level = forms.ChoiceField(
        label="Agreed level",
        required=False,
        help_text="Leave as 'Not rated' if you did not agree. Both views are kept.",
    )

    def __init__(
        self,
        data: Any = None,
        *,
        outcome: Outcome,
        scale: Scale,
        initial: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(data, prefix=outcome.code, initial=initial)
        self.outcome = outcome
        levels = [NO_LEVEL, *[(lv.code, lv.label) for lv in scale.levels.all()]]
        for name in ("worker_level", "person_level", "agreed_level"):
            choice_field(self, name).choices = levels


class ActionForm(forms.Form):
    """One action agreed: what, for which outcome, who does it, by when. Blank rows are ignored."""

    outcome = forms.ChoiceField(label="For which outcome", required=False)
    description = TextField(label="What will happen", required=False, max_length=500)
    owner = forms.ChoiceField(
        label="Who will do it",
        required=False,
        choices=[("", "Choose"), *ActionOwner.choices],
    )
    owner_name = TextField(
        label="Name (optional)",
        required=False,
        max_length=100,
        help_text="For example, Jean (daughter)",
    )
    due_on = DatePartsField(label="By when", required=False, future_only=True)

    def __init__(
        self, *args: Any, outcomes: list[Outcome], heading: str = "", **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.heading = heading  # "Action 2", which errors name first
        choice_field(self, "outcome").choices = [
            ("", "General"),
            *[(o.code, o.name) for o in outcomes],
        ]

    @property
    def is_blank(self) -> bool:
        data = getattr(self, "cleaned_data", {})
        return not data.get("description") and not data.get("owner")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("description") and not data.get("owner"):
            self.add_error("owner", "Select who will do this action.")
        if data.get("owner") and not data.get("description"):
            self.add_error("description", "Describe the action, or clear who will do it.")
        return data
