"""Pages to add a member of staff, give someone a sign-in link, and choose a password with it."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse_lazy

from meaningful.accounts.models import Membership, Organisation, Role, Team, User
from meaningful.accounts.onboarding import (
    LINK_DAYS,
    ORGANISATION_ROLES,
    NewStaff,
    add_staff,
    sign_in_link,
)
from meaningful.accounts.two_factor import staff_administered_by
from meaningful.accounts.views import signed_in_user
from meaningful.audit.services import record_event
from meaningful.errors import InvalidInput, NotAllowed, NotFound
from meaningful.web.fields import TextField, choice_field
from meaningful.web.form_errors import error_list

ONLY_ADMINISTRATORS = "Only organisation administrators add staff and give sign-in links."


class NewStaffForm(forms.Form):
    first_name = TextField(
        label="First name",
        max_length=150,
        error_messages={"required": "Enter their first name."},
    )
    last_name = TextField(
        label="Last name", max_length=150, error_messages={"required": "Enter their last name."}
    )
    username = forms.RegexField(
        label="Username",
        max_length=150,
        regex=r"^[\w.@+-]+$",
        help_text="What they sign in with, for example morag.campbell. Letters, numbers and . @ + - _ only.",
        error_messages={
            "required": "Enter a username, for example morag.campbell.",
            "invalid": "Use only letters, numbers and . @ + - _ in a username, with no spaces.",
        },
    )
    role = forms.ChoiceField(
        label="Role",
        widget=forms.RadioSelect,
        choices=[(role.value, role.label) for role in ORGANISATION_ROLES],
        error_messages={"required": "Choose the role they will have."},
    )
    team = forms.ChoiceField(
        label="Team",
        required=False,
        help_text="For practitioners and team leaders: the team whose caseload they work with.",
    )

    def __init__(self, *args: Any, teams: list[Team], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.teams = {str(team.pk): team for team in teams}
        choice_field(self, "team").choices = [
            ("", "Not in a team"),
            *((key, team.with_service) for key, team in self.teams.items()),
        ]


def _administered(actor: User) -> Organisation:
    membership = (
        Membership.objects.filter(user=actor, role=Role.ORG_ADMIN)
        .select_related("organisation")
        .first()
    )
    if membership is None or membership.organisation is None:
        raise PermissionDenied(ONLY_ADMINISTRATORS)
    return membership.organisation


def _link_page(request: HttpRequest, user: User, path: str, *, new: bool) -> HttpResponse:
    response = render(
        request,
        "accounts/sign_in_link.html",
        {"staff": user, "link": request.build_absolute_uri(path), "new": new, "days": LINK_DAYS},
    )
    response["Cache-Control"] = "no-store"  # the link is shown once
    return response


@login_required
def staff_new(request: HttpRequest) -> HttpResponse:
    """An organisation administrator adds a member of staff and is given their sign-in link."""
    actor = signed_in_user(request)
    organisation = _administered(actor)
    teams = list(
        Team.objects.filter(service__organisation=organisation)
        .select_related("service")
        .order_by("service__name", "name")
    )
    form = NewStaffForm(request.POST if request.method == "POST" else None, teams=teams)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user, path = add_staff(
                actor,
                organisation,
                NewStaff(
                    first_name=data["first_name"].strip(),
                    last_name=data["last_name"].strip(),
                    username=data["username"],
                    role=data["role"],
                    team=form.teams.get(data["team"]),
                ),
            )
        except InvalidInput as error:
            for field, message in error.errors.items():
                form.add_error(field if field in form.fields else None, message)
        except (NotAllowed, NotFound) as error:
            form.add_error(None, str(error))
        else:
            return _link_page(request, user, path, new=True)
    errors = error_list([form]) if form.is_bound else []
    context = {"form": form, "errors": errors, "organisation": organisation}
    return render(request, "accounts/staff_new.html", context, status=400 if errors else 200)


@login_required
def staff_sign_in_link(request: HttpRequest, user_id: int) -> HttpResponse:
    """A new sign-in link for someone who forgot their password (asked for, then made on POST)."""
    actor = signed_in_user(request)
    _administered(actor)
    staff = staff_administered_by(actor).filter(pk=user_id).first()
    if staff is None:
        raise NotFound("No such member of staff in an organisation you administer.")
    errors = []
    if request.method == "POST":
        try:
            return _link_page(request, staff, sign_in_link(actor, staff), new=False)
        except NotAllowed as error:
            errors = [("", str(error))]
    context = {"staff": staff, "errors": errors, "days": LINK_DAYS}
    return render(
        request, "accounts/sign_in_link_confirm.html", context, status=400 if errors else 200
    )


class SetPasswordView(auth_views.PasswordResetConfirmView):
    """Choose a password with a one-time link; then sign in (and set up two-factor)."""

    template_name = "accounts/set_password.html"
    success_url = reverse_lazy("login")
    post_reset_login = False

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        user = form.user
        record_event(user, "user.password-set", user, detail={"by": "sign-in link"})
        messages.success(self.request, "Your password is set. Sign in with it now.")
        return response

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        form = context.get("form")
        context["errors"] = error_list([form]) if form is not None and form.is_bound else []
        return context
