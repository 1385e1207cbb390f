"""The codebook's exchange pages: download the codebook or the coded corpus as REFI-QDA files,
and upload a REFI-QDA codebook to add its codes as themes."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from meaningful.coding.exchange.export import export_codebook, export_project
from meaningful.coding.exchange.importing import CodebookImport, import_codebook
from meaningful.coding.exchange.upload import MAX_UPLOAD_BYTES, read_codebook_file
from meaningful.coding.forms import CodebookImportForm
from meaningful.coding.scope import NOT_A_KEEPER, coding_organisation, keeps_codebook
from meaningful.coding.views import coder
from meaningful.errors import InvalidInput, NotFound
from meaningful.web.form_errors import ErrorList, error_list

CONTENT_TYPES = {"qdc": "application/xml", "qdpx": "application/zip"}


@login_required
def export(request: HttpRequest, kind: str) -> HttpResponse:
    """Download the codebook (.qdc) or the codebook with the anonymised coded corpus (.qdpx)."""
    user = coder(request)
    if kind not in CONTENT_TYPES:
        raise NotFound("No such file: choose the codebook (.qdc) or the project (.qdpx).")
    try:
        exported = export_codebook(user) if kind == "qdc" else export_project(user)
    except InvalidInput as problem:
        messages.error(request, " ".join(problem.errors.values()))
        return redirect("coding-codebook")
    response = HttpResponse(exported.content, content_type=CONTENT_TYPES[kind])
    response["Content-Disposition"] = f'attachment; filename="{exported.filename}"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
def import_file(request: HttpRequest) -> HttpResponse:
    """Upload a REFI-QDA codebook: check it, or add its codes as themes (codebook keepers)."""
    user = coder(request)
    organisation = coding_organisation(user)
    if not keeps_codebook(user, organisation):
        raise PermissionDenied(NOT_A_KEEPER)
    posted = request.method == "POST"
    form = CodebookImportForm(request.POST if posted else None, request.FILES if posted else None)
    errors: ErrorList = []
    result: CodebookImport | None = None
    if posted:
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                result = import_codebook(
                    user,
                    organisation,
                    read_codebook_file(upload.read(MAX_UPLOAD_BYTES + 1)),
                    dry_run=form.cleaned_data["dry_run"],
                )
            except InvalidInput as problem:
                form.add_error("file", " ".join(problem.errors.values()))
            else:
                if not result.dry_run:
                    messages.success(request, f"Added {len(result.added)} themes to the codebook.")
        errors = error_list([form])
    return render(
        request,
        "coding/codebook_import.html",
        {"form": form, "errors": errors, "result": result, "organisation": organisation},
        status=400 if errors else 200,
    )
