"""The caseload list and the person page."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from meaningful.accounts.views import signed_in_user
from meaningful.audit.services import record_event
from meaningful.people.caseload import (
    SHOW_CHOICES,
    SORT_CHOICES,
    CaseloadQuery,
    caseload,
    review_status,
)
from meaningful.people.person_page import person_page

PAGE_SIZE = 25


@login_required
def caseload_list(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    query = CaseloadQuery(
        text=request.GET.get("q", ""),
        show=request.GET.get("show", "all"),
        sort=request.GET.get("sort", "name"),
    ).cleaned()
    today = timezone.localdate()
    page = Paginator(caseload(user, query, today=today), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    rows = [
        (person, *review_status(getattr(person, "review_due"), getattr(person, "reviewed"), today))  # noqa: B009 - annotations
        for person in page
    ]
    record_event(
        user,
        "caseload.view",
        purpose="caseload",
        detail={"q": query.text, "show": query.show, "page": page.number, "people": len(rows)},
    )
    return render(
        request,
        "people/caseload.html",
        {
            "query": query,
            "page": page,
            "rows": rows,
            "show_choices": SHOW_CHOICES,
            "sort_choices": SORT_CHOICES,
            "querystring": _without_page(request),
        },
    )


def _without_page(request: HttpRequest) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


@login_required
def person_detail(request: HttpRequest, person_id: str) -> HttpResponse:
    page = person_page(signed_in_user(request), person_id)
    return render(request, "people/person.html", {"page": page, "person": page.person})
