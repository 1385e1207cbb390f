"""The release register: what each organisation has sent out as a final return, as readers saw it.

A release keeps the published figures only (each with the range a reader can deduce from it),
never the true counts, so that later returns for overlapping periods can be audited together
with everything already published.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from meaningful.accounts.models import Organisation


class ReturnRelease(models.Model):
    """One final return: its period, who built it and when, its checksum and published figures."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="return_releases"
    )
    period_label = models.CharField(max_length=40)
    period_start = models.DateField()
    period_end = models.DateField()
    built_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    built_at = models.DateTimeField()
    checksum = models.CharField(max_length=80)
    policy = models.JSONField(help_text="The disclosure policy the figures were published under")
    figures = models.JSONField(help_text="PublishedFigure.to_json() of every published figure")
    final = models.BooleanField(
        default=True, help_text="Only final releases are audited against by later returns"
    )

    class Meta:
        ordering = ["organisation", "-period_end", "-built_at"]
        indexes = [models.Index(fields=["organisation", "period_start", "period_end"])]

    def __str__(self) -> str:
        return f"{self.organisation} return for {self.period_label}"
