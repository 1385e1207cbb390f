"""Erasure requests on the web: organisation administrators raise them, list them and decide them.

The administrator who raised a request sees it but cannot decide it; another administrator of
the organisation approves (anonymising the record, unless a retention rule still covers it) or
refuses it, saying why.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from meaningful.accounts.views import signed_in_user
from meaningful.audit.services import EventInput, record_events
from meaningful.errors import InvalidInput, NotAllowed
from meaningful.people.administrator_views import (
    FindPersonForm,
    administered_organisations,
    find_person,
)
from meaningful.people.erasure import (
    administered_requests,
    decide_erasure_request,
    erasure_request_for,
    raise_erasure_request,
)
from meaningful.people.models import ErasureRequest, ErasureStatus
from meaningful.people.retention import retention_of
from meaningful.web.fields import DatePartsField, TextField
from meaningful.web.form_errors import error_list

RECENT = 20


class ErasureRequestForm(FindPersonForm):
    asked_on = DatePartsField(
        label="When the person asked",
        past_only=True,
        help_text="The day their request reached the organisation, for example 27 3 2026.",
        error_messages={"required": "Enter the date the person asked."},
    )
    what_was_asked = TextField(
        label="What the person asked for",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
        help_text="For example: erase everything held about them; asked by letter. Do not write "
        "their name, address or other details here: this is kept after the erasure as the "
        "record of what was asked.",
        error_messages={"required": "Say what the person asked for."},
    )


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label="Your decision",
        choices=[
            ("approve", "Approve: anonymise the record now"),
            ("refuse", "Refuse the request"),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose whether to approve or refuse the request."},
    )
    reason = TextField(
        label="Why",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        help_text="Kept with the decision. When you refuse, say what the person will be told.",
        error_messages={"required": "Say why you approve or refuse this request."},
    )


def _add_errors(form: forms.Form, error: InvalidInput) -> None:
    for name, message in error.errors.items():
        form.add_error(name if name in form.fields else None, message)


def _audit_views(request: HttpRequest, shown: list[ErasureRequest]) -> None:
    """Record that the administrator saw who these requests are about."""
    record_events(
        signed_in_user(request),
        [EventInput("erasure.view", item, person_id=item.person_id) for item in shown],
    )


@login_required
def erasure_requests(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    administered_organisations(user)
    requests = administered_requests(user).prefetch_related("person__identifiers")
    pending = list(requests.filter(status=ErasureStatus.PENDING).order_by("requested_at"))
    decided = list(requests.exclude(status=ErasureStatus.PENDING).order_by("-decided_at")[:RECENT])
    today = timezone.localdate()
    rows = [(item, retention_of(item.person)) for item in pending]
    _audit_views(request, pending + decided)
    return render(
        request,
        "people/erasure_requests.html",
        {"rows": rows, "decided": decided, "today": today},
    )


@login_required
def erasure_request_new(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    organisations = administered_organisations(user)
    form = ErasureRequestForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        found = find_person(form, organisations)
        if found is not None:
            try:
                raised = raise_erasure_request(
                    user,
                    found.person,
                    asked_on=form.cleaned_data["asked_on"],
                    what_was_asked=form.cleaned_data["what_was_asked"],
                )
            except InvalidInput as error:
                _add_errors(form, error)
            else:
                messages.success(
                    request,
                    "The erasure request is raised. Another administrator of your organisation "
                    "must approve or refuse it.",
                )
                return redirect("erasure-request", request_id=raised.pk)
    errors = error_list([form]) if form.is_bound else []
    return render(
        request,
        "people/erasure_request_new.html",
        {"form": form, "errors": errors},
        status=400 if errors else 200,
    )


@login_required
def erasure_request_detail(request: HttpRequest, request_id: int) -> HttpResponse:
    user = signed_in_user(request)
    administered_organisations(user)
    item = erasure_request_for(user, request_id)
    form = DecisionForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            decide_erasure_request(
                user,
                item,
                approve=form.cleaned_data["decision"] == "approve",
                reason=form.cleaned_data["reason"],
            )
        except InvalidInput as error:
            _add_errors(form, error)
        except NotAllowed as error:
            form.add_error(None, str(error))
        else:
            outcome = (
                "approved: the record is anonymised"
                if item.status == ErasureStatus.APPROVED
                else "refused"
            )
            messages.success(request, f"Erasure request {item.pk} is {outcome}.")
            return redirect("erasure-requests")
    errors = error_list([form]) if form.is_bound else []
    _audit_views(request, [item])
    context: dict[str, Any] = {
        "item": item,
        "person": item.person,
        "identifiers": list(item.person.identifiers.all()),
        "retention": retention_of(item.person) if item.status == ErasureStatus.PENDING else None,
        "today": timezone.localdate(),
        "own": item.requested_by_id == user.pk,
        "form": form,
        "errors": errors,
    }
    return render(request, "people/erasure_request.html", context, status=400 if errors else 200)
