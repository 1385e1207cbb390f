"""Tag every web request with its origin so the audit knows where an action came from."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from meaningful.audit.context import Origin, current_origin


class RequestOriginMiddleware:
    """Sets the audit origin to the web channel and the caller's address for one request."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        channel = "api" if request.path.startswith("/api/") else "web"
        token = current_origin.set(Origin(channel=channel, ip=request.META.get("REMOTE_ADDR")))
        try:
            return self.get_response(request)
        finally:
            current_origin.reset(token)
