"""Interviews and contextual inquiries."""

from __future__ import annotations

from collections.abc import Callable

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
        return self.title or self.neutral_name

    def get_absolute_url(self) -> str:
        return reverse("interviews:session-detail", args=[self.project.slug, self.pk])

    @property
    def neutral_name(self) -> str:
        """Its kind and date, e.g. "Interview on 2026-03-02": a name that names nobody."""
        return f"{self.get_kind_display()} on {self.scheduled_at:%Y-%m-%d}"


class Transcript(models.Model):
    """The text of a session's recording, as imported from a file, split into utterances."""

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="transcripts")
    title = models.CharField(max_length=200)
    source_filename = models.CharField(max_length=255)
    source_format = models.CharField(max_length=10)
    source_encoding = models.CharField(max_length=20, blank=True)
    # Re-importing the same file into the same session finds this and adds nothing.
    source_sha256 = models.CharField(max_length=64)
    source_file = models.FileField(upload_to="transcripts/%Y/%m/", blank=True)
    # What the file said about itself besides speech (an Otter.ai header's title, keywords and
    # speakers, a WebVTT header's language, Markdown front matter): {key: text or list of texts}.
    # It may hold names as written in the file, so it is not shown to viewers.
    source_metadata = models.JSONField(default=dict, blank=True)
    text = models.TextField()
    word_count = models.PositiveIntegerField(default=0)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    utterance_count = models.PositiveIntegerField(default=0)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    # A transcript is read (and coded) in the analysis app's reader, which this app does not
    # name: settings.ABSOLUTE_URL_OVERRIDES sets the method (cxresearch.model_urls).
    get_absolute_url: Callable[[], str]

    class Meta:
        ordering = ["session", "created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "source_sha256"], name="transcript_unique_source"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Speaker(models.Model):
    """A speaker label as written in a transcript, mapped to a participant or an interviewer."""

    transcript = models.ForeignKey(Transcript, on_delete=models.CASCADE, related_name="speakers")
    label = models.CharField(max_length=120)
    participant = models.ForeignKey(
        Participant, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    interviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["transcript", "position"]
        constraints = [
            models.UniqueConstraint(fields=["transcript", "label"], name="speaker_unique_label"),
            models.CheckConstraint(
                condition=models.Q(participant__isnull=True) | models.Q(interviewer__isnull=True),
                name="speaker_is_participant_or_interviewer",
            ),
        ]

    def __str__(self) -> str:
        return self.label or f"Speaker {self.position + 1}"

    @property
    def kind(self) -> str:
        if self.participant_id:
            return "participant"
        if self.interviewer_id:
            return "interviewer"
        return "unmapped"


class Utterance(models.Model):
    """One speaker turn. Invariant: transcript.text[start:end] == text (code-point offsets)."""

    transcript = models.ForeignKey(Transcript, on_delete=models.CASCADE, related_name="utterances")
    speaker = models.ForeignKey(
        Speaker, on_delete=models.SET_NULL, null=True, blank=True, related_name="utterances"
    )
    position = models.PositiveIntegerField()
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()
    start_ms = models.PositiveIntegerField(null=True, blank=True)
    end_ms = models.PositiveIntegerField(null=True, blank=True)
    text = models.TextField()

    class Meta:
        ordering = ["transcript", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["transcript", "position"], name="utterance_unique_position"
            ),
            models.CheckConstraint(
                condition=models.Q(start__lt=models.F("end")), name="utterance_start_before_end"
            ),
        ]

    def __str__(self) -> str:
        return f"Utterance {self.position} of transcript {self.transcript_id}"

    @property
    def anchor(self) -> str:
        return f"u-{self.pk}"


class FieldNote(models.Model):
    """A structured contextual-inquiry observation made during a session."""

    class Kind(models.TextChoices):
        CONTEXT = "context", "Context"
        ACTIVITY = "activity", "Activity"
        OBSERVATION = "observation", "Observation"
        ARTEFACT = "artefact", "Artefact"
        QUOTE = "quote", "Quote"

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="field_notes")
    kind = models.CharField(max_length=20, choices=Kind, default=Kind.OBSERVATION)
    text = models.TextField()
    observed_at_ms = models.PositiveIntegerField(
        null=True, blank=True, help_text="Time into the session, when noted."
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["session", "created_at", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} note {self.pk}"

    @property
    def anchor(self) -> str:
        return f"note-{self.pk}"


class Redaction(models.Model):
    """A span of a transcript's or a field note's text hidden from everyone outside the team.

    Redaction changes what is shown, never the offsets: the stored text keeps its length, so
    utterance and highlight offsets stay valid, and readers outside the research team see the
    placeholder (`[name]`) instead of the span (interviews.evidence.redact). A permanent
    redaction is written by erasure: the stored characters were already overwritten, and the
    placeholder is shown to everyone.
    """

    class Kind(models.TextChoices):
        NAME = "name", "Name"
        COMPANY = "company", "Company"
        EMAIL = "email", "E-mail"
        PHONE = "phone", "Phone number"
        OTHER = "other", "Other"

    transcript = models.ForeignKey(
        Transcript, on_delete=models.CASCADE, null=True, blank=True, related_name="redactions"
    )
    field_note = models.ForeignKey(
        FieldNote, on_delete=models.CASCADE, null=True, blank=True, related_name="redactions"
    )
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()
    kind = models.CharField(max_length=10, choices=Kind, default=Kind.NAME)
    permanent = models.BooleanField(default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["transcript", "field_note", "start", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(start__lt=models.F("end")), name="redaction_start_before_end"
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(transcript__isnull=False, field_note__isnull=True)
                    | models.Q(transcript__isnull=True, field_note__isnull=False)
                ),
                name="redaction_has_one_source",
            ),
            models.UniqueConstraint(
                fields=["transcript", "start", "end"], name="redaction_unique_transcript_span"
            ),
            models.UniqueConstraint(
                fields=["field_note", "start", "end"], name="redaction_unique_note_span"
            ),
        ]

    def __str__(self) -> str:
        return f"[{self.kind}] {self.start}–{self.end}"

    @property
    def placeholder(self) -> str:
        return self.placeholder_for(self.kind)

    @staticmethod
    def placeholder_for(kind: str) -> str:
        """What a redaction of this kind reads as (for rows read without an instance)."""
        return f"[{kind.replace('email', 'e-mail')}]"
