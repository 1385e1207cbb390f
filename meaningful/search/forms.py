"""The search form: the words, and optionally one field, one team and the dates of conversations."""

from __future__ import annotations

from typing import Any

from django import forms

from meaningful.accounts.models import Team
from meaningful.search.query import QueryProblem, SearchQuery, parse_query
from meaningful.search.services import FIELDS, Criteria
from meaningful.web.fields import DatePartsField, TextField, choice_field

MAX_QUERY = 200


class SearchForm(forms.Form):
    q = TextField(
        label="Words to look for",
        max_length=MAX_QUERY,
        error_messages={"required": "Enter the words to look for."},
        help_text='For example: bus stairs, "day centre" OR "lunch club", garden -allotment',
    )
    field = forms.ChoiceField(
        label="Look in",
        required=False,
        choices=[("", "Every part of the record"), *FIELDS.items()],
        error_messages={"invalid_choice": "Choose where to look from the list."},
    )
    team = forms.ChoiceField(
        label="Team",
        required=False,
        error_messages={"invalid_choice": "Choose one of your teams from the list, or any team."},
    )
    held_from = DatePartsField(
        label="Conversations from", required=False, help_text="For example, 1 4 2025"
    )
    held_to = DatePartsField(
        label="Conversations to", required=False, help_text="For example, 31 3 2026"
    )

    def __init__(self, *args: Any, teams: list[Team], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.teams = {str(team.pk): team for team in teams}
        choice_field(self, "team").choices = [
            ("", "Any of your teams"),
            *((key, team.name) for key, team in self.teams.items()),
        ]

    def clean_q(self) -> SearchQuery:
        text = self.cleaned_data["q"]
        try:
            return parse_query(text)
        except QueryProblem as problem:
            raise forms.ValidationError(str(problem)) from problem

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        held_from, held_to = data.get("held_from"), data.get("held_to")
        if held_from and held_to and held_to < held_from:
            self.add_error(
                "held_to", "Conversations to must be the same as or after the from date."
            )
        return data

    def criteria(self) -> Criteria:
        data = self.cleaned_data
        return Criteria(
            query=data["q"],
            field=data["field"],
            team=self.teams.get(data["team"]),
            held_from=data["held_from"],
            held_to=data["held_to"],
        )
