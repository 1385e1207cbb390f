"""Returns received from organisations, and the national reports built from them."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class NationalReturn(models.Model):
    """One organisation's return for one period, as uploaded: checked, sealed and kept whole."""

    organisation_code = models.CharField(max_length=80)
    organisation_name = models.CharField(max_length=200)
    period_label = models.CharField(max_length=40, db_index=True)
    period_start = models.DateField()
    period_end = models.DateField()
    framework_versions = models.JSONField(default=list)  # ["SLUG@VERSION", ...]
    checksum = models.CharField(max_length=71, unique=True)
    file_name = models.CharField(max_length=255)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)
    document = models.JSONField()  # the return as sent: counts, never a person's record

    class Meta:
        ordering = ["-period_start", "period_label", "organisation_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation_code", "period_label"],
                name="national_return_one_per_organisation_and_period",
            )
        ]

    def __str__(self) -> str:
        return f"{self.organisation_name}, {self.period_label}"


class NationalReport(models.Model):
    """A national release built from the returns stored for a period, kept as published.

    `fingerprint` names the returns and policy it was built from, so a report is built again
    only when they change; `release` holds published figures only.
    """

    period_label = models.CharField(max_length=40)
    fingerprint = models.CharField(max_length=64)
    built_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    built_at = models.DateTimeField(auto_now_add=True)
    passed = models.BooleanField()
    release = models.JSONField()

    class Meta:
        ordering = ["-built_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["period_label", "fingerprint"], name="national_report_one_per_fingerprint"
            )
        ]

    def __str__(self) -> str:
        return f"National report {self.period_label} ({self.built_at:%Y-%m-%d %H:%M})"
