"""The URLs and codes our FHIR resources use: one place, so export and import agree.

Local CodeSystems, extensions and identifier systems hang off MEANINGFUL_FHIR_BASE_URL; CHI
and NHS number systems are configurable too. Codes from HL7 and UK Core are facts of those
standards and are written here as they publish them.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

from meaningful.accounts.models import ServiceKind
from meaningful.conversations.models import Contributor, ConversationKind, ConversationStatus
from meaningful.frameworks.models import OutcomeType
from meaningful.people.models import ClientGroup, ConsentPurpose, Sex
from meaningful.plans.models import ActionOwner, ActionStatus, PlanStatus

GOAL_ACHIEVEMENT = "http://terminology.hl7.org/CodeSystem/goal-achievement"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
CONSENT_SCOPE = "http://terminology.hl7.org/CodeSystem/consentscope"
ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
PARTICIPATION_TYPE = "http://terminology.hl7.org/CodeSystem/v3-ParticipationType"
PROVENANCE_AGENT = "http://terminology.hl7.org/CodeSystem/provenance-participant-type"
DATA_OPERATION = "http://terminology.hl7.org/CodeSystem/v3-DataOperation"
UK_CORE_RELATIONSHIP = "https://fhir.hl7.org.uk/CodeSystem/UKCore-AdditionalPersonRelationshipRole"

_NAMESPACE = uuid.UUID("5b1f6f2e-93a4-4c8e-a7f5-0d3c2a8e9b41")


def base() -> str:
    return str(settings.FHIR_BASE_URL)


def code_system_url(name: str) -> str:
    return f"{base()}/CodeSystem/{name}"


def extension_url(name: str) -> str:
    return f"{base()}/StructureDefinition/{name}"


def identifier_system(kind: str, organisation_slug: str = "") -> str:
    """Return the identifier system for a CHI, NHS or local number, or a staff username."""
    if kind == "chi":
        return str(settings.FHIR_CHI_SYSTEM)
    if kind == "nhs":
        return str(settings.FHIR_NHS_SYSTEM)
    if kind == "local":
        return f"{base()}/Id/{organisation_slug}/person"
    return f"{base()}/Id/{kind}"


def identifier_kind(system: str) -> str | None:
    """Return chi, nhs or local for a person identifier system we recognise, else None."""
    if system == settings.FHIR_CHI_SYSTEM:
        return "chi"
    if system == settings.FHIR_NHS_SYSTEM:
        return "nhs"
    if system.endswith("/person") and "/Id/" in system:
        return "local"
    return None


def stable_id(*parts: object) -> str:
    """Return a FHIR id derived from our keys, so the same record always gets the same id."""
    return str(uuid.uuid5(_NAMESPACE, "|".join(str(part) for part in parts)))


# Our own choices exported as local CodeSystems: name -> (title, choices).
CHOICE_SYSTEMS: dict[str, tuple[str, type[models.TextChoices]]] = {
    "conversation-kind": ("Kinds of outcomes conversation", ConversationKind),
    "client-group": ("Client groups", ClientGroup),
    "outcome-type": ("Types of personal outcome", OutcomeType),
    "action-owner": ("Who carries out an action", ActionOwner),
    "consent-purpose": ("Purposes a person can agree to", ConsentPurpose),
    "service-kind": ("Kinds of service", ServiceKind),
}


class RatingKind(models.TextChoices):
    """Whose rating an Observation holds: the three are kept apart in the record."""

    AGREED = "agreed", "Rating agreed with the person"
    WORKER = "worker", "Worker's rating"
    PERSON = "person", "Person's own rating"


CHOICE_SYSTEMS["rating-kind"] = ("Whose rating of a personal outcome", RatingKind)
CHOICE_SYSTEMS["contribution"] = ("Who contributes to an outcome", Contributor)

# The questions asked about each outcome, in order: (item suffix, text, model field).
TEXT_ITEMS = (
    ("what-matters", "What matters, in the person's words", "what_matters"),
    ("why-it-matters", "Why it matters", "why_it_matters"),
    ("working", "What is working", "working"),
    ("not-working", "What is not working", "not_working"),
)
RATING_ITEMS = (
    ("agreed-level", RatingKind.AGREED, "agreed_level"),
    ("worker-level", RatingKind.WORKER, "worker_level"),
    ("person-level", RatingKind.PERSON, "person_level"),
)


GENDER: dict[str, str] = {
    Sex.FEMALE: "female",
    Sex.MALE: "male",
    Sex.OTHER: "other",
    Sex.NOT_KNOWN: "unknown",
}
QR_STATUS: dict[str, str] = {
    ConversationStatus.AGREED: "completed",
    ConversationStatus.DRAFT: "in-progress",
}
CARE_PLAN_STATUS: dict[str, str] = {
    PlanStatus.DRAFT: "draft",
    PlanStatus.ACTIVE: "active",
    PlanStatus.CLOSED: "completed",
}
TASK_STATUS: dict[str, str] = {
    ActionStatus.PLANNED: "ready",
    ActionStatus.IN_PROGRESS: "in-progress",
    ActionStatus.DONE: "completed",
    ActionStatus.DROPPED: "cancelled",
}


def reverse(mapping: dict[str, str]) -> dict[str, str]:
    return {value: key for key, value in mapping.items()}
