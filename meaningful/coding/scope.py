"""Who may code which narratives, and how they see them: the coding workbench's need-to-know rules.

- Practitioners and team leaders code the conversations of the people on their teams' current
  caseload (as ``accounts.access.reachable_people``), and see them as recorded.
- Analysts and organisation administrators code the conversations of their organisation's
  people whose agreement to share anonymised quotes is in force today, and see them
  pseudonymised: a pseudonym for the person, names, places and dates taken out of the words.
- Analysts and organisation administrators keep the codebook; everybody who codes reads it.
- Nobody else (national analysts, auditors, the system account) uses the workbench.

A member of staff with both kinds of role sees a conversation as recorded when the person is on
their caseload, and pseudonymised otherwise.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from meaningful.accounts.access import reachable_people
from meaningful.accounts.models import TEAM_ROLES, Membership, Organisation, Role, User
from meaningful.conversations.models import Conversation
from meaningful.errors import NotAllowed, NotFound
from meaningful.people.models import Consent, ConsentPurpose

ANALYSIS_ROLES = (Role.ANALYST, Role.ORG_ADMIN)
CODING_ROLES = (*TEAM_ROLES, *ANALYSIS_ROLES)
NOT_A_CODER = (
    "The coding workbench is for practitioners, team leaders, analysts and organisation "
    "administrators."
)
NOT_A_KEEPER = "Only analysts and organisation administrators change the codebook."
NO_SUCH_NARRATIVE = "No such conversation to code."


def coding_organisation(user: User) -> Organisation:
    """The organisation whose codebook the user works with; NotAllowed for anyone who codes none."""
    if not user.is_system:
        membership = (
            Membership.objects.filter(user=user, role__in=CODING_ROLES)
            .select_related("organisation", "team__service__organisation")
            .order_by("created_at")
            .first()
        )
        if membership is not None:
            if membership.team is not None:
                return membership.team.service.organisation
            if membership.organisation is not None:
                return membership.organisation
    raise NotAllowed(NOT_A_CODER)


def keeps_codebook(user: User, organisation: Organisation) -> bool:
    """True for the organisation's analysts and administrators."""
    return Membership.objects.filter(
        user=user, organisation=organisation, role__in=ANALYSIS_ROLES
    ).exists()


def quotes_consented() -> Exists:
    """True for a conversation whose person's agreement to share anonymised quotes is in force."""
    return Exists(
        Consent.objects.in_force(timezone.localdate()).filter(
            person=OuterRef("person"), purpose=ConsentPurpose.SHARE_ANONYMISED_QUOTES
        )
    )


def codable_conversations(user: User) -> QuerySet[Conversation]:
    """Every conversation the user may code: their caseload's, and consented ones for analysts."""
    coding_organisation(user)
    caseload = Q(person__in=reachable_people(user))
    organisations = Membership.objects.filter(user=user, role__in=ANALYSIS_ROLES).values(
        "organisation"
    )
    if organisations.exists():
        consented = Q(person__organisation__in=organisations, person__erased_at__isnull=True) & Q(
            quotes_consented()
        )
        return Conversation.objects.filter(caseload | consented)
    return Conversation.objects.filter(caseload)


def codable_conversation(user: User, conversation_id: object) -> Conversation:
    """One conversation the user may code, with its person; NotFound for any other."""
    try:
        found = (
            codable_conversations(user)
            .select_related("person", "framework", "team", "practitioner")
            .filter(pk=str(conversation_id))
            .first()
        )
    except (ValueError, ValidationError) as error:  # not a UUID
        raise NotFound(NO_SUCH_NARRATIVE) from error
    if found is None:
        raise NotFound(NO_SUCH_NARRATIVE)
    return found


def identifiable_people(user: User) -> set[object]:
    """The ids of the people the user sees as recorded (their caseload); others are pseudonymised."""
    return set(reachable_people(user).values_list("pk", flat=True))
