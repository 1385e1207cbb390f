"""The audit trail for auditors: filter, page through, download as CSV or FHIR AuditEvent."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render

from meaningful.accounts.views import signed_in_user
from meaningful.audit.reading import EventFilter, as_csv, as_ndjson, read_events
from meaningful.errors import NotAllowed
from meaningful.web.fields import TextField
from meaningful.web.form_errors import error_list

DATE_FORMATS = ["%d/%m/%Y", "%Y-%m-%d", "%d %b %Y", "%d %B %Y", "%d-%m-%Y"]


class FilterForm(forms.Form):
    since = forms.DateField(
        label="From", required=False, input_formats=DATE_FORMATS,
        help_text="For example 1/11/2026",
        error_messages={"invalid": "Enter the 'from' date like 1/11/2026."},
    )  # fmt: skip
    until = forms.DateField(
        label="To", required=False, input_formats=DATE_FORMATS,
        help_text="For example 30/11/2026",
        error_messages={"invalid": "Enter the 'to' date like 30/11/2026."},
    )  # fmt: skip
    action = TextField(
        label="What was done",
        required=False,
        max_length=60,
        help_text="An action such as person.read, or the first part alone (person) for all of its kind",
    )
    person = TextField(
        label="Whose record",
        required=False,
        max_length=64,
        help_text="Their CHI, NHS or local number, or the id in the address of their page",
    )
    username = TextField(
        label="Which member of staff",
        required=False,
        max_length=150,
        help_text="Their username, such as morag.campbell, or part of their name",
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        since, until = data.get("since"), data.get("until")
        if since and until and until < since:
            self.add_error("until", "The 'to' date must be the same as or after the 'from' date.")
        return data

    def chosen(self) -> EventFilter:
        data = self.cleaned_data
        return EventFilter(
            since=data["since"],
            until=data["until"],
            action=data["action"].strip(),
            person=data["person"].strip(),
            username=data["username"].strip(),
        )


@login_required
def audit_log(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    form = FilterForm(request.GET or None)
    context: dict[str, Any] = {"form": form, "time_zone": settings.TIME_ZONE}
    if not form.is_bound or form.is_valid():
        chosen = form.chosen() if form.is_bound else EventFilter()
        try:
            events = read_events(user, chosen, purpose="view")
        except NotAllowed as error:
            raise PermissionDenied(str(error)) from error
        context["page"] = Paginator(events, 50).get_page(request.GET.get("page"))
        context["filtered"] = form.is_bound and any(form.cleaned_data.values())
        context["query"] = request.GET.copy()
        context["query"].pop("page", None)
    context["errors"] = error_list([form]) if form.is_bound else []
    status = 400 if context["errors"] else 200
    return render(request, "audit/log.html", context, status=status)


@login_required
def audit_export(request: HttpRequest, kind: str) -> StreamingHttpResponse:
    if kind not in ("csv", "ndjson"):
        raise Http404("Choose csv or ndjson.")
    user = signed_in_user(request)
    form = FilterForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        raise Http404("Choose the events on the audit page first.")
    chosen = form.chosen() if form.is_bound else EventFilter()
    try:
        events = read_events(user, chosen, purpose=kind).iterator(chunk_size=2000)
    except NotAllowed as error:
        raise PermissionDenied(str(error)) from error
    response = (
        StreamingHttpResponse(as_csv(events), content_type="text/csv; charset=utf-8")
        if kind == "csv"
        else StreamingHttpResponse(as_ndjson(events), content_type="application/fhir+ndjson")
    )
    response["Content-Disposition"] = f'attachment; filename="audit-trail.{kind}"'
    response["Cache-Control"] = "no-store"
    return response
