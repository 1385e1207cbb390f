"""Signing in and out, keeping a session alive, and the signed-in home page."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.views import LoginView
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from meaningful.accounts.models import User
from meaningful.accounts.services import home_summary
from meaningful.accounts.throttle import clear_failures, is_locked, note_failure
from meaningful.audit.services import record_event

SYSTEM_ACCOUNT_REFUSED = (
    "The system account is for command-line tools, where it is named in the audit. "
    "Sign in as yourself."
)


class SignInForm(AuthenticationForm):
    error_messages = {
        "invalid_login": "Enter a correct username and password. Both are case-sensitive.",
        "inactive": "This account is switched off. Ask your organisation administrator.",
        "locked": "There have been too many failed attempts to sign in. Wait 15 minutes and try "
        "again, or ask your organisation administrator to reset your password.",
    }

    def confirm_login_allowed(self, user: User) -> None:
        super().confirm_login_allowed(user)
        if user.is_system:
            raise ValidationError(SYSTEM_ACCOUNT_REFUSED, code="system")

    def clean(self) -> dict[str, Any]:
        username = self.cleaned_data.get("username") or ""
        address = self.request.META.get("REMOTE_ADDR") if self.request else None
        if username and is_locked(username, address):
            raise ValidationError(self.error_messages["locked"], code="locked")
        try:
            return super().clean()
        except ValidationError:
            if username:
                note_failure(username, address)
            raise


class SignInView(LoginView):
    template_name = "accounts/sign_in.html"
    form_class = SignInForm
    redirect_authenticated_user = True

    def form_valid(self, form: AuthenticationForm) -> HttpResponse:
        response = super().form_valid(form)
        user = form.get_user()
        clear_failures(user.username)
        record_event(user, "auth.sign-in")
        return response

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["timed_out"] = self.request.GET.get("timed-out") == "1"
        context["session_minutes"] = settings.SESSION_COOKIE_AGE // 60
        return context


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    if isinstance(request.user, User):
        record_event(request.user, "auth.sign-out")
    logout(request)
    return redirect("login")


@require_POST
@login_required
def keep_session(request: HttpRequest) -> HttpResponse:
    """Answer the 'stay signed in' button: any request restarts the inactivity clock."""
    return HttpResponse(status=204)


def health(request: HttpRequest) -> HttpResponse:
    """Liveness check for load balancers and monitoring: answers without touching the database."""
    return HttpResponse("ok", content_type="text/plain")


@login_required
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/home.html", {"summary": home_summary(signed_in_user(request))})


def signed_in_user(request: HttpRequest) -> User:
    """Return the signed-in member of staff; the system account, which reaches everything, never."""
    if not isinstance(request.user, User):
        raise PermissionDenied
    if request.user.is_system:
        raise PermissionDenied(SYSTEM_ACCOUNT_REFUSED)
    return request.user
