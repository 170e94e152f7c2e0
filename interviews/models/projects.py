"""Studies, their members and their study-specific participant attributes."""

from __future__ import annotations

import datetime as dt
import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.urls import reverse

from interviews.models.choices import Region

QUARTER_RE = re.compile(r"^FY\d{2}-Q[1-4]$")


class ResearchProject(models.Model):
    """A study, e.g. "Premium → Ultimate up-tier for large self-managed customers"."""

    class Status(models.TextChoices):
        BACKLOG = "backlog", "Backlog"
        UP_NEXT = "up_next", "Up next"
        IN_PROGRESS = "in_progress", "In progress"
        DONE = "done", "Done"

    class ProjectSegment(models.TextChoices):
        LARGE = "large", "Large"
        MID_MARKET = "mid_market", "Mid-Market"
        SMB = "smb", "SMB"
        CROSS = "cross", "Cross-segment"

    class Lens(models.TextChoices):
        CUSTOMER = "customer", "Customer"
        INTERNAL = "internal", "Internal team"
        INTERSECTION = "intersection", "Customer × internal team"

    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=80, unique=True)
    objective = models.TextField(blank=True)
    research_questions = models.TextField(blank=True, help_text="One question per line.")
    segment = models.CharField(max_length=20, choices=ProjectSegment, default=ProjectSegment.CROSS)
    region = models.CharField(
        max_length=20, choices=Region, blank=True, help_text="Leave empty for a global study."
    )
    quarter = models.CharField(
        max_length=7,
        blank=True,
        validators=[RegexValidator(QUARTER_RE, "Write the quarter as FY27-Q1.")],
        help_text="Fiscal quarter, e.g. FY27-Q1.",
    )
    status = models.CharField(max_length=20, choices=Status, default=Status.BACKLOG)
    lens = models.CharField(max_length=20, choices=Lens, default=Lens.CUSTOMER)
    target_interviews = models.PositiveSmallIntegerField(default=10)
    framework = models.ForeignKey(
        settings.JOURNEY_FRAMEWORK_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="projects",
        help_text="The journey stages this study codes evidence against.",
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="Membership", related_name="research_projects"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("interviews:project-detail", args=[self.slug])

    def progress_percent(self, completed: int) -> int:
        """Completed interviews as a share of the target, capped at 100."""
        return min(100, round(100 * completed / (self.target_interviews or 1)))

    @property
    def research_question_list(self) -> list[str]:
        return [line.strip() for line in self.research_questions.splitlines() if line.strip()]


class Membership(models.Model):
    class Role(models.TextChoices):
        LEAD = "lead", "Lead"
        RESEARCHER = "researcher", "Researcher"
        VIEWER = "viewer", "Viewer"

    project = models.ForeignKey(
        ResearchProject, on_delete=models.CASCADE, related_name="memberships"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=20, choices=Role, default=Role.VIEWER)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["project", "role", "user"]
        constraints = [
            models.UniqueConstraint(fields=["project", "user"], name="membership_unique_user"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} in {self.project_id} as {self.role}"

    @property
    def can_edit(self) -> bool:
        return self.role in (self.Role.LEAD, self.Role.RESEARCHER)


class ProjectAttribute(models.Model):
    """A study-specific participant attribute, e.g. "relationship to Ultimate"."""

    class Kind(models.TextChoices):
        TEXT = "text", "Text"
        NUMBER = "number", "Number"
        CHOICE = "choice", "Choice"
        DATE = "date", "Date"

    project = models.ForeignKey(
        ResearchProject, on_delete=models.CASCADE, related_name="attributes"
    )
    label = models.CharField(max_length=120)
    key = models.SlugField(max_length=60, help_text="Column name in import files.")
    kind = models.CharField(max_length=10, choices=Kind, default=Kind.TEXT)
    choices = models.JSONField(default=list, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["project", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["project", "key"], name="attribute_unique_key"),
        ]

    def __str__(self) -> str:
        return self.label

    def clean(self) -> None:
        if self.kind == self.Kind.CHOICE and not self.choices:
            raise ValidationError({"choices": "List at least one choice, separated by commas."})

    def parse(self, raw: object) -> str | float | dt.date | None:
        """Turn an imported or typed value into this attribute's type, or raise ValueError."""
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            return None
        if self.kind == self.Kind.NUMBER:
            if isinstance(raw, bool):
                raise ValueError(f"{self.label} must be a number, not {raw!r}.")
            try:
                return float(str(raw).strip().replace(",", ""))
            except ValueError:
                raise ValueError(f"{self.label} must be a number, not {raw!r}.") from None
        if self.kind == self.Kind.DATE:
            if isinstance(raw, dt.datetime):
                return raw.date()
            if isinstance(raw, dt.date):
                return raw
            try:
                return dt.date.fromisoformat(str(raw).strip())
            except ValueError:
                raise ValueError(
                    f"{self.label} must be a date like 2026-03-31, not {raw!r}."
                ) from None
        text = str(raw).strip()
        if self.kind == self.Kind.CHOICE:
            by_lower: dict[str, str] = {choice.lower(): choice for choice in self.choices}
            if text.lower() not in by_lower:
                allowed = ", ".join(self.choices)
                raise ValueError(f"{self.label} must be one of {allowed}, not {text!r}.")
            return by_lower[text.lower()]
        return text
