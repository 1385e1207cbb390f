"""Downloads of outcome records: the caseload's records for the team, a pseudonymised extract for analysts."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse

from meaningful.accounts.views import signed_in_user
from meaningful.errors import NotAllowed
from meaningful.interop.fhir.export import person_bundle
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


def extract_download(extract: Extract, name: str, kind: str) -> HttpResponse:
    """An extract as a CSV or XLSX attachment that no cache keeps."""
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
    return extract_download(extract, "outcome-records", kind)


@login_required
def pseudonymised(request: HttpRequest, kind: str) -> HttpResponse:
    try:
        extract = pseudonymised_extract(
            signed_in_user(request), with_narratives=request.GET.get("narratives") == "1"
        )
    except NotAllowed as error:
        raise PermissionDenied(str(error)) from error
    return extract_download(extract, "outcome-records-pseudonymised", kind)


@login_required
def fhir_record(request: HttpRequest, person_id: str) -> HttpResponse:
    """One person's record as a FHIR R4 Bundle; 404 for anyone who may not open it."""
    bundle = person_bundle(signed_in_user(request), person_id)
    response = JsonResponse(
        bundle, content_type="application/fhir+json", json_dumps_params={"indent": 1}
    )
    response["Content-Disposition"] = f'attachment; filename="record-{person_id}.fhir.json"'
    response["Cache-Control"] = "no-store"
    return response
