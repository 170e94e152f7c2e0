"""Interviews and contextual inquiries."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse

from interviews.models.people import Participant
from interviews.models.projects import ResearchProject


class Session(models.Model):
    """An interview or contextual inquiry."""

    class Kind(models.TextChoices):
        INTERVIEW = "interview", "Interview"
        CONTEXTUAL_INQUIRY = "contextual_inquiry", "Contextual inquiry"

    class Mode(models.TextChoices):
        VIDEO = "video", "Video call"
        PHONE = "phone", "Phone"
        ON_SITE = "on_site", "On site"

    project = models.ForeignKey(ResearchProject, on_delete=models.CASCADE, related_name="sessions")
    title = models.CharField(max_length=200, blank=True)
    kind = models.CharField(max_length=30, choices=Kind, default=Kind.INTERVIEW)
    mode = models.CharField(max_length=20, choices=Mode, default=Mode.VIDEO)
    scheduled_at = models.DateTimeField()
    duration_minutes = models.PositiveSmallIntegerField(default=60)
    participants = models.ManyToManyField(Participant, related_name="sessions", blank=True)
    interviewers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="interview_sessions", blank=True
    )
    recording_url = models.URLField(blank=True, max_length=500)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-scheduled_at", "-id"]

    def __str__(self) -> str:
        return self.title or f"{self.get_kind_display()} on {self.scheduled_at:%Y-%m-%d}"

    def get_absolute_url(self) -> str:
        return reverse("interviews:session-detail", args=[self.project.slug, self.pk])
