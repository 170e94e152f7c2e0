"""The audit log: who read, searched, exported or erased personal data, published, changed who
may see a study, overrode a recruitment rule or deleted evidence, and when.

Append-only in the app: an event is written once (interviews.audit) and never changed or
deleted, by a model method, a queryset or the admin. Deleting a user, participant or study
leaves their events, without the link (the username is kept as written).
"""

from __future__ import annotations

from typing import Any, NoReturn

from django.conf import settings
from django.db import models
from django.utils import timezone

from interviews.models.people import Participant
from interviews.models.projects import ResearchProject


class AuditLogIsAppendOnly(Exception):
    """Raised on any attempt to change or delete an audit event."""


def _refuse() -> NoReturn:
    raise AuditLogIsAppendOnly("The audit log is append-only: events cannot be changed or deleted.")


class AuditEventQuerySet(models.QuerySet["AuditEvent"]):
    def update(self, **kwargs: Any) -> NoReturn:
        _refuse()

    def delete(self) -> NoReturn:
        _refuse()


class AuditEvent(models.Model):
    """One audited act. `detail` says what, in words, without personal data except the search
    term of a personal-data search (which only admins see)."""

    class Action(models.TextChoices):
        PII_VIEWED = "pii_viewed", "Viewed personal data"
        PII_SEARCHED = "pii_searched", "Searched personal data"
        PII_CHANGED = "pii_changed", "Changed personal data"
        PII_EXPORTED = "pii_exported", "Exported personal data"
        PII_ERASED = "pii_erased", "Erased personal data"
        PARTICIPANTS_IMPORTED = "participants_imported", "Imported participants"
        EXPORTED = "exported", "Exported"
        PUBLISHED = "published", "Published"
        MEMBERSHIP_CHANGED = "membership_changed", "Changed a membership"
        RULE_OVERRIDDEN = "rule_overridden", "Overrode a recruitment rule"
        MEMO_SHARED = "memo_shared", "Changed who sees a memo"
        CODE_DELETED = "code_deleted", "Deleted a code"
        CODE_MERGED = "code_merged", "Merged codes"
        HIGHLIGHT_DELETED = "highlight_deleted", "Deleted a highlight"
        TRANSCRIPT_DELETED = "transcript_deleted", "Deleted a transcript"
        FIELD_NOTE_DELETED = "field_note_deleted", "Deleted a field note"
        BLIND_CODING_CHANGED = "blind_coding_changed", "Changed blind coding"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    # As it was when the event was written, so the log still says who once the user is gone.
    username = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=40, choices=Action)
    project = models.ForeignKey(
        ResearchProject, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    participant = models.ForeignKey(
        Participant, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    detail = models.CharField(max_length=300, blank=True)
    at = models.DateTimeField(default=timezone.now)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            # A study's audit page lists its events newest first.
            models.Index(fields=["project", "-at"], name="audit_event_project_at"),
        ]

    def __str__(self) -> str:
        return f"{self.action} by {self.username or self.user_id} at {self.at:%Y-%m-%d %H:%M}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            _refuse()
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        _refuse()
