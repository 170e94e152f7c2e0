"""Reports: immutable snapshots of a study's findings, built by a job, published by the lead."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.urls import reverse

# The only fields that change after a report is built: publishing it.
PUBLISH_FIELDS = frozenset({"status", "published_by", "published_at"})


class ReportIsImmutable(Exception):
    """Something tried to change a built report's content."""


class Report(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"

    project = models.ForeignKey(
        "interviews.ResearchProject", on_delete=models.CASCADE, related_name="reports"
    )
    number = models.PositiveIntegerField(help_text="1, 2, 3 … within the study.")
    title = models.CharField(max_length=200)
    status = models.CharField(max_length=20, choices=Status, default=Status.DRAFT)
    # Everything the report shows, as built (insights.reports.Snapshot). Never changed.
    snapshot = models.JSONField()
    compared_with = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The job that built it: a job delivered twice finds its report instead of making another.
    job = models.OneToOneField(
        "jobs.BackgroundJob", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["project", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["project", "number"], name="report_unique_number"),
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args: Any, **kwargs: Any) -> None:
        # A built report is a record of what was known then: only publishing may touch it.
        update_fields = kwargs.get("update_fields")
        changing = self.pk is not None and not self._state.adding
        if changing and (update_fields is None or not PUBLISH_FIELDS.issuperset(update_fields)):
            raise ReportIsImmutable("A built report cannot be changed; build a new one.")
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("insights:report-detail", args=[self.project.slug, self.number])

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED
