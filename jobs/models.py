"""Background jobs that users can see: what runs, how far it is, and how it ended.

Every Celery task of the product runs through one BackgroundJob row (jobs.runner): the page
that started it polls the row for progress, and the row keeps a readable error or a link
to the result. Items record per-part outcomes, e.g. one row per file of a bulk upload.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class BackgroundJob(models.Model):
    class Kind(models.TextChoices):
        AGGREGATE_THEMES = "aggregate_themes", "Aggregate themes"
        BUILD_REPORT = "build_report", "Build report"
        COMPUTE_AGREEMENT = "compute_agreement", "Compute coder agreement"
        IMPORT_TRANSCRIPTS = "import_transcripts", "Import transcripts"
        EXPORT = "export", "Export"
        QDPX_EXPORT = "qdpx_export", "REFI-QDA export (.qdpx)"
        QDPX_IMPORT = "qdpx_import", "REFI-QDA import (.qdpx)"

    class State(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    ACTIVE_STATES = (State.QUEUED, State.RUNNING)

    kind = models.CharField(max_length=30, choices=Kind)
    project = models.ForeignKey(
        "interviews.ResearchProject",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="jobs",
    )
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="jobs",
    )
    # Only the user who started a private job (an export) may see it and its result.
    private = models.BooleanField(default=False)
    state = models.CharField(max_length=10, choices=State, default=State.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0, help_text="Per cent done.")
    message = models.CharField(max_length=300, blank=True, help_text="What it is doing now.")
    error = models.TextField(blank=True, help_text="Why it failed, in plain words.")
    # What the job needs to run (ids, filters), as given when it was started.
    params = models.JSONField(default=dict, blank=True)
    # A short summary of the outcome, e.g. {"themes": 12, "new": 3}.
    result = models.JSONField(default=dict, blank=True)
    result_url = models.CharField(max_length=300, blank=True)
    result_file = models.FileField(upload_to="job-results/%Y/%m/", blank=True)
    # The Celery task that runs it, so that a failed job can be queued again.
    task_name = models.CharField(max_length=200, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # Pages show the latest job of a kind for their project.
            models.Index(fields=["project", "kind", "-created_at"], name="job_project_kind"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(progress__lte=100), name="job_progress_pct"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk} ({self.state})"

    @property
    def is_active(self) -> bool:
        return self.state in self.ACTIVE_STATES

    @property
    def duration_seconds(self) -> float | None:
        if self.started_at is None or self.finished_at is None:
            return None
        return (self.finished_at - self.started_at).total_seconds()


class JobItem(models.Model):
    """The outcome of one part of a job, e.g. one file of a bulk transcript upload."""

    class Outcome(models.TextChoices):
        PENDING = "pending", "Waiting"
        DONE = "done", "Done"
        SKIPPED = "skipped", "Skipped"
        REFUSED = "refused", "Refused"

    job = models.ForeignKey(BackgroundJob, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveIntegerField()
    label = models.CharField(max_length=300)
    outcome = models.CharField(max_length=10, choices=Outcome, default=Outcome.PENDING)
    message = models.TextField(blank=True)
    url = models.CharField(max_length=300, blank=True)
    # What the item needs to run, e.g. the storage name of an uploaded file.
    params = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["job", "position"]
        constraints = [
            models.UniqueConstraint(fields=["job", "position"], name="job_item_unique_position"),
        ]

    def __str__(self) -> str:
        return f"{self.label}: {self.outcome}"
