"""The demo organisation: its services, teams and ten staff covering every role."""

from __future__ import annotations

from dataclasses import dataclass

from meaningful.accounts.models import Organisation, Role, Team, User
from meaningful.accounts.services import (
    add_service,
    add_team,
    create_organisation,
    create_staff_user,
    grant_role,
)

DEMO_ORGANISATION = "Tayside Fictional Health and Social Care Partnership"
DEMO_ADMIN = "graham.stewart"  # the org-admin; finds an existing demo whatever its name
DEMO_PASSWORD = "meaningful-demo"  # noqa: S105 - printed by `meaningful demo`; demo installations only

# (service name, kind, [team names])
SERVICES = [
    ("Care at Home", "care-at-home", ["Care at Home North", "Care at Home South"]),
    ("Carers Support", "carers-support", ["Carers Centre"]),
    ("Community Mental Health", "mental-health", ["Recovery Team"]),
]

# (username, first name, last name, role, team or None)
STAFF = [
    ("morag.campbell", "Morag", "Campbell", Role.PRACTITIONER, "Care at Home North"),
    ("david.reid", "David", "Reid", Role.PRACTITIONER, "Care at Home South"),
    ("priya.shah", "Priya", "Shah", Role.PRACTITIONER, "Carers Centre"),
    ("callum.fraser", "Callum", "Fraser", Role.PRACTITIONER, "Recovery Team"),
    ("fiona.murray", "Fiona", "Murray", Role.TEAM_LEADER, "Care at Home North"),
    ("james.wilson", "James", "Wilson", Role.TEAM_LEADER, "Carers Centre"),
    ("helen.anderson", "Helen", "Anderson", Role.ANALYST, None),
    ("graham.stewart", "Graham", "Stewart", Role.ORG_ADMIN, None),
    ("sarah.mcdonald", "Sarah", "McDonald", Role.NATIONAL_ANALYST, None),
    ("kenneth.ross", "Kenneth", "Ross", Role.AUDITOR, None),
]


@dataclass
class DemoOrganisation:
    organisation: Organisation
    teams: dict[str, Team]
    staff: dict[str, User]

    def practitioner_for(self, team: Team) -> User:
        for username, _, _, role, team_name in STAFF:
            if role == Role.PRACTITIONER and team_name == team.name:
                return self.staff[username]
        raise LookupError(f"No demo practitioner on {team.name}")


def build_organisation(system: User, *, name: str = DEMO_ORGANISATION) -> DemoOrganisation:
    """Create the organisation, its services and teams, and the staff with their roles."""
    organisation = create_organisation(system, name)
    teams: dict[str, Team] = {}
    for service_name, kind, team_names in SERVICES:
        service = add_service(system, organisation, service_name, kind)
        for name_of_team in team_names:
            made = teams[name_of_team] = add_team(system, service, name_of_team)
            # Numbers from Ofcom's range kept for drama, so no real line is ever called.
            made.phone = f"01632 960{100 + len(teams):03d}"
            made.phone_hours = "Monday to Friday, 9am to 5pm"
            made.save(update_fields=["phone", "phone_hours"])
    staff: dict[str, User] = {}
    for username, first, last, role, team_name in STAFF:
        user = create_staff_user(
            system,
            organisation,
            username=username,
            first_name=first,
            last_name=last,
            email=f"{username}@example.org",
            password=DEMO_PASSWORD,
        )
        team = teams[team_name] if team_name else None
        grant_role(
            system,
            user,
            role,
            organisation=None if role == Role.NATIONAL_ANALYST else organisation,
            team=team,
        )
        staff[username] = user
    return DemoOrganisation(organisation=organisation, teams=teams, staff=staff)
