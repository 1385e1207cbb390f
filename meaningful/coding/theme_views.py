"""The themes page: choose a team or the organisation, a period and a field; see the themes."""

from __future__ import annotations

import re
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from meaningful.coding.forms import ThemesForm
from meaningful.coding.themes import NO_SUCH_SCOPE, narrative_themes, theme_request, theme_scopes
from meaningful.coding.views import coder
from meaningful.errors import NotFound
from meaningful.web.form_errors import error_list

_SCOPE = re.compile(r"^(?:team|org)-\d{1,18}$")
NO_TEAMS = "Themes are for staff who see a team's or an organisation's reports."


@login_required
def themes(request: HttpRequest) -> HttpResponse:
    """The form, and once it is filled in, the themes with their people counts and excerpts."""
    user = coder(request)
    scopes = theme_scopes(user)
    if not scopes:
        raise PermissionDenied(NO_TEAMS)
    asked = request.GET.get("scope", "")
    if _SCOPE.match(asked) and asked not in dict(scopes):
        raise Http404(NO_SUCH_SCOPE)  # a team or organisation one may not see is not confirmed
    bound = "scope" in request.GET
    form = ThemesForm(
        request.GET if bound else None,
        scopes=scopes,
        initial={"scope": scopes[0][0], "field": "not_working"},
    )
    context: dict[str, Any] = {"form": form, "report": None}
    if bound and form.is_valid():
        data = form.cleaned_data
        period = data["period"]
        try:
            wanted = theme_request(
                data["scope"], period.start, period.end, data["field"] or "not_working"
            )
            context["report"] = narrative_themes(user, wanted)
        except NotFound as error:
            raise Http404(str(error)) from error
        context["period_label"] = period.label
    context["errors"] = error_list([form]) if bound else []
    return render(request, "coding/themes.html", context, status=400 if context["errors"] else 200)
