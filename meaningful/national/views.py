"""Pages for national analysts: upload returns, see them by period, read the national report."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from meaningful.accounts.models import User
from meaningful.accounts.views import signed_in_user
from meaningful.errors import NotAllowed, NotFound
from meaningful.national.combine import ReturnsRefused
from meaningful.national.models import NationalReturn
from meaningful.national.render import CONTENT_TYPES, page_context
from meaningful.national.render import render as render_release
from meaningful.national.services import (
    TooLargeForThePage,
    is_national_analyst,
    national_report,
    record_download,
    store_returns,
    stored_returns,
    withdraw_return,
)

MAX_RETURN_BYTES = 10 * 1024 * 1024
MAX_FILES = 50
PROBLEMS_SHOWN = 50


def national_analyst(request: HttpRequest) -> User:
    """The signed-in national analyst; everybody else is refused (403)."""
    user = signed_in_user(request)
    if not is_national_analyst(user):
        raise PermissionDenied("National returns are for national analysts.")
    return user


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class ReturnFilesField(forms.FileField):
    """One or more files from a single file input."""

    widget = MultipleFileInput

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile]:
        files = [one for one in (data if isinstance(data, list | tuple) else [data]) if one]
        if not files:
            raise forms.ValidationError(self.error_messages["required"], code="required")
        return [super(ReturnFilesField, self).clean(one, initial) for one in files]


class UploadForm(forms.Form):
    returns = ReturnFilesField(
        label="Returns (.json)",
        help_text="One or more returns, as the organisations sent them. Up to 10 MB each.",
        error_messages={"required": "Choose one or more .json returns to upload."},
    )

    def clean_returns(self) -> list[UploadedFile]:
        files: list[UploadedFile] = self.cleaned_data["returns"]
        if len(files) > MAX_FILES:
            raise forms.ValidationError(f"Upload at most {MAX_FILES} returns at a time.")
        problems = []
        for upload in files:
            name = upload.name or "the file"
            if Path(name).suffix.lower() != ".json":
                problems.append(f"{name}: a return is a .json file; this is not one.")
            elif (upload.size or 0) > MAX_RETURN_BYTES:
                problems.append(f"{name}: the file is larger than 10 MB, too large for a return.")
        if problems:
            raise forms.ValidationError(problems)
        return files


def _by_period(returns: list[NationalReturn]) -> list[tuple[str, list[NationalReturn]]]:
    periods: dict[str, list[NationalReturn]] = {}
    for stored in returns:
        periods.setdefault(stored.period_label, []).append(stored)
    return list(periods.items())


@login_required
def returns_page(request: HttpRequest) -> HttpResponse:
    user = national_analyst(request)
    form = UploadForm(request.POST, request.FILES) if request.method == "POST" else UploadForm()
    context: dict[str, Any] = {"form": form, "refused": {}}
    errors: list[tuple[str, str]] = []
    if request.method == "POST":
        if form.is_valid():
            uploads = [(u.name or "return.json", u.read()) for u in form.cleaned_data["returns"]]
            outcome = store_returns(user, uploads)
            for name, problems in outcome.refused.items():
                errors += [("id_returns", f"{name}: {p}") for p in problems[:PROBLEMS_SHOWN]]
                if len(problems) > PROBLEMS_SHOWN:
                    errors.append(
                        (
                            "id_returns",
                            f"{name}: and {len(problems) - PROBLEMS_SHOWN} more problems",
                        )
                    )
            context["refused"] = outcome.refused
            if outcome.stored:
                names = ", ".join(r.organisation_name for r in outcome.stored)
                count = len(outcome.stored)
                noun = "return" if count == 1 else "returns"
                messages.success(request, f"Stored {count} {noun}: {names}.")
            if not errors:
                return redirect("national")
        else:
            errors = [("id_returns", str(message)) for message in form.errors.get("returns", [])]
    context["errors"] = errors
    context["periods"] = _by_period(stored_returns(user))
    return render(request, "national/returns.html", context, status=400 if errors else 200)


@require_POST
@login_required
def withdraw(request: HttpRequest, return_id: int) -> HttpResponse:
    user = national_analyst(request)
    try:
        withdraw_return(user, return_id)
    except NotFound as error:
        raise Http404(str(error)) from error
    messages.success(request, "The return was withdrawn; upload the corrected one.")
    return redirect("national")


def _report(request: HttpRequest, period: str) -> tuple[User, Any]:
    user = national_analyst(request)
    try:
        return user, national_report(user, period, on_a_page=True)
    except NotAllowed as error:
        raise PermissionDenied(str(error)) from error


@login_required
def report_page(request: HttpRequest, period: str) -> HttpResponse:
    try:
        _, report = _report(request, period)
    except ReturnsRefused as error:
        context = {"period": period, "problems": error.problems}
        return render(request, "national/refused.html", context, status=409)
    except TooLargeForThePage:
        return render(request, "national/not_built.html", {"period": period})
    context = page_context(report.release) | {"report": report, "period": period}
    return render(request, "national/report.html", context)


@login_required
def report_download(request: HttpRequest, period: str, kind: str) -> HttpResponse:
    if kind not in CONTENT_TYPES:
        raise Http404("Choose json, csv, xlsx, pdf or html.")
    try:
        user, report = _report(request, period)
    except (ReturnsRefused, TooLargeForThePage) as error:
        raise Http404("There is no national report to download; see the report page.") from error
    if not report.passed:
        return HttpResponse(
            "The national tables failed the audit and may not be downloaded; see the report page.",
            status=409,
            content_type="text/plain; charset=utf-8",
        )
    record_download(user, report, kind)
    response = HttpResponse(render_release(report.release, kind), content_type=CONTENT_TYPES[kind])
    name = f"national-outcomes-{period.replace('..', '-to-')}"
    response["Content-Disposition"] = f'attachment; filename="{name}.{kind}"'
    response["Cache-Control"] = "no-store"
    return response
