"""Adding staff and letting them choose their own password, without email.

An organisation administrator adds a member of staff with their role (and team, for
practitioners and team leaders). Nobody types a password for anyone: the administrator is given
a one-time link to pass on (in person, by phone, or on a system the organisation trusts), which
lets its holder choose the password once. The same link is how someone who forgot their password
gets back in. A link works for three days (PASSWORD_RESET_TIMEOUT) and stops working once used,
since choosing a password changes what it was made from. Two-factor sign-in is then set up at the
first sign-in, as for everyone. Issuing a link and choosing a password are audited.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.db import transaction
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from meaningful.accounts.models import TEAM_ROLES, Organisation, Role, Team, User
from meaningful.accounts.services import create_staff_user, grant_role
from meaningful.accounts.two_factor import staff_administered_by
from meaningful.audit.services import record_event
from meaningful.errors import InvalidInput, NotAllowed, NotFound

LINK_DAYS = settings.PASSWORD_RESET_TIMEOUT // (24 * 60 * 60)
ORGANISATION_ROLES = [role for role in Role if role != Role.NATIONAL_ANALYST]


@dataclass(frozen=True)
class NewStaff:
    first_name: str
    last_name: str
    username: str
    role: str
    team: Team | None = None


def add_staff(actor: User, organisation: Organisation, new: NewStaff) -> tuple[User, str]:
    """Create a member of staff with one role, and return them with their first sign-in link."""
    if new.role not in [role.value for role in ORGANISATION_ROLES]:
        raise InvalidInput({"role": "Choose the role they will have."})
    if new.role in TEAM_ROLES and new.team is None:
        raise InvalidInput({"team": "Choose the team a practitioner or team leader works in."})
    if new.team is not None and new.team.organisation.pk != organisation.pk:
        raise NotFound("No such team in your organisation.")
    with transaction.atomic():
        user = create_staff_user(
            actor,
            organisation,
            username=new.username,
            first_name=new.first_name,
            last_name=new.last_name,
        )
        team = new.team if new.role in TEAM_ROLES else None
        grant_role(actor, user, new.role, organisation=organisation, team=team)
        link = sign_in_link(actor, user)
    return user, link


def sign_in_link(actor: User, user: User) -> str:
    """A one-time link (a path) with which ``user`` chooses their password; audited.

    The installation's operator may make one for anyone but the system account; an
    organisation administrator for the staff of their organisation, but not for themselves
    (a second administrator does that) nor for a superuser.
    """
    if user.is_system or not user.is_active:
        raise NotAllowed("Only an active member of staff can be given a sign-in link.")
    if not actor.is_system:
        if user.pk == actor.pk or user.is_superuser:
            raise NotAllowed(
                "Another administrator, or the installation's operator, makes this link for you."
            )
        if not staff_administered_by(actor).filter(pk=user.pk).exists():
            raise NotFound("No such member of staff in an organisation you administer.")
    token = default_token_generator.make_token(user)
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    record_event(actor, "user.sign-in-link", user, detail={"user": user.username})
    return reverse("set-password", args=[uid, token])
