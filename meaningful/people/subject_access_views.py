"""The subject access page: an organisation administrator finds the person and downloads the pack."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from meaningful.accounts.models import Membership, Role
from meaningful.accounts.views import signed_in_user
from meaningful.errors import InvalidInput, NotFound
from meaningful.people.models import Identifier, IdentifierSystem
from meaningful.people.services import checked_identifier
from meaningful.people.subject_access import subject_access_pack
from meaningful.web.form_errors import error_list


class FindPersonForm(forms.Form):
    system = forms.ChoiceField(
        label="Identifier", choices=IdentifierSystem.choices, initial=IdentifierSystem.CHI
    )
    value = forms.CharField(
        label="The person's number",
        max_length=40,
        error_messages={"required": "Enter the person's CHI number, NHS number or local id."},
    )


@login_required
def subject_access(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    organisations = Membership.objects.filter(user=user, role=Role.ORG_ADMIN).values("organisation")
    if not organisations.exists():
        raise PermissionDenied(
            "Subject access requests are answered by organisation administrators."
        )
    form = FindPersonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        system, value = form.cleaned_data["system"], form.cleaned_data["value"]
        try:
            value = checked_identifier(system, value)
        except InvalidInput as error:
            form.add_error("value", " ".join(error.errors.values()))
        else:
            found = Identifier.objects.filter(
                organisation__in=organisations, system=system, value=value
            ).first()
            if found is None:
                form.add_error(
                    "value", "Nobody in your organisation has this number. Check it and try again."
                )
            else:
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
    context: dict[str, Any] = {"form": form, "errors": error_list([form]) if form.is_bound else []}
    return render(
        request,
        "people/subject_access_page.html",
        context,
        status=400 if context["errors"] else 200,
    )
