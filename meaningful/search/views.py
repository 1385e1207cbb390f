"""The search page: a form, and a page of highlighted extracts from the narratives found."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from meaningful.accounts.views import signed_in_user
from meaningful.errors import NotAllowed
from meaningful.search.forms import SearchForm
from meaningful.search.services import search_narratives, search_scope
from meaningful.web.form_errors import error_list


@login_required
def search(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    try:
        scope = search_scope(user)
    except NotAllowed as error:
        raise PermissionDenied(str(error)) from error
    teams = list(scope.teams.order_by("name"))
    form = SearchForm(request.GET if "q" in request.GET else None, teams=teams)
    context: dict[str, Any] = {"form": form, "pseudonymised": scope.pseudonymised}
    if form.is_bound and form.is_valid():
        try:
            results = search_narratives(user, form.criteria(), request.GET.get("page"), scope=scope)
        except NotAllowed as error:
            raise PermissionDenied(str(error)) from error
        query = request.GET.copy()
        query.pop("page", None)
        context.update(results=results, querystring=query.urlencode())
    context["errors"] = error_list([form]) if form.is_bound else []
    return render(request, "search/search.html", context, status=400 if context["errors"] else 200)
