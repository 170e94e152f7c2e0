"""The analysis side: journey frameworks and their stages.

Codes, highlights, themes and reports join this module as the roadmap lands.
"""

from __future__ import annotations

from django.db import models


class JourneyFramework(models.Model):
    """An ordered set of journey stages that a project codes evidence against."""

    name = models.CharField(max_length=120, unique=True)
    slug = models.SlugField(max_length=120, unique=True)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Stage(models.Model):
    framework = models.ForeignKey(JourneyFramework, on_delete=models.CASCADE, related_name="stages")
    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=120)
    position = models.PositiveSmallIntegerField()
    description = models.TextField(blank=True)
    owning_team = models.CharField(max_length=120, blank=True)
    measured_by = models.TextField(
        blank=True, help_text="How progress through this stage is measured."
    )

    class Meta:
        ordering = ["framework", "position"]
        constraints = [
            models.UniqueConstraint(fields=["framework", "position"], name="stage_unique_position"),
            models.UniqueConstraint(fields=["framework", "slug"], name="stage_unique_slug"),
        ]

    def __str__(self) -> str:
        return self.name


class StageMetric(models.Model):
    """A number a stage's owning team tracks, e.g. days from purchase to first value."""

    stage = models.ForeignKey(Stage, on_delete=models.CASCADE, related_name="metrics")
    name = models.CharField(max_length=160)
    owner = models.CharField(max_length=120, blank=True)
    baseline = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    target = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    unit = models.CharField(max_length=40, blank=True, help_text="e.g. days, %, licences")

    class Meta:
        ordering = ["stage", "name"]

    def __str__(self) -> str:
        return self.name
