"""The agreement report's page: two coders compared over the texts both coded."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.text import slugify

from meaningful.coding.agreement_report import agreement_report, coders_in_scope
from meaningful.coding.downloads import agreement_extract
from meaningful.coding.forms import AgreementForm
from meaningful.coding.views import coder
from meaningful.interop.exports import extract_download
from meaningful.web.form_errors import ErrorList, error_list


@login_required
def agreement(request: HttpRequest) -> HttpResponse:
    """Agreement between two coders over the texts both coded: kappa per code, alpha overall."""
    user = coder(request)
    coders = coders_in_scope(user)
    form = AgreementForm(request.GET or None, coders=[(str(c.pk), str(c)) for c in coders])
    report = None
    errors: ErrorList = []
    if form.is_bound:
        if form.is_valid():
            by_id = {str(c.pk): c for c in coders}
            first, second = by_id[form.cleaned_data["first"]], by_id[form.cleaned_data["second"]]
            if request.GET.get("download") == "csv":
                report = agreement_report(user, first, second, download=True)
                name = slugify(f"agreement {first.username} {second.username}")
                return extract_download(agreement_extract(report), name, "csv")
            report = agreement_report(user, first, second)
        else:
            errors = error_list([form])
    return render(
        request,
        "coding/agreement.html",
        {"form": form, "report": report, "errors": errors, "coders": coders},
        status=400 if errors else 200,
    )
