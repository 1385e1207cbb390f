from __future__ import annotations

import pytest

from meaningful.accounts.models import Membership, Role
from meaningful.accounts.services import (
    add_service,
    add_team,
    create_organisation,
    create_staff_user,
    grant_role,
    system_account,
)
from meaningful.audit.models import AuditEvent
from meaningful.demo.factories import Personas, make_personas
from meaningful.errors import InvalidInput, NotAllowed


def test_the_organisation_admin_adds_services_and_teams_and_each_is_audited(
    personas: Personas,
) -> None:
    service = add_service(personas.admin, personas.organisation, "Reablement", "reablement")
    team = add_team(personas.admin, service, "Reablement East")
    assert team.organisation == personas.organisation
    actions = AuditEvent.objects.filter(actor=personas.admin).values_list("action", flat=True)
    assert list(actions) == ["service.create", "team.create"]


@pytest.mark.parametrize("who", ["owner", "colleague", "outsider", "analyst"])
def test_staff_who_are_not_admins_cannot_change_the_structure(personas: Personas, who: str) -> None:
    actor = getattr(personas, who)
    with pytest.raises(NotAllowed):
        add_service(actor, personas.organisation, "Reablement", "reablement")
    with pytest.raises(NotAllowed):
        add_team(actor, personas.team.service, "East")
    with pytest.raises(NotAllowed):
        create_staff_user(
            actor, personas.organisation, username="x.y", first_name="X", last_name="Y"
        )


def test_an_admin_of_another_organisation_is_refused(personas: Personas) -> None:
    other = make_personas("Other Partnership")
    with pytest.raises(NotAllowed):
        add_team(other.admin, personas.team.service, "East")
    with pytest.raises(NotAllowed):
        grant_role(other.admin, other.owner, Role.PRACTITIONER, team=personas.team)
    assert not Membership.objects.filter(user=other.owner, team=personas.team).exists()


def test_only_the_system_account_creates_organisations_and_national_roles(
    personas: Personas,
) -> None:
    with pytest.raises(NotAllowed):
        create_organisation(personas.admin, "Rogue Partnership")
    with pytest.raises(NotAllowed):
        grant_role(personas.admin, personas.analyst, Role.NATIONAL_ANALYST)
    membership = grant_role(personas.system, personas.analyst, Role.NATIONAL_ANALYST)
    assert membership.organisation is None


def test_team_roles_need_a_team_and_other_roles_must_not_have_one(personas: Personas) -> None:
    with pytest.raises(InvalidInput, match="belong to a team"):
        grant_role(
            personas.admin, personas.analyst, Role.PRACTITIONER, organisation=personas.organisation
        )
    with pytest.raises(InvalidInput, match="Only practitioners"):
        grant_role(personas.admin, personas.analyst, Role.AUDITOR, team=personas.team)


def test_a_weak_password_is_refused_with_the_reasons(personas: Personas) -> None:
    with pytest.raises(InvalidInput) as error:
        create_staff_user(
            personas.admin,
            personas.organisation,
            username="new.person",
            first_name="New",
            last_name="Person",
            password="password",
        )
    assert "too short" in error.value.errors["password"]


def test_granting_a_role_twice_changes_nothing(personas: Personas) -> None:
    before = AuditEvent.objects.count()
    grant_role(personas.admin, personas.owner, Role.PRACTITIONER, team=personas.team)
    assert AuditEvent.objects.count() == before


@pytest.mark.django_db
def test_the_system_account_has_no_usable_password(settings: object) -> None:
    system = system_account()
    assert system.is_system and not system.has_usable_password()
    assert system_account() == system
