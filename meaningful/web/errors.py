"""Pages for requests refused before a view could read them."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views import defaults


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
