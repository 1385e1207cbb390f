"""Errors for GOV.UK error summaries: one (anchor, message) pair per problem, in page order.

Edits are sent with the version of the record they started from. When someone else saved the
record first, the edit is refused and the page shows both versions, field by field, with what
the user typed still in the form.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.db import models
from django.http import HttpRequest

from meaningful.audit.services import EditConflict
from meaningful.errors import InvalidInput
from meaningful.text import REASON_TEXT, text_problem
from meaningful.web.dates import long_date
from meaningful.web.fields import DatePartsField

ErrorList = list[tuple[str, str]]
CONFLICT_ANCHOR = "conflict"
MISSING_VERSION = (
    "This page did not say which version of the record it changes, so nothing was saved. "
    "Compare what is saved now with what you typed, then save again."
)
EMPTY = "(empty)"


def error_anchor(bound: forms.BoundField) -> str:
    """Return the id an error summary link should jump to: the first input of the field."""
    if isinstance(bound.field, DatePartsField):
        return f"{bound.auto_id}_day"
    if isinstance(bound.field.widget, forms.RadioSelect | forms.CheckboxSelectMultiple):
        return f"{bound.auto_id}_0"
    return str(bound.id_for_label)


def _which(form: forms.Form) -> str:
    """What an error names first when a page repeats a form: its outcome, or its place in a list."""
    outcome = getattr(form, "outcome", None)
    if outcome is not None:
        return f"{outcome.name}: "
    heading = getattr(form, "heading", "")
    return f"{heading}: " if heading else ""


def error_list(form_list: list[forms.Form]) -> list[tuple[str, str]]:
    """Return (anchor id, message) for every error, in page order, for the error summary."""
    errors = []
    for form in form_list:
        for message in form.non_field_errors():
            errors.append(("", str(message)))
        for bound in form:
            for message in bound.errors:
                anchor = error_anchor(bound)
                label = _which(form)
                errors.append((anchor, f"{label}{message}"))
    return errors


def submitted_version(request: HttpRequest) -> int | None:
    """Return the record version the edit form was opened at; None when missing or mangled."""
    value = request.POST.get("version", "")
    return int(value) if value.isascii() and value.isdigit() and len(value) < 10 else None


@dataclass(frozen=True)
class Difference:
    """One field as the other person saved it and as this user typed it, ready to show."""

    label: str
    theirs: str
    yours: str


@dataclass(frozen=True)
class Conflict:
    """What a refused edit page shows: why nothing was saved, and where the versions differ."""

    message: str
    theirs_heading: str
    version: int
    differences: list[Difference] = field(default_factory=list)


def shown(form_field: forms.Field, value: Any) -> str:
    """Return a value as the form's field would describe it to the user."""
    choices = dict(getattr(form_field, "choices", None) or [])
    if isinstance(value, list | tuple):
        return ", ".join(str(choices.get(item, item)) for item in value) or EMPTY
    if choices and value in choices:
        return str(choices[value])
    if value in (None, ""):
        return EMPTY
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, datetime.date):
        return long_date(value)
    return str(value)


def _comparable(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return tuple(sorted(str(item) for item in value))
    return "" if value is None else value


def differences(form: forms.Form, theirs: dict[str, Any]) -> list[Difference]:
    """The fields whose stored value differs from what was typed, in the form's order."""
    yours = form.cleaned_data
    return [
        Difference(
            str(form_field.label or name),
            shown(form_field, theirs[name]),
            shown(form_field, yours.get(name)),
        )
        for name, form_field in form.fields.items()
        if name in theirs and _comparable(theirs[name]) != _comparable(yours.get(name))
    ]


def conflict_of(
    error: EditConflict, form: forms.Form, values_of: Callable[[Any], dict[str, Any]]
) -> Conflict:
    """Describe a refused edit: who saved first, and their version against the form's."""
    if error.saved_by is None:
        heading = "Saved by someone else"
    elif error.actor is not None and error.saved_by.pk == error.actor.pk:
        heading = "Saved by you in another tab or window"
    else:
        heading = f"Saved by {error.saved_by}"
    return Conflict(
        message=error.message,
        theirs_heading=heading,
        version=error.version,
        differences=differences(form, values_of(error.current)),
    )


def _service_errors(form: forms.Form, error: InvalidInput) -> ErrorList:
    return [
        (error_anchor(form[name]) if name in form.fields else "", message)
        for name, message in error.errors.items()
    ]


@dataclass
class EditResult:
    """What became of a submitted edit form."""

    errors: ErrorList = field(default_factory=list)
    saved: bool = False
    conflict: Conflict | None = None


def attempt_edit(
    form: forms.Form,
    version: int | None,
    current: models.Model,
    values_of: Callable[[Any], dict[str, Any]],
    edit: Callable[[int], object],
) -> EditResult:
    """Run a valid form's edit through its service, based on the version the form was opened at.

    A refusal because someone else saved first (or because the form did not say which version
    it started from) comes back as a Conflict to show beside the form; nothing is saved then.
    """
    if version is None:
        missing = Conflict(
            MISSING_VERSION,
            "Saved now",
            int(getattr(current, "version", 0)),
            differences(form, values_of(current)),
        )
        return EditResult([(CONFLICT_ANCHOR, MISSING_VERSION)], conflict=missing)
    try:
        edit(version)
    except EditConflict as error:
        conflict = conflict_of(error, form, values_of)
        return EditResult([(CONFLICT_ANCHOR, conflict.message)], conflict=conflict)
    except InvalidInput as error:
        return EditResult(_service_errors(form, error))
    return EditResult(saved=True)


def reason_problem(reason: str, what: str) -> str | None:
    """Why the reason given for a correction cannot be kept, or None when it can."""
    if not reason:
        return f"Say why you are changing this {what}."
    return text_problem(reason, limit=REASON_TEXT)


@dataclass
class Correction(EditResult):
    """A correction form's outcome, with the reason typed and the version the page should carry."""

    reason: str = ""
    version: int = 0


def submit_correction(
    request: HttpRequest,
    form: forms.Form,
    *,
    what: str,
    current: models.Model,
    values_of: Callable[[Any], dict[str, Any]],
    edit: Callable[[dict[str, Any], str, int], object],
) -> Correction:
    """Handle a correction form: a reason is required, the edit goes through its service.

    ``current`` is the record as loaded for this request and ``values_of`` gives a record's
    values as the form holds them, to compare with what was typed when the edit is refused.
    """
    reason = request.POST.get("reason", "").strip()
    version = int(getattr(current, "version", 0))
    if request.method != "POST":
        return Correction(reason=reason, version=version)
    problem = reason_problem(reason, what)
    errors: ErrorList = [("reason", problem)] if problem else []
    if not form.is_valid() or errors:
        return Correction(error_list([form]) + errors, reason=reason, version=version)
    result = attempt_edit(
        form,
        submitted_version(request),
        current,
        values_of,
        lambda based_on: edit(form.cleaned_data, reason, based_on),
    )
    if result.conflict is not None:
        version = result.conflict.version
    return Correction(result.errors, result.saved, result.conflict, reason=reason, version=version)
