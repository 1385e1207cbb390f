"""Signing in and out, keeping a session alive, and the signed-in home page.

Signing in takes the password and then, where one is due, a second step (a code from an
authenticator app, or setting one up). Between the two the session holds only a note of who
is part-way through: Django's sign-in happens in one place, ``complete_sign_in``, at the end.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.views import LoginView, redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from meaningful.accounts.models import User
from meaningful.accounts.services import home_summary
from meaningful.accounts.throttle import clear_failures, is_locked, note_failure
from meaningful.accounts.two_factor import CODE, second_step_due
from meaningful.audit.services import record_event
from meaningful.text import text_problem

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
        password = self.cleaned_data.get("password") or ""
        if text_problem(username, limit=None) or text_problem(password, limit=None):
            raise ValidationError(self.error_messages["invalid_login"], code="invalid_login")
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
        user = form.get_user()
        backend = getattr(user, "backend", "")
        step = second_step_due(user)
        if step is None:
            complete_sign_in(self.request, user, backend=backend)
            return HttpResponseRedirect(self.get_success_url())
        begin_second_step(self.request, user, step, backend, self.get_success_url())
        record_event(user, "auth.password-accepted", user, detail={"next_step": step})
        return redirect("two-factor-code" if step == CODE else "two-factor-set-up")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["timed_out"] = self.request.GET.get("timed-out") == "1"
        context["session_minutes"] = settings.SESSION_COOKIE_AGE // 60
        return context


PENDING = "meaningful.sign-in.second-step"
PENDING_SECONDS = 15 * 60


@dataclass(frozen=True)
class SecondStep:
    """Someone who gave the right password and still owes a code, or must set up an app."""

    user: User
    step: str
    backend: str
    next_url: str


def begin_second_step(
    request: HttpRequest, user: User, step: str, backend: str, next_url: str
) -> None:
    """Note in a fresh session who is part-way through signing in; nothing else is granted."""
    request.session.cycle_key()
    request.session[PENDING] = {
        "user": user.pk,
        "step": step,
        "backend": backend,
        "next": next_url,
        "since": int(timezone.now().timestamp()),
    }


def second_step_of(request: HttpRequest) -> SecondStep | None:
    """The sign-in waiting for its second step in this session, if it is recent enough."""
    note = request.session.get(PENDING)
    if not isinstance(note, dict):
        return None
    if timezone.now().timestamp() - note["since"] > PENDING_SECONDS:
        forget_second_step(request)
        return None
    user = User.objects.filter(pk=note["user"], is_active=True, is_system=False).first()
    if user is None:
        forget_second_step(request)
        return None
    return SecondStep(user, note["step"], note["backend"], note["next"])


def forget_second_step(request: HttpRequest) -> None:
    request.session.pop(PENDING, None)


def complete_sign_in(
    request: HttpRequest, user: User, *, backend: str, second_step: str = ""
) -> None:
    """Sign the user in: the only place a session becomes signed in."""
    forget_second_step(request)
    auth_login(request, user, backend=backend or None)
    clear_failures(user.username)
    record_event(user, "auth.sign-in", detail={"second_step": second_step} if second_step else None)


def admin_sign_in(request: HttpRequest) -> HttpResponse:
    """The admin site's sign-in page: the service's own, with its throttling and second step."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.GET.get("next") or reverse("admin:index"))
    if request.user.is_active and request.user.is_staff:
        return redirect("admin:index")
    raise PermissionDenied("Your account does not use the administration site.")


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
    user = signed_in_user(request)
    summary = home_summary(user)
    return render(
        request,
        "accounts/home.html",
        {"summary": summary, "attention": _attention(user) if summary.teams else []},
    )


def _attention(user: User) -> list[tuple[str, int, str]]:
    """What on the caseload needs doing: reviews overdue or due soon, conversations to agree."""
    from meaningful.people.caseload import DUE_SOON_DAYS, CaseloadQuery, caseload

    wanted = [
        ("overdue", "review overdue", "reviews overdue"),
        (
            "due-soon",
            f"review due in the next {DUE_SOON_DAYS} days",
            f"reviews due in the next {DUE_SOON_DAYS} days",
        ),
        ("drafts", "person with a conversation to agree", "people with a conversation to agree"),
    ]
    found = []
    for show, one, many in wanted:
        count = caseload(user, CaseloadQuery(show=show)).count()
        found.append((show, count, one if count == 1 else many))
    return found


def signed_in_user(request: HttpRequest) -> User:
    """Return the signed-in member of staff; the system account, which reaches everything, never."""
    if not isinstance(request.user, User):
        raise PermissionDenied
    if request.user.is_system:
        raise PermissionDenied(SYSTEM_ACCOUNT_REFUSED)
    return request.user
