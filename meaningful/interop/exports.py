"""Downloads of outcome records: the caseload's records for the team, a pseudonymised extract for analysts."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse

from meaningful.accounts.views import signed_in_user
from meaningful.errors import NotAllowed
from meaningful.interop.tabular.export import (
    Extract,
    as_csv,
    as_xlsx,
    identifiable_extract,
    pseudonymised_extract,
)

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _download(extract: Extract, name: str, kind: str) -> HttpResponse:
    if kind not in CONTENT_TYPES:
        raise Http404("Choose csv or xlsx.")
    response = HttpResponse(
        as_csv(extract) if kind == "csv" else as_xlsx(extract), content_type=CONTENT_TYPES[kind]
    )
    response["Content-Disposition"] = f'attachment; filename="{name}.{kind}"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
def records(request: HttpRequest, kind: str) -> HttpResponse:
    try:
        extract = identifiable_extract(signed_in_user(request))
    except NotAllowed as error:
        raise PermissionDenied(str(error)) from error
    return _download(extract, "outcome-records", kind)


@login_required
def pseudonymised(request: HttpRequest, kind: str) -> HttpResponse:
    try:
        extract = pseudonymised_extract(
            signed_in_user(request), with_narratives=request.GET.get("narratives") == "1"
        )
    except NotAllowed as error:
        raise PermissionDenied(str(error)) from error
    return _download(extract, "outcome-records-pseudonymised", kind)
