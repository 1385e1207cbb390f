"""Pages where an organisation administrator finds one person: to download everything held about
them for a subject access request, or to open their record under break-glass access (erasure
requests, which find people the same way, are in erasure_views)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from meaningful.accounts.models import Membership, Role, User
from meaningful.accounts.views import signed_in_user
from meaningful.errors import InvalidInput, NotFound
from meaningful.people.models import Identifier, IdentifierSystem
from meaningful.people.services import checked_identifier, open_break_glass
from meaningful.people.subject_access import subject_access_pack
from meaningful.web.fields import TextField
from meaningful.web.form_errors import error_list


class FindPersonForm(forms.Form):
    system = forms.ChoiceField(
        label="Identifier", choices=IdentifierSystem.choices, initial=IdentifierSystem.CHI
    )
    value = TextField(
        label="The person's number",
        max_length=40,
        error_messages={"required": "Enter the person's CHI number, NHS number or local id."},
    )


class BreakGlassForm(FindPersonForm):
    reason = TextField(
        label="Why you need to see this record now",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        help_text="For example: safeguarding concern raised out of hours, the person's team "
        "cannot be reached. Your reason and every page you read are flagged for review.",
        error_messages={"required": "Say why you need to see this record now."},
    )


def administered_organisations(user: User) -> Any:
    """The organisations the user administers, as a subquery; 403 for anyone else."""
    organisations = Membership.objects.filter(user=user, role=Role.ORG_ADMIN).values("organisation")
    if not organisations.exists():
        raise PermissionDenied("Only organisation administrators can do this.")
    return organisations


def find_person(form: FindPersonForm, organisations: Any) -> Identifier | None:
    """The identifier the valid form names within the organisations; form errors otherwise."""
    system, value = form.cleaned_data["system"], form.cleaned_data["value"]
    try:
        value = checked_identifier(system, value)
    except InvalidInput as error:
        form.add_error("value", " ".join(error.errors.values()))
        return None
    found = (
        Identifier.objects.filter(organisation__in=organisations, system=system, value=value)
        .select_related("person__organisation")
        .first()
    )
    if found is None:
        form.add_error(
            "value", "Nobody in your organisation has this number. Check it and try again."
        )
    return found


def form_page(request: HttpRequest, template: str, form: forms.Form) -> HttpResponse:
    """Render a form's page; with its errors summarised and status 400 when it has any."""
    errors = error_list([form]) if form.is_bound else []
    context: dict[str, Any] = {"form": form, "errors": errors}
    return render(request, template, context, status=400 if errors else 200)


@login_required
def subject_access(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    organisations = administered_organisations(user)
    form = FindPersonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        found = find_person(form, organisations)
        if found is not None:
            try:
                person, pack = subject_access_pack(user, str(found.person_id))
            except NotFound as error:  # pragma: no cover - the lookup above already checked
                raise PermissionDenied(str(error)) from error
            response = HttpResponse(pack, content_type="application/zip")
            response["Content-Disposition"] = (
                f'attachment; filename="subject-access-{person.pk}.zip"'
            )
            response["Cache-Control"] = "no-store"
            return response
    return form_page(request, "people/subject_access_page.html", form)


@login_required
def break_glass(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    organisations = administered_organisations(user)
    form = BreakGlassForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        found = find_person(form, organisations)
        if found is not None:
            try:
                grant = open_break_glass(user, found.person, form.cleaned_data["reason"])
            except InvalidInput as error:
                form.add_error("reason", " ".join(error.errors.values()))
            else:
                until = timezone.localtime(grant.expires_at)
                messages.warning(
                    request,
                    f"Break-glass access to this record is open until {until:%H:%M}. "
                    "Every page you read is flagged for review.",
                )
                return redirect("person", person_id=found.person_id)
    return form_page(request, "people/break_glass.html", form)
