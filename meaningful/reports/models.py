"""Tables derived from conversations for reporting, refreshed whenever a person's record changes.

Reports group these narrow tables instead of ordering every rating of every person: each agreed
rating knows the person's first rating on that outcome and the date of their next one, so "the
latest rating as of a date" is a plain filter. Nothing here is a source of truth; `refresh`
rebuilds any person's rows from their conversations at any time.

The looked-up columns carry no database constraint and no index of their own: the rows are
rebuilt from checked records, and checking or indexing hundreds of thousands of them again on
every bulk load would cost more than the reports gain. Deleting a person or a record still
removes their rows (Django follows on_delete).
"""

from __future__ import annotations

from django.db import models

from meaningful.accounts.models import Team
from meaningful.conversations.models import OutcomeRecord
from meaningful.frameworks.models import Framework, Level, Outcome, Scale
from meaningful.people.models import Person


class RatingStep(models.Model):
    """One agreed rating on a person's journey for an outcome, with the first and next beside it."""

    record = models.OneToOneField(
        OutcomeRecord, primary_key=True, on_delete=models.CASCADE, related_name="+"
    )
    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="+", db_constraint=False
    )
    framework = models.ForeignKey(
        Framework, on_delete=models.CASCADE, related_name="+", db_constraint=False, db_index=False
    )
    scale = models.ForeignKey(
        Scale, on_delete=models.CASCADE, related_name="+", db_constraint=False, db_index=False
    )
    outcome = models.ForeignKey(
        Outcome, on_delete=models.CASCADE, related_name="+", db_constraint=False, db_index=False
    )
    team = models.ForeignKey(
        Team, on_delete=models.CASCADE, related_name="+", db_constraint=False, db_index=False
    )
    held_on = models.DateField()
    level = models.ForeignKey(
        Level, on_delete=models.CASCADE, related_name="+", db_constraint=False, db_index=False
    )
    rank = models.SmallIntegerField(null=True)
    first_rank = models.SmallIntegerField(null=True)
    first_on = models.DateField()
    next_on = models.DateField(null=True, help_text="The person's next agreed rating, if any")

    class Meta:
        indexes = [models.Index(fields=["team", "held_on"])]

    def __str__(self) -> str:
        return f"Rating step of record {self.record_id}"


class RecordQuality(models.Model):
    """The recording standards one outcome record meets (the same checks as the prompts)."""

    record = models.OneToOneField(
        OutcomeRecord, primary_key=True, on_delete=models.CASCADE, related_name="+"
    )
    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="+", db_constraint=False
    )
    framework = models.ForeignKey(
        Framework, on_delete=models.CASCADE, related_name="+", db_constraint=False, db_index=False
    )
    team = models.ForeignKey(
        Team, on_delete=models.CASCADE, related_name="+", db_constraint=False, db_index=False
    )
    held_on = models.DateField()
    own_words = models.BooleanField()
    working_or_not = models.BooleanField()
    service_led = models.BooleanField()
    agreed_level = models.BooleanField()
    action = models.BooleanField()

    class Meta:
        indexes = [models.Index(fields=["team", "held_on"])]

    def __str__(self) -> str:
        return f"Recording quality of record {self.record_id}"
