"""Who may reach what: the one place the need-to-know rules live.

The first rule set: practitioners and team leaders reach the people on their own teams'
caseloads; everybody else gets "not found"; analysts reach no person record. The system
account that command-line tools act as reaches everything and is named as such in the audit.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

from django.db import models
from django.db.models import QuerySet

from meaningful.accounts.models import TEAM_ROLES, Membership, Organisation, Role, Team, User

if TYPE_CHECKING:
    from meaningful.people.models import Person


def roles_of(user: User) -> list[str]:
    """Return the distinct roles the user holds, sorted, for the audit trail."""
    if user.is_system:
        return ["system"]
    return sorted(set(Membership.objects.filter(user=user).values_list("role", flat=True)))


_import_grant: ContextVar[tuple[int, int] | None] = ContextVar("import_grant", default=None)


@contextmanager
def import_grant(user: User, organisation: Organisation) -> Iterator[None]:
    """While an administrator imports records, let them write to every team of their organisation.

    The grant lasts for the import only, and every write is still audited under their name.
    """
    if not can_administer(user, organisation):
        raise PermissionError("Only the organisation's administrators import across teams.")
    token = _import_grant.set((user.pk, organisation.pk))
    try:
        yield
    finally:
        _import_grant.reset(token)


def care_teams(user: User) -> QuerySet[Team]:
    """Return the teams whose caseload the user works with."""
    if user.is_system:
        return Team.objects.all()
    grant = _import_grant.get()
    if grant is not None and grant[0] == user.pk:
        return Team.objects.filter(service__organisation_id=grant[1])
    return Team.objects.filter(memberships__user=user, memberships__role__in=TEAM_ROLES).distinct()


def reachable_people(user: User) -> QuerySet[Person]:
    """Return the people whose records the user may open: their teams' current caseload."""
    from meaningful.people.models import Allocation, Person

    if user.is_system:
        return Person.objects.filter(erased_at__isnull=True)  # an erased record holds nothing
    # "id IN (people allocated to my teams)": no join, so no duplicates to remove, and both
    # SQLite and PostgreSQL drive the query from the team's allocations, not from every person.
    current = Allocation.objects.filter(team__in=care_teams(user), ended_on__isnull=True)
    opened = break_glass_grants(user)
    if opened.exists():  # only then does the query take the second branch
        return Person.objects.filter(
            models.Q(pk__in=current.values("person_id"))
            | models.Q(pk__in=opened.values("person_id"))
        )
    return Person.objects.filter(pk__in=current.values("person_id"))


def quotable_people(user: User) -> QuerySet[Person]:
    """Return the people whose words an analyst may read, pseudonymised: those of the analyst's
    organisations whose agreement to share anonymised quotes is in force today; nobody for any
    other role. An erased record holds no words to read."""
    from django.utils import timezone

    from meaningful.people.models import Consent, ConsentPurpose, Person

    organisations = Membership.objects.filter(user=user, role=Role.ANALYST).values("organisation")
    agreed = Consent.objects.in_force(timezone.localdate()).filter(
        person=models.OuterRef("pk"), purpose=ConsentPurpose.SHARE_ANONYMISED_QUOTES
    )
    return Person.objects.filter(
        models.Exists(agreed), organisation__in=organisations, erased_at__isnull=True
    )


def break_glass_grants(user: User) -> QuerySet[Any]:
    """The user's break-glass access still open now.

    Only administrators open it, and they are staff in the admin site; for anyone else the
    answer is known without asking the database, so caseload pages pay nothing for it.
    """
    from django.utils import timezone

    from meaningful.people.models import BreakGlass

    if not user.is_staff:
        return BreakGlass.objects.none()
    return BreakGlass.objects.filter(user=user, expires_at__gt=timezone.now())


def can_reach_person(user: User, person: Person) -> bool:
    """True when the person is on the current caseload of one of the user's teams."""
    return reachable_people(user).filter(pk=person.pk).exists()


def can_work_in_team(user: User, team: Team) -> bool:
    """True when the user may add people to, or record for, this team."""
    return care_teams(user).filter(pk=team.pk).exists()


def can_administer(user: User, organisation: Organisation) -> bool:
    """True for the system account and the organisation's administrators."""
    if user.is_system:
        return True
    return Membership.objects.filter(
        user=user, organisation=organisation, role=Role.ORG_ADMIN
    ).exists()


REPORT_ROLES = (Role.ANALYST, Role.ORG_ADMIN)


def reportable_teams(user: User) -> QuerySet[Team]:
    """Return the teams whose figures the user may see in internal reports.

    Practitioners and team leaders see their own teams' figures; analysts and administrators see
    every team of their organisation. Reports show counts and anonymised words, never records.
    """
    if user.is_system:
        return Team.objects.all()
    organisations = Membership.objects.filter(user=user, role__in=REPORT_ROLES).values(
        "organisation"
    )
    own = Membership.objects.filter(user=user, role__in=TEAM_ROLES).values("team")
    return Team.objects.filter(
        models.Q(service__organisation__in=organisations) | models.Q(pk__in=own)
    ).distinct()
