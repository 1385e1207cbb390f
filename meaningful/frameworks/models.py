"""Outcome frameworks (versioned data), their outcomes, and rating scales with ordered levels."""

from __future__ import annotations

from django.db import models

from meaningful.accounts.models import Organisation


class ScaleKind(models.TextChoices):
    ORDINAL = "ordinal", "Ordered categories"
    NUMERIC = "numeric", "Numbered points"
    IMPORTANCE = "importance", "Importance of an issue"
    GOAL_ATTAINMENT = "goal-attainment", "Goal attainment (-2 to +2)"


class Scale(models.Model):
    """A rating scale; its levels are ordered by rank, higher rank meaning a better outcome."""

    code = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=ScaleKind.choices)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Level(models.Model):
    """One point on a scale; unranked levels (such as 'not discussed') hold no rating."""

    scale = models.ForeignKey(Scale, on_delete=models.CASCADE, related_name="levels")
    code = models.SlugField(max_length=60)
    label = models.CharField(max_length=100)
    rank = models.PositiveSmallIntegerField(null=True, blank=True)
    value = models.SmallIntegerField(null=True, blank=True, help_text="Score for numeric scales")
    counts_as_met = models.BooleanField(null=True, blank=True)

    class Meta:
        ordering = ["scale", models.F("rank").asc(nulls_last=True), "code"]
        constraints = [models.UniqueConstraint(fields=["scale", "code"], name="level_code_unique")]

    def __str__(self) -> str:
        return self.label


class Population(models.TextChoices):
    SERVICE_USERS = "service-users", "People who use services"
    CARERS = "carers", "Unpaid carers"
    CARE_HOME_RESIDENTS = "care-home-residents", "People living in care homes"
    OTHER = "other", "Other"


class Framework(models.Model):
    """One version of an outcome framework; immutable once any record uses it."""

    slug = models.SlugField(max_length=80)
    version = models.CharField(max_length=20)
    name = models.CharField(max_length=200)
    population = models.CharField(max_length=30, choices=Population.choices)
    description = models.TextField(blank=True)
    source = models.CharField(max_length=500, blank=True)
    categories = models.JSONField(default=list, help_text="[{code, name}] in display order")
    default_scale = models.ForeignKey(Scale, on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="frameworks",
        help_text="Empty for the built-in frameworks every organisation shares.",
    )
    checksum = models.CharField(max_length=64, help_text="SHA-256 of the loaded definition")
    loaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["slug", "version"]
        constraints = [
            models.UniqueConstraint(fields=["slug", "version"], name="framework_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.name} (v{self.version})"

    def category_name(self, code: str) -> str:
        for category in self.categories:
            if category["code"] == code:
                return str(category["name"])
        return code

    @property
    def in_use(self) -> bool:
        return self.conversations.exists()


class OutcomeType(models.TextChoices):
    MAINTAIN = "maintain", "Maintaining quality of life"
    CHANGE = "change", "Change"
    PROCESS = "process", "Process (experience of support)"


class Outcome(models.Model):
    """An outcome in a framework version, with a stable code that reports and exports use."""

    framework = models.ForeignKey(Framework, on_delete=models.CASCADE, related_name="outcomes")
    code = models.SlugField(max_length=80)
    name = models.CharField(max_length=200)
    category = models.SlugField(max_length=60)
    outcome_type = models.CharField(max_length=20, choices=OutcomeType.choices)
    description = models.CharField(max_length=300)
    prompts = models.JSONField(default=list)
    synonyms = models.JSONField(default=list)
    position = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["framework", "position"]
        constraints = [
            models.UniqueConstraint(fields=["framework", "code"], name="outcome_code_unique")
        ]

    def __str__(self) -> str:
        return self.name
