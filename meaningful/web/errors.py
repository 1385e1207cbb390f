"""Pages for requests refused: too large to read, not allowed, or nothing there.

They keep the service's layout, say why in words and offer a way on, so that a refused link is
never a dead end. They name nothing from a record: a 404 looks the same whether the record does
not exist or the user may not know it does.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views import defaults

from meaningful.errors import NotFound


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """A form too large to read gets a page saying so (413); other bad requests Django's 400."""
    if isinstance(exception, RequestDataTooBig):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE / 1024 / 1024
        why = f"A form can send at most {limit:.1f} MB of text, and this one sent more."
    elif isinstance(exception, TooManyFieldsSent):
        why = f"A form can send at most {settings.DATA_UPLOAD_MAX_NUMBER_FIELDS:,} fields."
    else:
        return defaults.bad_request(request, exception)
    return render(request, "web/too_large.html", {"why": why}, status=413)


def forbidden(request: HttpRequest, exception: Exception) -> HttpResponse:
    """403: the user is signed in but this is not for their role; our refusals say why."""
    why = str(exception).strip()
    return render(request, "web/forbidden.html", {"why": why}, status=403)


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """404: our own refusals ("No such person on your caseload.") say so; others say nothing more."""
    why = str(exception).strip() if isinstance(exception, NotFound) else ""
    return render(request, "web/not_found.html", {"why": why}, status=404)
