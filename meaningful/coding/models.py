"""Qualitative coding: an organisation's codebook, coded passages of narratives, memos, and the
queue of conversations waiting for suggested codes.

A passage is named by where it sits, never by a copy of its words: the conversation, the
outcome record (none for the story), the field, and character offsets into that field's text.
A short hash of the words coded tells whether the text changed since; when a record is
corrected or erased, its passages show as changed rather than pointing at other words.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from meaningful.accounts.models import Organisation
from meaningful.conversations.models import Conversation, OutcomeRecord


class CodeKind(models.TextChoices):
    OUTCOME = "outcome", "Framework outcome"
    THEME = "theme", "Theme"


class Code(models.Model):
    """One code of an organisation's codebook: a framework outcome or the organisation's own theme.

    Themes nest: a theme's parent is another theme or an outcome. Outcomes stay at the top of
    their framework; their name and description are the framework's, only examples are added.
    """

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="codes")
    kind = models.CharField(max_length=10, choices=CodeKind.choices)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    examples = models.TextField(blank=True, help_text="Example passages, one a line")
    framework_slug = models.SlugField(max_length=80, blank=True)
    outcome_code = models.SlugField(max_length=80, blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["organisation", "kind", "framework_slug", "position", "name"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind="outcome") & ~Q(outcome_code="") & Q(parent__isnull=True))
                | (Q(kind="theme") & Q(outcome_code="") & Q(framework_slug="")),
                name="code_outcome_or_theme",
            ),
            models.UniqueConstraint(
                fields=["organisation", "framework_slug", "outcome_code"],
                condition=Q(kind="outcome"),
                name="code_outcome_once",
            ),
            models.UniqueConstraint(
                fields=["organisation", "name"],
                condition=Q(kind="theme"),
                name="code_theme_name_unique",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_outcome(self) -> bool:
        return self.kind == CodeKind.OUTCOME

    def example_lines(self) -> list[str]:
        return [line.strip() for line in self.examples.splitlines() if line.strip()]


class NarrativeField(models.TextChoices):
    STORY = "story", "The story"
    WHAT_MATTERS = "what_matters", "What matters"
    WHY_IT_MATTERS = "why_it_matters", "Why it matters"
    WORKING = "working", "What is working"
    NOT_WORKING = "not_working", "What is not working"


RECORD_FIELDS = ("what_matters", "why_it_matters", "working", "not_working")


class Origin(models.TextChoices):
    HUMAN = "human", "Applied by a person"
    MODEL = "model", "Suggested by the model"


class CodedSegment(models.Model):
    """A code on a passage of one narrative: applied by a person, or suggested by the model.

    A suggestion waits with ``accepted`` None until someone accepts it (True: it then counts as
    a code applied by that person, marked model-suggested) or rejects it (False).
    """

    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="coded_segments"
    )
    record = models.ForeignKey(
        OutcomeRecord, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    field = models.CharField(max_length=20, choices=NarrativeField.choices)
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()
    text_hash = models.CharField(max_length=16, help_text="Short hash of the words coded")
    code = models.ForeignKey(Code, on_delete=models.PROTECT, related_name="segments")
    coder = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Who applied, accepted or rejected it; empty for a suggestion still waiting",
    )
    origin = models.CharField(max_length=10, choices=Origin.choices)
    confidence = models.FloatField(null=True, blank=True, help_text="The model's score, 0 to 1")
    accepted = models.BooleanField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["conversation", "field", "start", "end"]
        indexes = [
            models.Index(fields=["code", "accepted"]),
            models.Index(fields=["coder", "accepted"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(start__lt=models.F("end")), name="segment_not_empty"
            ),
            models.CheckConstraint(
                condition=(Q(field="story") & Q(record__isnull=True))
                | (~Q(field="story") & Q(record__isnull=False)),
                name="segment_story_or_record",
            ),
            models.CheckConstraint(
                condition=Q(origin="model") | (Q(accepted=True) & Q(coder__isnull=False)),
                name="segment_human_applied",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} on {self.field} {self.start}-{self.end}"

    @property
    def is_waiting(self) -> bool:
        return self.origin == Origin.MODEL and self.accepted is None


class Memo(models.Model):
    """A dated note about a code or about one coded passage."""

    code = models.ForeignKey(
        Code, on_delete=models.CASCADE, null=True, blank=True, related_name="memos"
    )
    segment = models.ForeignKey(
        CodedSegment, on_delete=models.CASCADE, null=True, blank=True, related_name="memos"
    )
    text = models.TextField()
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(code__isnull=False) & Q(segment__isnull=True))
                | (Q(code__isnull=True) & Q(segment__isnull=False)),
                name="memo_on_code_or_segment",
            )
        ]

    def __str__(self) -> str:
        return f"Memo by {self.author} on {self.created_at:%d/%m/%Y}"


class CodingCompletion(models.Model):
    """A coder's word that their coding of a conversation is finished: every text of it is a
    unit they coded, even those where no code applied (what agreement compares)."""

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="+")
    coder = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    finished_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["conversation", "coder"], name="completion_once")
        ]

    def __str__(self) -> str:
        return f"{self.coder} finished {self.conversation_id}"


class JobState(models.TextChoices):
    QUEUED = "queued", "Waiting"
    RUNNING = "running", "Being worked out"
    DONE = "done", "Ready"
    FAILED = "failed", "Failed"


class SuggestionJob(models.Model):
    """A conversation whose suggested codes are waiting to be worked out, or were.

    ``fingerprint`` is a hash of the texts the suggestions were worked out from: a conversation
    corrected since then is queued again.
    """

    conversation = models.OneToOneField(
        Conversation, on_delete=models.CASCADE, related_name="suggestion_job"
    )
    state = models.CharField(max_length=10, choices=JobState.choices, default=JobState.QUEUED)
    queued_at = models.DateTimeField()
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(blank=True)
    fingerprint = models.CharField(max_length=64, blank=True)

    class Meta:
        indexes = [models.Index(fields=["state", "queued_at"])]

    def __str__(self) -> str:
        return f"Suggestions for {self.conversation_id}: {self.state}"


class CoderTraining(models.Model):
    """What `retrain-coder` learnt from: the accepted outcome codes of an organisation, by id.

    The words are read again from the records whenever the coder is built, so a passage that
    was corrected or erased since no longer teaches it anything.
    """

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    framework_slug = models.SlugField(max_length=80)
    segment_ids = models.JSONField(default=list)
    examples = models.PositiveIntegerField()
    zero_shot_accuracy = models.FloatField(null=True, blank=True)
    learned_accuracy = models.FloatField(null=True, blank=True)
    trained_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    trained_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-trained_at", "-id"]

    def __str__(self) -> str:
        return f"Coder for {self.framework_slug} ({self.examples} examples)"
