"""Forms of the coding workbench: the codebook, applying codes, suggestions, memos, reports."""

from __future__ import annotations

from typing import Any

from django import forms

from meaningful.coding.codebook_services import (
    DESCRIPTION_LENGTH,
    EXAMPLES_LENGTH,
    MEMO_LENGTH,
    NAME_LENGTH,
)
from meaningful.coding.cooccurrence import Basis
from meaningful.coding.exchange.upload import MAX_UPLOAD_BYTES
from meaningful.web.fields import PeriodField, TextField, choice_field

NO_PARENT = ("", "None: a top-level theme")


class CodebookCodeForm(forms.Form):
    """A theme's name, description, examples and place; for an outcome, its examples only."""

    name = TextField(
        label="Name",
        max_length=NAME_LENGTH,
        error_messages={"required": "Enter a name for the theme."},
    )
    description = TextField(
        label="Description",
        required=False,
        max_length=DESCRIPTION_LENGTH,
        help_text="What this code means, and when to use it rather than a similar one.",
        widget=forms.Textarea,
    )
    examples = TextField(
        label="Examples",
        required=False,
        max_length=EXAMPLES_LENGTH,
        help_text="Passages that this code fits, one a line.",
        widget=forms.Textarea,
    )
    parent = forms.ChoiceField(
        label="Sits under",
        required=False,
        help_text="Nest a theme under another theme or under a framework outcome.",
    )

    def __init__(
        self,
        *args: Any,
        parents: list[tuple[str, str]],
        outcome: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        choice_field(self, "parent").choices = [NO_PARENT, *parents]
        if outcome:  # an outcome's name, description and place are its framework's
            for name in ("name", "description", "parent"):
                del self.fields[name]

    def parent_id(self) -> int | None:
        value = self.cleaned_data.get("parent") or ""
        return int(value) if value else None


class MemoForm(forms.Form):
    text = TextField(
        label="Add a memo",
        max_length=MEMO_LENGTH,
        help_text="A dated note: what you noticed, a question, a decision about the code.",
        widget=forms.Textarea,
        error_messages={"required": "Write the memo before adding it."},
    )


class ApplyCodesForm(forms.Form):
    """A passage of one text and the codes to apply to it; offsets come from a selection."""

    narrative = forms.ChoiceField(
        label="Which text",
        error_messages={"required": "Choose which text the passage is in."},
    )
    quote = TextField(
        label="Passage",
        required=False,
        help_text="Copy the words from the text above, or select them there. Leave empty to "
        "code the whole text.",
        widget=forms.Textarea,
    )
    start = forms.IntegerField(required=False, min_value=0, widget=forms.HiddenInput)
    end = forms.IntegerField(required=False, min_value=0, widget=forms.HiddenInput)
    codes = forms.MultipleChoiceField(
        label="Codes",
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one code to apply."},
    )
    memo = TextField(
        label="Memo about this passage (optional)",
        required=False,
        max_length=MEMO_LENGTH,
        widget=forms.Textarea,
    )

    def __init__(
        self,
        *args: Any,
        narratives: list[tuple[str, str]],
        codes: list[tuple[str, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        choice_field(self, "narrative").choices = narratives
        choice_field(self, "codes").choices = codes

    def code_ids(self) -> list[int]:
        return [int(value) for value in self.cleaned_data["codes"]]


class SuggestionDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[("accept", "Accept"), ("reject", "Reject")],
        error_messages={"required": "Choose to accept or reject the suggestion."},
    )


class FinishedForm(forms.Form):
    finished = forms.ChoiceField(
        choices=[("yes", "Finished"), ("no", "Not finished")],
        error_messages={"required": "Say whether your coding is finished."},
    )


class CooccurrenceForm(forms.Form):
    basis = forms.ChoiceField(
        label="Count codes as together when they are on",
        choices=Basis.choices,
        required=False,
        widget=forms.RadioSelect,
    )


class AgreementForm(forms.Form):
    first = forms.ChoiceField(
        label="First coder", error_messages={"required": "Choose the first coder."}
    )
    second = forms.ChoiceField(
        label="Second coder", error_messages={"required": "Choose the second coder."}
    )

    def __init__(self, *args: Any, coders: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choice_field(self, "first").choices = [("", "Choose a coder"), *coders]
        choice_field(self, "second").choices = [("", "Choose a coder"), *coders]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("first") and data.get("first") == data.get("second"):
            self.add_error("second", "Choose two different coders to compare.")
        return data


class ThemesForm(forms.Form):
    """Which narratives to find themes in: a team or the organisation, a period, a field."""

    scope = forms.ChoiceField(
        label="Themes for",
        error_messages={
            "required": "Choose a team, or the whole organisation.",
            "invalid_choice": "Choose one of your teams, or the whole organisation, from the list.",
        },
    )
    period = PeriodField()
    field = forms.ChoiceField(
        label="What people said",
        choices=[("not_working", "What is not working"), ("working", "What is working")],
        required=False,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": "Choose what is not working or what is working."},
    )

    def __init__(self, *args: Any, scopes: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choice_field(self, "scope").choices = scopes


class CodebookImportForm(forms.Form):
    """A REFI-QDA codebook or project to add to the codebook, or only to check."""

    file = forms.FileField(
        label="Codebook file (.qdc or .qdpx)",
        help_text="A REFI-QDA codebook, or a REFI-QDA project whose codebook you want. Up to 5 MB.",
        error_messages={
            "required": "Choose a .qdc or .qdpx file to upload.",
            "empty": "The file is empty. Export the codebook again and upload that file.",
            "invalid": "Choose a .qdc or .qdpx file to upload.",
        },
    )
    dry_run = forms.BooleanField(label="Check only: change nothing", required=False, initial=True)

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                "The file is larger than 5 MB. Export the codebook alone as a .qdc file, which "
                "is much smaller, and upload that."
            )
        return upload
