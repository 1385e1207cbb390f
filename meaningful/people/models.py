"""People who use services and unpaid carers, their identifiers, relationships and consent."""

from __future__ import annotations

import uuid
from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from meaningful.accounts.models import Organisation, Team


class Sex(models.TextChoices):
    FEMALE = "female", "Female"
    MALE = "male", "Male"
    OTHER = "other", "Other"
    NOT_KNOWN = "not-known", "Not known"


class ClientGroup(models.TextChoices):
    OLDER_PEOPLE = "older-people", "Older people"
    PHYSICAL_DISABILITY = "physical-disability", "Physical disability"
    LEARNING_DISABILITY = "learning-disability", "Learning disability"
    MENTAL_HEALTH = "mental-health", "Mental health"
    DEMENTIA = "dementia", "Dementia"
    UNPAID_CARER = "unpaid-carer", "Unpaid carer"
    OTHER = "other", "Other"


class Person(models.Model):
    """Someone who uses services or an unpaid carer; 'About me' is kept in their own words."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="people")
    given_name = models.CharField(max_length=100)
    family_name = models.CharField(max_length=100)
    preferred_name = models.CharField(max_length=100, blank=True)
    date_of_birth = models.DateField(null=True, blank=True)
    postcode = models.CharField(max_length=10, blank=True)
    sex = models.CharField(max_length=12, choices=Sex.choices, default=Sex.NOT_KNOWN)
    client_group = models.CharField(
        max_length=30, choices=ClientGroup.choices, default=ClientGroup.OTHER
    )
    is_carer = models.BooleanField(default=False)
    about_me = models.TextField(
        blank=True, help_text="What the person wants us to know, in their words."
    )
    legal_hold_reason = models.CharField(
        max_length=200,
        blank=True,
        default="",
        db_default="",  # rows written straight to the table (bulk loads) have no hold
        help_text="Why the record must be kept whatever its retention period; empty: no hold.",
    )
    erased_at = models.DateTimeField(
        null=True, blank=True, help_text="When the record was anonymised (erasure or retention)."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["family_name", "given_name"]
        verbose_name_plural = "people"
        indexes = [models.Index(fields=["organisation", "family_name", "given_name"])]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        if self.erased_at is not None:
            return "Erased record"
        first = self.preferred_name or self.given_name
        return f"{first} {self.family_name}"

    @property
    def on_legal_hold(self) -> bool:
        return bool(self.legal_hold_reason)


class IdentifierSystem(models.TextChoices):
    CHI = "chi", "CHI number"
    NHS = "nhs", "NHS number"
    LOCAL = "local", "Local id"


class Identifier(models.Model):
    """A CHI number, NHS number or local id, checked before it is stored."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="identifiers")
    system = models.CharField(max_length=10, choices=IdentifierSystem.choices)
    value = models.CharField(max_length=40)

    class Meta:
        ordering = ["system"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "system", "value"], name="identifier_unique_in_organisation"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_system_display()} {self.value}"


