"""Pages for two-factor sign-in: the code after the password, setting up an authenticator app,
one's own settings, and an administrator's reset for a member of staff who lost their phone."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.views.decorators.cache import never_cache

from meaningful.accounts.models import Membership, Role
from meaningful.accounts.totp import grouped, qr_svg, set_up_uri
from meaningful.accounts.two_factor import (
    CODE,
    ENTER_CODE,
    REQUIRED,
    SET_UP,
    TooManyAttempts,
    check_code,
    confirm_set_up,
    confirmed_device,
    recovery_codes_left,
    renew_recovery_codes,
    reset_two_factor,
    secret_of,
    staff_administered_by,
    start_set_up,
    turn_off,
    two_factor_required,
)
from meaningful.accounts.views import complete_sign_in, second_step_of, signed_in_user
from meaningful.errors import InvalidInput, NotAllowed, NotFound
from meaningful.web.fields import TextField
from meaningful.web.form_errors import error_list

QR_LABEL = (
    "QR code for setting up two-factor sign-in. If you cannot scan it, type the key shown "
    "below the code into your app instead."
)


class CodeForm(forms.Form):
    code = TextField(
        label="Code",
        max_length=40,
        help_text="Enter the 6-digit code your authenticator app shows now. If you cannot use "
        "the app, enter one of your recovery codes instead.",
        error_messages={"required": ENTER_CODE},
    )


class SetUpForm(forms.Form):
    code = TextField(
        label="Code from the app",
        max_length=40,
        help_text="After adding Meaningful, the app shows a 6-digit code. Enter it here.",
        error_messages={"required": ENTER_CODE},
    )


class ResetForm(forms.Form):
    reason = TextField(
        label="Why are you resetting it?",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        help_text="For example: phone lost on 3 March; confirmed by calling them on their work "
        "number. The reason is kept in the audit trail.",
        error_messages={"required": "Say why you are resetting their two-factor sign-in."},
    )


def _page(
    request: HttpRequest, template: str, form: forms.Form, context: dict[str, Any] | None = None
) -> HttpResponse:
    errors = error_list([form]) if form.is_bound else []
    full = {"form": form, "errors": errors, **(context or {})}
    return render(request, template, full, status=400 if errors else 200)


def _show_recovery_codes(
    request: HttpRequest, codes: list[str], continue_url: str, *, first_time: bool
) -> HttpResponse:
    context = {"codes": codes, "continue_url": continue_url, "first_time": first_time}
    return render(request, "accounts/two_factor/recovery_codes.html", context)


def _too_many_attempts(request: HttpRequest, error: TooManyAttempts) -> HttpResponse:
    """End the session, part-way or whole, and send the user to the sign-in page with a reason."""
    logout(request)
    messages.error(request, str(error))
    return redirect("login")


@never_cache
def sign_in_code(request: HttpRequest) -> HttpResponse:
    """The second step of signing in: a code from the app, or a recovery code."""
    if request.user.is_authenticated:
        return redirect("home")
    waiting = second_step_of(request)
    if waiting is None:
        return redirect_to_login(reverse("home"))
    if waiting.step != CODE:
        return redirect("two-factor-set-up")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            verified = check_code(waiting.user, form.cleaned_data["code"], during="sign-in")
        except TooManyAttempts as error:
            return _too_many_attempts(request, error)
        except InvalidInput as error:
            form.add_error("code", " ".join(error.errors.values()))
        except NotAllowed as error:
            form.add_error("code", str(error))
        else:
            complete_sign_in(
                request, waiting.user, backend=waiting.backend, second_step=verified.method
            )
            if verified.method != CODE:
                messages.warning(
                    request,
                    f"You signed in with a recovery code, which cannot be used again. You have "
                    f"{verified.recovery_codes_left} left: make new ones in your two-factor "
                    "settings when you can.",
                )
            return HttpResponseRedirect(waiting.next_url)
    return _page(request, "accounts/two_factor/code.html", form, {"waiting": waiting})


@never_cache
def set_up(request: HttpRequest) -> HttpResponse:
    """Add an authenticator app: scan the QR code or type the key, then confirm with a code."""
    waiting = None
    if request.user.is_authenticated:
        user = signed_in_user(request)
    else:
        waiting = second_step_of(request)
        if waiting is None:
            return redirect_to_login(request.get_full_path())
        if waiting.step != SET_UP:
            return redirect("two-factor-code")
        user = waiting.user
    if confirmed_device(user) is not None:
        return redirect("two-factor")
    device = start_set_up(user)
    form = SetUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            codes = confirm_set_up(user, form.cleaned_data["code"])
        except InvalidInput as error:
            form.add_error("code", " ".join(error.errors.values()))
        except NotAllowed as error:
            form.add_error("code", str(error))
        else:
            if waiting is None:
                return _show_recovery_codes(request, codes, reverse("two-factor"), first_time=True)
            complete_sign_in(request, user, backend=waiting.backend, second_step=SET_UP)
            return _show_recovery_codes(request, codes, waiting.next_url, first_time=True)
    secret = secret_of(device)
    context = {
        "waiting": waiting,
        "username": user.username,
        "key": grouped(secret),
        # segno's own markup, drawn from the address; the label in it is escaped.
        "qr": mark_safe(qr_svg(set_up_uri(secret, user.username), label=QR_LABEL)),  # noqa: S308
    }
    return _page(request, "accounts/two_factor/set_up.html", form, context)


@login_required
def settings_page(request: HttpRequest) -> HttpResponse:
    """Whether two-factor sign-in is on for the signed-in user, and what they can change."""
    user = signed_in_user(request)
    device = confirmed_device(user)
    context = {
        "device": device,
        "required": two_factor_required(user),
        "codes_left": recovery_codes_left(device) if device else 0,
    }
    return render(request, "accounts/two_factor/settings.html", context)


@login_required
@never_cache
def new_recovery_codes(request: HttpRequest) -> HttpResponse:
    """Replace the recovery codes after a code from the app; the new ones are shown once."""
    user = signed_in_user(request)
    if confirmed_device(user) is None:
        return redirect("two-factor")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            codes = renew_recovery_codes(user, form.cleaned_data["code"])
        except TooManyAttempts as error:
            return _too_many_attempts(request, error)
        except InvalidInput as error:
            form.add_error("code", " ".join(error.errors.values()))
        except NotAllowed as error:
            form.add_error("code", str(error))
        else:
            return _show_recovery_codes(request, codes, reverse("two-factor"), first_time=False)
    return _page(request, "accounts/two_factor/new_recovery_codes.html", form)


@login_required
def turn_off_page(request: HttpRequest) -> HttpResponse:
    """Turn two-factor sign-in off, after a code from the app, where the policy allows it."""
    user = signed_in_user(request)
    if confirmed_device(user) is None:
        return redirect("two-factor")
    if two_factor_required(user):
        raise PermissionDenied(REQUIRED)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            turn_off(user, form.cleaned_data["code"])
        except TooManyAttempts as error:
            return _too_many_attempts(request, error)
        except InvalidInput as error:
            form.add_error("code", " ".join(error.errors.values()))
        except NotAllowed as error:
            form.add_error("code", str(error))
        else:
            messages.success(request, "Two-factor sign-in is off.")
            return redirect("two-factor")
    return _page(request, "accounts/two_factor/turn_off.html", form)


@login_required
def reset_page(request: HttpRequest, user_id: int) -> HttpResponse:
    """An organisation administrator resets a member of staff's two-factor sign-in, saying why."""
    actor = signed_in_user(request)
    if not Membership.objects.filter(user=actor, role=Role.ORG_ADMIN).exists():
        raise PermissionDenied("Only organisation administrators can do this.")
    staff = staff_administered_by(actor).filter(pk=user_id).first()
    if staff is None:
        raise NotFound("No such member of staff in an organisation you administer.")
    form = ResetForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            reset_two_factor(actor, staff, form.cleaned_data["reason"])
        except InvalidInput as error:
            for field, message in error.errors.items():
                form.add_error("reason" if field == "reason" else None, message)
        except NotAllowed as error:
            form.add_error(None, str(error))
        else:
            then = (
                "They will be asked to set it up again the next time they sign in."
                if two_factor_required(staff)
                else "They can sign in with their password and set it up again themselves."
            )
            messages.success(request, f"Two-factor sign-in for {staff} is reset. {then}")
            return redirect("admin:accounts_user_changelist")
    context = {"staff": staff, "device": getattr(staff, "two_factor_device", None)}
    return _page(request, "accounts/two_factor/reset.html", form, context)
