"""Form fields for GOV.UK patterns that Django does not have, such as the three-part date."""

from __future__ import annotations

import calendar
import datetime
import re
from collections.abc import Mapping
from typing import Any

from django import forms
from django.forms.renderers import BaseRenderer
from django.utils import timezone
from django.utils.safestring import SafeString

from meaningful.reports.period import Period, last_twelve_months, parse_period
from meaningful.text import LONG_TEXT, text_problem

_NUMBER = re.compile(r"[0-9]{1,4}")


class TextField(forms.CharField):
    """Text a database can store: no NUL character, no half of a surrogate pair, and no longer
    than ``max_length`` (20,000 characters unless said), each refused with a message that says
    what to do. Every form in the service uses it for text."""

    def __init__(self, *, max_length: int = LONG_TEXT, **kwargs: Any) -> None:
        super().__init__(max_length=max_length, **kwargs)

    def validate(self, value: Any) -> None:
        super().validate(value)
        problem = text_problem(str(value or ""), limit=self.max_length)
        if problem:
            raise forms.ValidationError(problem, code="unstorable")


class PeriodField(TextField):
    """A reporting period as people write it (a year, a quarter or months); empty means the last
    twelve months. Cleans to a Period; a period it cannot read is refused saying what to write."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("label", "Period")
        kwargs.setdefault(
            "help_text",
            "A year (2026), a quarter (2026-Q3) or months (2025-04..2026-03). "
            "Leave empty for the last twelve months.",
        )
        super().__init__(required=False, max_length=40, **kwargs)

    def clean(self, value: Any) -> Period:
        text = str(super().clean(value)).strip()
        if not text:
            return last_twelve_months(timezone.localdate())
        try:
            return parse_period(text)
        except ValueError as error:
            raise forms.ValidationError(str(error)) from error


class DatePartsWidget(forms.Widget):
    """Reads a date typed as day, month and year in three inputs named NAME_day and so on."""

    parts = (("day", "Day", 2), ("month", "Month", 2), ("year", "Year", 4))

    def value_from_datadict(
        self, data: Mapping[str, Any], files: Any, name: str
    ) -> dict[str, str] | None:
        values = {part: str(data.get(f"{name}_{part}", "")).strip() for part, _, _ in self.parts}
        return values if any(values.values()) else None

    def render(
        self,
        name: str,
        value: Any,
        attrs: dict[str, Any] | None = None,
        renderer: BaseRenderer | None = None,
    ) -> SafeString:
        raise NotImplementedError("Render date fields with the components/date.html template.")


class DatePartsField(forms.Field):
    """A date typed in three parts; errors say which part is wrong, as GOV.UK advises."""

    widget = DatePartsWidget

    def __init__(
        self,
        *,
        past_only: bool = False,
        future_only: bool = False,
        subject: str = "",
        **kwargs: Any,
    ) -> None:
        """``subject`` names the date in errors when the label is a question."""
        self.past_only, self.future_only = past_only, future_only
        self.subject = subject
        super().__init__(**kwargs)

    @property
    def _name(self) -> str:
        return self.subject or str(self.label or "The date")

    def to_python(self, value: Any) -> datetime.date | None:
        if value in (None, "", {}):
            return None
        if isinstance(value, datetime.date):
            return value
        label = self._name
        missing = [part for part, _, _ in DatePartsWidget.parts if not value.get(part)]
        if missing:
            raise forms.ValidationError(f"{label} must include a {' and '.join(missing)}.")
        if not all(_NUMBER.fullmatch(value[part]) for part, _, _ in DatePartsWidget.parts):
            raise forms.ValidationError(
                f"{label} must be written in numbers, for example 27 3 2026."
            )
        year = int(value["year"])
        if year < 1900:
            raise forms.ValidationError(
                f"{label} must include a year with 4 numbers, for example 2026."
            )
        month, day = int(value["month"]), int(value["day"])
        if not 1 <= month <= 12:
            raise forms.ValidationError(f"{label} must be a real date: a month is 1 to 12.")
        days = calendar.monthrange(year, month)[1]
        if not 1 <= day <= days:
            raise forms.ValidationError(
                f"{label} must be a real date: {calendar.month_name[month]} {year} has {days} days."
            )
        return datetime.date(year, month, day)

    def validate(self, value: Any) -> None:
        super().validate(value)
        if value is None:
            return
        today = datetime.date.today()
        if self.past_only and value > today:
            raise forms.ValidationError(f"{self._name} must be today or in the past.")
        if self.future_only and value < today:
            raise forms.ValidationError(f"{self._name} must be today or in the future.")


def choice_field(form: forms.Form, name: str) -> forms.ChoiceField:
    """Return a form's choice field by name, to set its choices at run time."""
    field = form.fields[name]
    if not isinstance(field, forms.ChoiceField):
        raise TypeError(f"{name} is not a choice field")
    return field