class Allocation(models.Model):
    """A person on a team's caseload, with their named worker, from one date to another."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="allocations")
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="allocations")
    worker = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    started_on = models.DateField()
    ended_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["-started_on"]
        indexes = [models.Index(fields=["team", "ended_on"])]

    def __str__(self) -> str:
        return f"{self.person} on {self.team}"


class Relationship(models.Model):
    """An unpaid carer and the person they care for; each side links to the other."""

    carer = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="caring_for")
    cared_for = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="cared_for_by")
    description = models.CharField(max_length=100, blank=True, help_text="e.g. daughter, husband")
    started_on = models.DateField(null=True, blank=True)
    ended_on = models.DateField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["carer", "cared_for"], name="relationship_unique"),
            models.CheckConstraint(
                condition=~Q(carer=F("cared_for")), name="relationship_not_self"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.carer} cares for {self.cared_for}"


def related_names(person: Person) -> list[str]:
    """Names of the carers of a person and of the people they care for (other people's names)."""
    names: list[str] = []
    for link in Relationship.objects.filter(carer=person).select_related("cared_for"):
        names += [link.cared_for.given_name, link.cared_for.family_name]
    for link in Relationship.objects.filter(cared_for=person).select_related("carer"):
        names += [link.carer.given_name, link.carer.family_name]
    return [name for name in names if name]


class ConsentPurpose(models.TextChoices):
    SHARE_ANONYMISED_QUOTES = "share-anonymised-quotes", "Share anonymised quotes"
    SHARE_WITH_AGENCY = "share-with-agency", "Share with a named agency"


class ConsentMethod(models.TextChoices):
    IN_PERSON = "in-person", "In person, spoken"
    PHONE = "phone", "By phone or video call"
    IN_WRITING = "in-writing", "In writing (a signed form, letter or email)"
    REPRESENTATIVE = (
        "representative",
        "By someone with legal authority to decide for them (a guardian or attorney)",
    )
    NOT_RECORDED = "not-recorded", "Not recorded"


class ConsentQuerySet(models.QuerySet["Consent"]):
    def in_force(self, on: date) -> ConsentQuerySet:
        """Consents given on or before the day and not withdrawn by then."""
        return self.filter(given_on__lte=on).filter(
            Q(withdrawn_on__isnull=True) | Q(withdrawn_on__gt=on)
        )


class Consent(models.Model):
    """Agreement to a purpose, with the date given and how; a withdrawal is added, never overwritten.

    Agreeing again after a withdrawal is a new row, so the whole history stays.
    """

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="consents")
    purpose = models.CharField(max_length=40, choices=ConsentPurpose.choices)
    agency = models.CharField(max_length=200, blank=True)
    given_on = models.DateField()
    how_given = models.CharField(
        max_length=20,
        choices=ConsentMethod.choices,
        default=ConsentMethod.NOT_RECORDED,
        db_default=ConsentMethod.NOT_RECORDED,
    )
    withdrawn_on = models.DateField(null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)
    withdrawal_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    withdrawal_recorded_at = models.DateTimeField(null=True, blank=True)

    objects = ConsentQuerySet.as_manager()

    class Meta:
        ordering = ["-given_on", "-recorded_at"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(purpose="share-with-agency") | ~Q(agency=""),
                name="consent_agency_named",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} ({self.person})"

    @property
    def is_active(self) -> bool:
        return self.withdrawn_on is None

    def in_force_on(self, day: date) -> bool:
        """True when given on or before the day and not withdrawn by then (as ``in_force``)."""
        return self.given_on <= day and (self.withdrawn_on is None or self.withdrawn_on > day)


class BreakGlass(models.Model):
    """Time-limited access to one person's record, opened by an administrator with a reason."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="break_glass")
    reason = models.TextField()
    opened_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["user", "expires_at"])]

    def __str__(self) -> str:
        return f"{self.user} on {self.person} until {self.expires_at:%H:%M}"


class ErasureStatus(models.TextChoices):
    PENDING = "pending", "Waiting for a decision"
    APPROVED = "approved", "Approved: the record was anonymised"
    REFUSED = "refused", "Refused"


class ErasureRequest(models.Model):
    """A person's request to erase their record: raised by one administrator, decided by another."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="erasure_requests")
    asked_on = models.DateField(help_text="When the person (or someone for them) asked.")
    what_was_asked = models.TextField()
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(
        max_length=10, choices=ErasureStatus.choices, default=ErasureStatus.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-requested_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(decided_by__isnull=True) | ~Q(decided_by=F("requested_by")),
                name="erasure_decided_by_another",
            ),
            models.UniqueConstraint(
                fields=["person"],
                condition=Q(status="pending"),
                name="erasure_one_pending_per_person",
            ),
        ]

    def __str__(self) -> str:
        return f"Erasure request {self.pk} ({self.get_status_display()})"
