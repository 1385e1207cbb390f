"""Uploading a spreadsheet of outcome records: the same checks and report as the command line."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from meaningful.accounts.access import can_administer, care_teams
from meaningful.accounts.models import Membership, Organisation, Role, User
from meaningful.accounts.views import signed_in_user
from meaningful.frameworks.models import Scale
from meaningful.frameworks.services import usable_framework, usable_frameworks
from meaningful.interop.tabular.columns import HEADINGS, LABELS, REQUIRED, ColumnError
from meaningful.interop.tabular.importer import import_records
from meaningful.interop.tabular.reading import UnreadableFile
from meaningful.web.fields import choice_field
from meaningful.web.form_errors import error_list

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
IMPORT_ROLES = (Role.ORG_ADMIN, Role.TEAM_LEADER)


def importing_organisation(user: User) -> Organisation:
    """Return the organisation the user may import into; only admins and team leaders may."""
    membership = (
        Membership.objects.filter(user=user, role__in=IMPORT_ROLES)
        .select_related("organisation", "team__service__organisation")
        .first()
    )
    if membership is None:
        raise PermissionDenied(
            "Only organisation administrators and team leaders can import records."
        )
    organisation = membership.organisation or (
        membership.team.organisation if membership.team else None
    )
    if organisation is None:
        raise PermissionDenied("Your role is not in an organisation.")
    return organisation


class UploadForm(forms.Form):
    file = forms.FileField(
        label="Spreadsheet (.csv or .xlsx)",
        help_text="One outcome per row, with a heading row. Up to 20 MB.",
        error_messages={"required": "Choose a .csv or .xlsx file to upload."},
    )
    framework = forms.ChoiceField(
        label="Outcomes framework",
        widget=forms.RadioSelect,
        help_text="The outcome names in the file are matched to this framework's outcomes.",
        error_messages={"required": "Choose the outcomes framework the records were made with."},
    )
    scale = forms.ChoiceField(
        label="Rating scale, when ratings are numbers",
        required=False,
        help_text="Leave as the framework's own scale for ratings written in words, such as 'Partly met'.",
    )
    dry_run = forms.BooleanField(label="Check only: save nothing", required=False, initial=True)

    def __init__(self, *args: Any, organisation: Organisation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        frameworks = usable_frameworks(organisation)
        choices = [(f.slug, str(f)) for f in frameworks.order_by("name")]
        choice_field(self, "framework").choices = choices
        if len(choices) == 1:
            self.fields["framework"].initial = choices[0][0]
        choice_field(self, "scale").choices = [
            ("", "The framework's own scale"),
            *[(s.code, s.name) for s in Scale.objects.all()],
        ]

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                "The file is larger than 20 MB. Split it into smaller files."
            )
        if Path(upload.name).suffix.lower() not in {".csv", ".xlsx", ".txt"}:
            raise forms.ValidationError("The file must be a .csv or .xlsx spreadsheet.")
        return upload


_AS_WRITTEN = {"id": "ID", "dob": "DOB", "whats": "what's"}


def _shown(heading: str) -> str:
    """A recognised heading as people write it: "whats working" -> "What's working"."""
    text = " ".join(_AS_WRITTEN.get(word, word) for word in heading.split())
    return text[0].upper() + text[1:]


def _columns() -> list[tuple[str, str, str]]:
    """Each field a file may hold: its name, headings recognised for it, and when it is needed."""
    needed = {name: "yes" for name in REQUIRED}
    needed.update(given_name="for new people", family_name="for new people")
    return [
        (
            LABELS[name].capitalize(),
            ", ".join(_shown(heading) for heading in headings[:3]),
            needed.get(name, "no"),
        )
        for name, headings in HEADINGS.items()
    ]


@login_required
def upload(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    organisation = importing_organisation(user)
    form = UploadForm(request.POST or None, request.FILES or None, organisation=organisation)
    context: dict[str, Any] = {
        "form": form,
        "organisation": organisation,
        "columns": _columns(),
        "administers": can_administer(user, organisation),
        "teams": care_teams(user).select_related("service").order_by("service__name", "name"),
    }
    if request.method == "POST" and form.is_valid():
        uploaded = form.cleaned_data["file"]
        framework = usable_framework(organisation, form.cleaned_data["framework"])
        scale = (
            Scale.objects.filter(code=form.cleaned_data["scale"]).first()
            if form.cleaned_data["scale"]
            else None
        )
        suffix = Path(uploaded.name).suffix.lower()
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / f"upload{suffix}"
            with path.open("wb") as out:
                for chunk in uploaded.chunks():
                    out.write(chunk)
            try:
                report = import_records(
                    user,
                    path,
                    organisation=organisation,
                    framework=framework,
                    scale=scale,
                    dry_run=form.cleaned_data["dry_run"],
                )
            except (UnreadableFile, ColumnError) as error:
                form.add_error("file", str(error))
            else:
                context["report"] = report.as_dict()
                context["file_name"] = uploaded.name
    context["errors"] = error_list([form]) if form.is_bound else []
    status = 400 if context["errors"] else 200
    return render(request, "interop/upload.html", context, status=status)
