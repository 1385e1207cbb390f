"""A person's support plan: the actions agreed for their outcomes, who does them and by when."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

from meaningful.conversations.models import Conversation
from meaningful.frameworks.models import Outcome
from meaningful.people.models import Person


class PlanStatus(models.TextChoices):
    DRAFT = "draft", "Draft (conversation not yet agreed)"
    ACTIVE = "active", "Active"
    CLOSED = "closed", "Closed"


class SupportPlan(models.Model):
    """The plan agreed with a person for a period, usually from their latest agreed conversation."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="plans")
    conversation = models.ForeignKey(
        Conversation, on_delete=models.PROTECT, null=True, blank=True, related_name="plans"
    )
    starts_on = models.DateField()
    ends_on = models.DateField(null=True, blank=True)
    review_due = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=PlanStatus.choices, default=PlanStatus.ACTIVE)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["person", "-starts_on"]

    def __str__(self) -> str:
        return f"Plan for {self.person} from {self.starts_on:%d/%m/%Y}"


class ActionOwner(models.TextChoices):
    PERSON = "person", "The person"
    FAMILY_COMMUNITY = "family-community", "Family and community"
    SERVICE = "service", "Service"


class ActionStatus(models.TextChoices):
    PLANNED = "planned", "Planned"
    IN_PROGRESS = "in-progress", "In progress"
    DONE = "done", "Done"
    DROPPED = "dropped", "No longer needed"


class Action(models.Model):
    """Something agreed to work towards an outcome, with who will do it and by when."""

    plan = models.ForeignKey(SupportPlan, on_delete=models.CASCADE, related_name="actions")
    outcome = models.ForeignKey(
        Outcome, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    description = models.TextField()
    owner = models.CharField(max_length=20, choices=ActionOwner.choices)
    owner_name = models.CharField(max_length=100, blank=True, help_text="e.g. 'Jean (daughter)'")
    due_on = models.DateField(null=True, blank=True)
    status = models.CharField(
        max_length=15, choices=ActionStatus.choices, default=ActionStatus.PLANNED
    )
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["plan", "due_on", "id"]

    def __str__(self) -> str:
        return self.description[:60]
