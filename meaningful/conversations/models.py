"""Outcomes-focused conversations and what was recorded for each outcome discussed."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

from meaningful.accounts.models import Team
from meaningful.frameworks.models import Framework, Level, Outcome, OutcomeType, Scale
from meaningful.people.models import Person, related_names


class ConversationKind(models.TextChoices):
    BASELINE = "baseline", "Baseline (first conversation)"
    REVIEW = "review", "Review"
    EXIT = "exit", "Exit (support ending)"


class ConversationStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    AGREED = "agreed", "Agreed"


class Conversation(models.Model):
    """One outcomes conversation with a person, fixed to one framework version and scale."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="conversations")
    held_on = models.DateField()
    kind = models.CharField(max_length=10, choices=ConversationKind.choices)
    framework = models.ForeignKey(Framework, on_delete=models.PROTECT, related_name="conversations")
    scale = models.ForeignKey(Scale, on_delete=models.PROTECT, related_name="+")
    practitioner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="conversations"
    )
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="conversations")
    participants = models.CharField(max_length=300, blank=True, help_text="Who took part")
    story = models.TextField(blank=True, help_text="The overall story of the conversation")
    status = models.CharField(
        max_length=10, choices=ConversationStatus.choices, default=ConversationStatus.DRAFT
    )
    next_review_due = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["person", "held_on"]
        indexes = [
            models.Index(fields=["person", "held_on"]),
            models.Index(fields=["team", "held_on"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} with {self.person} on {self.held_on:%d/%m/%Y}"

    def known_names(self) -> list[str]:
        """Names the record holds that an anonymised excerpt must not show: the person's, the
        practitioner's, and those of their carers and the people they care for."""
        person, staff = self.person, self.practitioner
        names = [person.given_name, person.family_name, person.preferred_name]
        names += [staff.first_name, staff.last_name, *related_names(person)]
        return [name for name in names if name]


class Contributor(models.TextChoices):
    PERSON = "person", "The person"
    FAMILY_COMMUNITY = "family-community", "Family and community"
    SERVICES = "services", "Services"


class OutcomeRecord(models.Model):
    """What was said about one outcome: the person's words first, the ratings as a summary."""

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="records")
    outcome = models.ForeignKey(Outcome, on_delete=models.PROTECT, related_name="records")
    what_matters = models.TextField(blank=True, help_text="In the person's own words")
    why_it_matters = models.TextField(blank=True)
    working = models.TextField(blank=True, help_text="What is working: strengths and supports")
    not_working = models.TextField(blank=True, help_text="What is not working: barriers")
    outcome_type = models.CharField(max_length=20, choices=OutcomeType.choices)
    contributions = models.JSONField(
        default=list, help_text="Who contributes: person, family-community, services"
    )
    worker_level = models.ForeignKey(
        Level, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    person_level = models.ForeignKey(
        Level, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    agreed_level = models.ForeignKey(
        Level, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["conversation", "outcome__position"]
        constraints = [
            models.UniqueConstraint(fields=["conversation", "outcome"], name="record_outcome_once")
        ]

    def __str__(self) -> str:
        return f"{self.outcome} ({self.conversation})"

    @property
    def contribution_labels(self) -> list[str]:
        """Who contributes, in the words and the order the form uses ("Family and community")."""
        given = set(self.contributions)
        return [str(label) for code, label in Contributor.choices if code in given]
