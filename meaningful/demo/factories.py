"""Small, explicit builders for tests and examples: an organisation with personas, people, records.

The personas follow one pattern everywhere: someone who owns the record (a practitioner on
the person's team), a colleague on the same team (a team leader), someone locked out (a
practitioner on another team) and an analyst who reaches no person record.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pyotp
from django.utils import timezone

from meaningful.accounts.models import Organisation, Role, Team, User
from meaningful.accounts.services import (
    add_service,
    add_team,
    create_organisation,
    create_staff_user,
    grant_role,
    system_account,
)
from meaningful.accounts.two_factor import confirm_set_up, secret_of, start_set_up
from meaningful.conversations.models import Conversation
from meaningful.conversations.services import OutcomeInput, record_conversation
from meaningful.frameworks.models import Framework
from meaningful.people.models import Person
from meaningful.people.services import register_person

PERSONA_PASSWORD = "a-long-test-password-42"  # noqa: S105 - test accounts only


@dataclass
class Personas:
    organisation: Organisation
    team: Team
    other_team: Team
    owner: User
    colleague: User
    outsider: User
    analyst: User
    admin: User
    system: User


def make_personas(name: str = "Test Partnership") -> Personas:
    """Create an organisation with two teams and one user per persona."""
    system = system_account()
    organisation = create_organisation(system, name)
    service = add_service(system, organisation, "Care at Home", "care-at-home")
    team = add_team(system, service, "North")
    other_team = add_team(system, service, "South")

    def staff(username: str, role: str, on_team: Team | None) -> User:
        user = create_staff_user(
            system,
            organisation,
            username=username,
            first_name=username.title(),
            last_name="Tester",
            password=PERSONA_PASSWORD,
        )
        grant_role(system, user, role, organisation=organisation, team=on_team)
        return user

    return Personas(
        organisation=organisation,
        team=team,
        other_team=other_team,
        owner=staff(f"{organisation.slug}-owner", Role.PRACTITIONER, team),
        colleague=staff(f"{organisation.slug}-colleague", Role.TEAM_LEADER, team),
        outsider=staff(f"{organisation.slug}-outsider", Role.PRACTITIONER, other_team),
        analyst=staff(f"{organisation.slug}-analyst", Role.ANALYST, None),
        admin=staff(f"{organisation.slug}-admin", Role.ORG_ADMIN, None),
        system=system,
    )


def make_person(actor: User, team: Team, **fields: object) -> Person:
    """Register a person on a team's caseload with sensible defaults."""
    values: dict[str, object] = {
        "given_name": "Agnes",
        "family_name": "Millar",
        "date_of_birth": date(1941, 3, 14),
        "sex": "female",
        "client_group": "older-people",
        "about_me": "I want to keep living in my own flat near my sister.",
    }
    values.update(fields)
    return register_person(actor, team, **values)  # type: ignore[arg-type]


def make_conversation(
    actor: User,
    person: Person,
    *,
    kind: str = "baseline",
    held_on: date | None = None,
    levels: dict[str, str] | None = None,
) -> Conversation:
    """Record a conversation on the service users framework with the given agreed levels."""
    framework = Framework.objects.get(slug="talking-points-service-users", version="1")
    levels = levels or {"seeing-people": "not-met", "feeling-safe": "partly-met"}
    records = [
        OutcomeInput(
            outcome=code,
            what_matters=f"In my words: {code}",
            why_it_matters="It matters to me",
            working="My sister visits",
            not_working="The bus is hard to get on",
            contributions=["person", "services"],
            worker_level=level,
            person_level=level,
            agreed_level=level,
        )
        for code, level in levels.items()
    ]
    return record_conversation(
        actor,
        person,
        framework=framework,
        kind=kind,
        records=records,
        held_on=held_on or timezone.localdate() - timedelta(days=1),
        story="We talked about getting out more.",
    )


def app_code(secret: str, *, steps_ahead: int = 0) -> str:
    """The code an authenticator app shows now for the secret, or that many 30-second steps on."""
    return pyotp.TOTP(secret).at(timezone.now(), counter_offset=steps_ahead)


def set_up_two_factor(user: User) -> tuple[str, list[str]]:
    """Give the user a confirmed authenticator app; return its secret and the recovery codes.

    The code that confirmed it is used up, so the next one accepted is a later step's.
    """
    secret = secret_of(start_set_up(user))
    return secret, confirm_set_up(user, app_code(secret))
