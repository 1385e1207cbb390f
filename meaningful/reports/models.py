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


# What identifies a row of each count table (its unique key; the refresh adds by it).
LATEST_KEY = (
    "framework_id",
    "scale_id",
    "outcome_id",
    "team_id",
    "level_id",
    "direction",
    "held_month",
    "next_month",
)
QUALITY_KEY = ("team_id", "framework_id", "month")
DUE_KEY = (
    "framework_id",
    "scale_id",
    "team_id",
    "baseline_month",
    "due_month",
    "review_month",
    "level_id",
)


class DueStep(models.Model):
    """A first conversation whose review fell due, with when the review came (if it did).

    One row per first conversation and agreed level (level 0: the row that counts the
    conversation itself). Months are counted from year 0 (year * 12 + month - 1), so whole-month
    periods compare exactly.
    """

    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="+", db_constraint=False
    )
    framework_id = models.IntegerField()
    scale_id = models.IntegerField()
    team_id = models.IntegerField()
    baseline_month = models.IntegerField()
    due_month = models.IntegerField()
    review_month = models.IntegerField(help_text="NO_MONTH when no review came")
    level_id = models.IntegerField(help_text="0 for the row counting the conversation itself")
    count = models.IntegerField()

    def __str__(self) -> str:
        return f"Due review of person {self.person_id}"


class LatestCount(models.Model):
    """Agreed ratings counted by where they sit on people's journeys, month by month.

    Kept by `refresh` as the sum of every person's rating steps, so a report without filters on
    people's details reads these counts instead of every rating.
    """

    framework_id = models.IntegerField()
    scale_id = models.IntegerField()
    outcome_id = models.IntegerField()
    team_id = models.IntegerField()
    level_id = models.IntegerField()
    direction = models.SmallIntegerField(help_text="1, 0, -1, or NOT_PAIRED")
    held_month = models.IntegerField()
    next_month = models.IntegerField(help_text="NO_MONTH when no later rating")
    count = models.IntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=list(LATEST_KEY),
                name="latest_count_key",
            )
        ]

    def __str__(self) -> str:
        return f"{self.count} ratings"


class QualityCount(models.Model):
    """Records and the recording standards they meet, by team, framework and month."""

    team_id = models.IntegerField()
    framework_id = models.IntegerField()
    month = models.IntegerField()
    records = models.IntegerField()
    own_words = models.IntegerField()
    working_or_not = models.IntegerField()
    action = models.IntegerField()
    agreed_level = models.IntegerField()
    service_led = models.IntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=list(QUALITY_KEY), name="quality_count_key")]

    def __str__(self) -> str:
        return f"{self.records} records"


class DueCount(models.Model):
    """The sum of every person's due steps, keyed like them."""

    framework_id = models.IntegerField()
    scale_id = models.IntegerField()
    team_id = models.IntegerField()
    baseline_month = models.IntegerField()
    due_month = models.IntegerField()
    review_month = models.IntegerField()
    level_id = models.IntegerField()
    count = models.IntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=list(DUE_KEY),
                name="due_count_key",
            )
        ]

    def __str__(self) -> str:
        return f"{self.count} due"
