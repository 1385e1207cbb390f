"""Writes to organisations, services, teams and staff accounts: permission, write, audit."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import slugify

from meaningful.accounts.access import can_administer, care_teams, reachable_people
from meaningful.accounts.models import (
    TEAM_ROLES,
    Membership,
    Organisation,
    Role,
    Service,
    ServiceKind,
    Team,
    User,
)
from meaningful.audit.services import record_event
from meaningful.errors import InvalidInput, NotAllowed


def system_account() -> User:
    """Return the installation's system account, creating it (with no usable password) once."""
    user, created = User.objects.get_or_create(
        username=settings.SYSTEM_USERNAME,
        defaults={"is_system": True, "first_name": "System", "last_name": "account"},
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    if not user.is_system:
        raise NotAllowed(
            f"The username {user.username!r} belongs to a person, not the system account. "
            "Set MEANINGFUL_SYSTEM_USERNAME to a free name."
        )
    return user


ADMINS_ONLY = "Only the organisation's administrators can do this."


def _require_admin(actor: User, organisation: Organisation) -> None:
    if not can_administer(actor, organisation):
        raise NotAllowed(ADMINS_ONLY)


def create_organisation(actor: User, name: str) -> Organisation:
    """Create an organisation; only the system account may (it is an installation-level act)."""
    if not actor.is_system:
        raise NotAllowed("Organisations are created by the installation's system account.")
    name = name.strip()
    if not name:
        raise InvalidInput({"name": "Enter the organisation's name."})
    if Organisation.objects.filter(name=name).exists():
        raise InvalidInput({"name": f"An organisation called {name!r} already exists."})
    organisation = Organisation.objects.create(name=name, slug=slugify(name)[:80])
    record_event(actor, "organisation.create", organisation)
    return organisation


def add_service(actor: User, organisation: Organisation, name: str, kind: str) -> Service:
    """Add a service to an organisation."""
    _require_admin(actor, organisation)
    if kind not in ServiceKind.values:
        raise InvalidInput({"kind": f"Choose one of: {', '.join(ServiceKind.values)}."})
    service, created = Service.objects.get_or_create(
        organisation=organisation, name=name.strip(), defaults={"kind": kind}
    )
    if created:
        record_event(actor, "service.create", service)
    return service


def add_team(actor: User, service: Service, name: str) -> Team:
    """Add a team to a service."""
    _require_admin(actor, service.organisation)
    team, created = Team.objects.get_or_create(service=service, name=name.strip())
    if created:
        record_event(actor, "team.create", team)
    return team


def create_staff_user(
    actor: User,
    organisation: Organisation,
    *,
    username: str,
    first_name: str,
    last_name: str,
    email: str = "",
    password: str | None = None,
) -> User:
    """Create a staff account; a given password must pass the password rules."""
    _require_admin(actor, organisation)
    taken = (
        User.objects.filter(username__iexact=username).values_list("username", flat=True).first()
    )
    if taken is not None:
        # Usernames differing only in capitals would be told apart by nobody signing in.
        raise InvalidInput({"username": f"The username {taken!r} is taken; choose another."})
    user = User(username=username, first_name=first_name, last_name=last_name, email=email)
    if password is None:
        user.set_unusable_password()
    else:
        try:
            validate_password(password, user)
        except ValidationError as error:
            raise InvalidInput({"password": " ".join(error.messages)}) from error
        user.set_password(password)
    with transaction.atomic():
        user.save()
        record_event(actor, "user.create", user, detail={"organisation": organisation.slug})
    return user


def grant_role(
    actor: User,
    user: User,
    role: str,
    *,
    organisation: Organisation | None = None,
    team: Team | None = None,
) -> Membership:
    """Give a user a role: on a team for practitioners and team leaders, else organisation-wide."""
    if role not in Role.values:
        raise InvalidInput({"role": f"Choose one of: {', '.join(Role.values)}."})
    if role in TEAM_ROLES and team is None:
        raise InvalidInput({"team": "Practitioners and team leaders belong to a team."})
    if role not in TEAM_ROLES and team is not None:
        raise InvalidInput({"team": "Only practitioners and team leaders belong to a team."})
    if team is not None:
        organisation = team.organisation
    if role == Role.NATIONAL_ANALYST:
        if not actor.is_system:
            raise NotAllowed("National roles are granted by the installation's system account.")
    elif organisation is None:
        raise InvalidInput({"organisation": "Say which organisation the role is in."})
    else:
        _require_admin(actor, organisation)
    membership, created = Membership.objects.get_or_create(
        user=user, organisation=organisation, team=team, role=role
    )
    if role == Role.ORG_ADMIN and not user.is_staff:
        user.is_staff = True  # organisation administrators work in the admin site
        user.save(update_fields=["is_staff"])
    if created:
        record_event(
            actor, "membership.grant", membership, detail={"user": user.username, "role": role}
        )
    return membership


@dataclass(frozen=True)
class HomeSummary:
    """What the home page shows a signed-in user: their roles, teams and caseload size."""

    roles: list[str]
    teams: list[Team]
    caseload_count: int
    can_import: bool
    can_extract: bool
    has_api_tokens: bool = False


def home_summary(user: User) -> HomeSummary:
    """Summarise the user's place in the organisation without opening any person's record."""
    roles = [
        Role(role).label for role in sorted(set(user.memberships.values_list("role", flat=True)))
    ]
    teams = list(care_teams(user).select_related("service")) if not user.is_system else []
    can_import = user.memberships.filter(role__in=[Role.ORG_ADMIN, Role.TEAM_LEADER]).exists()
    return HomeSummary(
        roles=roles,
        teams=teams,
        caseload_count=reachable_people(user).count(),
        can_import=can_import,
        can_extract=user.memberships.filter(role__in=[Role.ANALYST, Role.ORG_ADMIN]).exists(),
        has_api_tokens=user.api_tokens.exists(),
    )
