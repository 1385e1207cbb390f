"""The returns page: build a return for a period, look at it, download it; earlier releases."""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_POST

from meaningful.accounts.models import Organisation, User
from meaningful.accounts.views import signed_in_user
from meaningful.reports.period import Period, parse_period
from meaningful.returns.build import build_return
from meaningful.returns.models import ReturnRelease
from meaningful.returns.preview import Preview, preview
from meaningful.returns.services import (
    ReturnRefused,
    can_preview_returns,
    can_release_returns,
)
from meaningful.web.fields import TextField, choice_field
from meaningful.web.form_errors import error_list


class ReturnForm(forms.Form):
    period = TextField(
        label="Period",
        max_length=40,
        help_text="A year (2026), a quarter (2026-Q3) or months (2025-04..2026-03).",
        error_messages={"required": "Enter the period the return is for, such as 2026-Q3."},
    )
    organisation = forms.ChoiceField(label="Organisation", required=False)

    def __init__(self, *args: Any, organisations: list[Organisation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.organisations = {o.slug: o for o in organisations}
        choice_field(self, "organisation").choices = [(o.slug, o.name) for o in organisations]

    def clean_period(self) -> Period:
        try:
            return parse_period(self.cleaned_data["period"])
        except ValueError as error:
            raise forms.ValidationError(str(error)) from error

    def clean_organisation(self) -> Organisation:
        slug = self.cleaned_data["organisation"] or next(iter(self.organisations))
        return self.organisations[slug]


def _organisations(user: User) -> list[Organisation]:
    mine = [o for o in Organisation.objects.order_by("name") if can_preview_returns(user, o)]
    if not mine:
        raise PermissionDenied(
            "Returns are built by an organisation's administrators (and looked at by its analysts)."
        )
    return mine


def _page(
    request: HttpRequest,
    user: User,
    form: ReturnForm,
    shown: Preview | None = None,
    refusal: list[str] | None = None,
) -> HttpResponse:
    errors = error_list([form]) if form.is_bound else []
    errors += [("", line) for line in refusal or []]
    organisation = form.cleaned_data.get("organisation") if form.is_bound else None
    organisations = form.organisations.values()
    context: dict[str, Any] = {
        "form": form,
        "errors": errors,
        "preview": shown,
        "several": len(form.organisations) > 1,
        "may_release": organisation is not None and can_release_returns(user, organisation),
        "releases": ReturnRelease.objects.filter(organisation__in=organisations).select_related(
            "organisation", "built_by"
        ),
    }
    return render(request, "returns/returns.html", context, status=400 if errors else 200)


@login_required
def returns_page(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    form = ReturnForm(
        request.POST if request.method == "POST" else None, organisations=_organisations(user)
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        document = build_return(user, data["organisation"], data["period"])
        return _page(request, user, form, preview(document))
    return _page(request, user, form)


@login_required
@require_POST
def download(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    form = ReturnForm(request.POST, organisations=_organisations(user))
    kind = request.POST.get("kind", "")
    if not form.is_valid() or kind not in ("draft", "final"):
        return _page(request, user, form)
    organisation, period = form.cleaned_data["organisation"], form.cleaned_data["period"]
    if not can_release_returns(user, organisation):
        raise PermissionDenied("Only the organisation's administrators download its returns.")
    try:
        document = build_return(user, organisation, period, final=kind == "final")
    except ReturnRefused as refused:
        lines = [
            "The return cannot be released as final: readers could work out hidden counts. "
            "You can still download it as a draft.",
            *refused.refusal.splitlines(),
        ]
        return _page(request, user, form, preview(refused.document), lines)
    name = f"return-{organisation.slug}-{period.label.replace('..', '-to-')}"
    response = HttpResponse(
        json.dumps(document, indent=2, ensure_ascii=False), content_type="application/json"
    )
    suffix = "" if document["metadata"]["final"] else "-draft"
    response["Content-Disposition"] = f'attachment; filename="{name}{suffix}.json"'
    response["Cache-Control"] = "no-store"
    return response
