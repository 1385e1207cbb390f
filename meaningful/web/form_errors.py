"""Errors for GOV.UK error summaries: one (anchor, message) pair per problem, in page order."""

from __future__ import annotations

from collections.abc import Callable

from django import forms
from django.http import HttpRequest

from meaningful.audit.services import EditConflict
from meaningful.errors import InvalidInput
from meaningful.web.fields import DatePartsField

ErrorList = list[tuple[str, str]]


def error_anchor(bound: forms.BoundField) -> str:
    """Return the id an error summary link should jump to: the first input of the field."""
    if isinstance(bound.field, DatePartsField):
        return f"{bound.auto_id}_day"
    if isinstance(bound.field.widget, forms.RadioSelect | forms.CheckboxSelectMultiple):
        return f"{bound.auto_id}_0"
    return str(bound.id_for_label)


def error_list(form_list: list[forms.Form]) -> list[tuple[str, str]]:
    """Return (anchor id, message) for every error, in page order, for the error summary."""
    errors = []
    for form in form_list:
        for message in form.non_field_errors():
            errors.append(("", str(message)))
        for bound in form:
            for message in bound.errors:
                anchor = error_anchor(bound)
                prefix = getattr(form, "outcome", None)
                label = f"{prefix.name}: " if prefix is not None else ""
                errors.append((anchor, f"{label}{message}"))
    return errors


def submitted_version(request: HttpRequest) -> int:
    """Return the record version the edit form was opened at (0 when missing or mangled)."""
    value = request.POST.get("version", "")
    return int(value) if value.isascii() and value.isdigit() else 0


def apply_edit(edit: Callable[[], object]) -> ErrorList:
    """Run an edit through its service; turn a refused edit into error summary entries."""
    try:
        edit()
    except EditConflict as error:
        return [("", str(error))]
    except InvalidInput as error:
        return [("", message) for message in error.errors.values()]
    return []


def submit_correction(
    request: HttpRequest,
    form: forms.Form,
    *,
    what: str,
    edit: Callable[[dict[str, object], str, int], object],
) -> tuple[ErrorList, str, bool]:
    """Handle a correction form: a reason is required, the edit goes through its service.

    Returns the errors for the summary, the reason typed, and whether the change was saved.
    """
    reason = request.POST.get("reason", "").strip()
    if request.method != "POST":
        return [], reason, False
    errors: ErrorList = [] if reason else [("reason", f"Say why you are changing this {what}.")]
    if form.is_valid() and not errors:
        errors = apply_edit(lambda: edit(form.cleaned_data, reason, submitted_version(request)))
        if not errors:
            return [], reason, True
    return error_list([form]) + errors, reason, False
