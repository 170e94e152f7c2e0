"""The audit log: who read personal data or exported what, and when."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from interviews.models.people import Participant
from interviews.models.projects import ResearchProject


class AuditEvent(models.Model):
    """Who read personal data or exported what, and when."""

    class Action(models.TextChoices):
        PII_VIEWED = "pii_viewed", "Viewed personal data"
        PII_EXPORTED = "pii_exported", "Exported personal data"
        PII_ERASED = "pii_erased", "Erased personal data"
        PARTICIPANTS_IMPORTED = "participants_imported", "Imported participants"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    action = models.CharField(max_length=40, choices=Action)
    project = models.ForeignKey(
        ResearchProject, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    participant = models.ForeignKey(
        Participant, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    detail = models.CharField(max_length=300, blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.action} by {self.user_id} at {self.at:%Y-%m-%d %H:%M}"
