"""The evidence: studies, the people in them, and the conversations with them.

Personal data (name, e-mail, company, job title) lives only in ParticipantIdentity
and is read through interviews.pii; everything else here is safe to show a viewer.
"""

from __future__ import annotations

import datetime as dt
import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone


class Segment(models.TextChoices):
    LARGE = "large", "Large"
    MID_MARKET = "mid_market", "Mid-Market"
    SMB = "smb", "SMB"


class Region(models.TextChoices):
    AMER = "amer", "AMER"
    EMEA = "emea", "EMEA"
    APAC = "apac", "APAC"
    LATAM = "latam", "LATAM"


class Tier(models.TextChoices):
    FREE = "free", "Free"
    PREMIUM = "premium", "Premium"
    ULTIMATE = "ultimate", "Ultimate"


class Deployment(models.TextChoices):
    SELF_MANAGED = "self_managed", "Self-managed"
    SAAS = "saas", "SaaS"
    DEDICATED = "dedicated", "Dedicated"


class CompanySize(models.TextChoices):
    SIZE_1_100 = "1-100", "1–100 employees"
    SIZE_101_1000 = "101-1000", "101–1,000 employees"
    SIZE_1001_5000 = "1001-5000", "1,001–5,000 employees"
    SIZE_5001_PLUS = "5001+", "5,001+ employees"


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
        "insights.JourneyFramework",
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


class Participant(models.Model):
    """Someone we may talk to. Only open, pseudonymous fields live here."""

    class Kind(models.TextChoices):
        CUSTOMER = "customer", "Customer"
        INTERNAL = "internal", "Internal team member"

    pseudonym = models.CharField(max_length=20, unique=True, editable=False)
    kind = models.CharField(max_length=20, choices=Kind, default=Kind.CUSTOMER)
    persona = models.CharField(
        max_length=120, blank=True, help_text="Role or persona, e.g. DevOps lead."
    )
    segment = models.CharField(max_length=20, choices=Segment, blank=True)
    region = models.CharField(max_length=20, choices=Region, blank=True)
    tier = models.CharField(max_length=20, choices=Tier, blank=True)
    deployment = models.CharField(max_length=20, choices=Deployment, blank=True)
    company_size = models.CharField(max_length=20, choices=CompanySize, blank=True)
    do_not_contact = models.BooleanField(default=False)
    do_not_contact_reason = models.CharField(max_length=300, blank=True)
    last_contacted_on = models.DateField(null=True, blank=True)
    no_show_count = models.PositiveSmallIntegerField(default=0)
    erased_at = models.DateTimeField(
        null=True, blank=True, help_text="Set when personal data was erased on request."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pseudonym"]
        indexes = [
            # The participant directory filters on these together.
            models.Index(fields=["kind", "segment", "region", "tier"], name="participant_facets"),
        ]

    def __str__(self) -> str:
        return self.pseudonym

    def get_absolute_url(self) -> str:
        return reverse("interviews:participant-detail", args=[self.pseudonym])

    @property
    def profile_line(self) -> str:
        """What a viewer may know: role, segment, region, tier."""
        parts = [
            self.persona,
            self.get_segment_display(),
            self.get_region_display(),
            self.get_tier_display(),
        ]
        return " · ".join(part for part in parts if part)


class ParticipantIdentity(models.Model):
    """Personal data, kept apart so that erasure deletes one row and viewers' queries never join it.

    Read it through interviews.pii, never directly in views or templates.
    """

    participant = models.OneToOneField(
        Participant, on_delete=models.CASCADE, related_name="identity", primary_key=True
    )
    name = models.CharField(max_length=200, blank=True)
    email = models.EmailField(blank=True)
    company = models.CharField(max_length=200, blank=True)
    job_title = models.CharField(max_length=200, blank=True)

    class Meta:
        verbose_name_plural = "participant identities"
        constraints = [
            # Imports merge on e-mail, so two people can never share one.
            models.UniqueConstraint(
                Lower("email"),
                condition=~models.Q(email=""),
                name="participant_identity_unique_email",
            ),
        ]

    def __str__(self) -> str:
        return f"Identity of participant {self.participant_id}"


class ConsentRecord(models.Model):
    class Scope(models.TextChoices):
        RESEARCH_TEAM = "research_team", "Research team only"
        INTERNAL = "internal", "Quotable inside the company"
        EXTERNAL = "external", "Quotable externally (anonymised)"

    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="consents")
    project = models.ForeignKey(
        ResearchProject,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="consents",
        help_text="Leave empty when the consent covers every study.",
    )
    scope = models.CharField(max_length=20, choices=Scope, default=Scope.RESEARCH_TEAM)
    given_on = models.DateField()
    expires_on = models.DateField(null=True, blank=True)
    withdrawn_on = models.DateField(null=True, blank=True)
    note = models.CharField(max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-given_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(expires_on__isnull=True)
                | models.Q(expires_on__gte=models.F("given_on")),
                name="consent_expires_after_given",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_scope_display()} from {self.given_on}"

    def is_valid_on(self, day: dt.date) -> bool:
        if self.withdrawn_on is not None and self.withdrawn_on <= day:
            return False
        if self.expires_on is not None and self.expires_on < day:
            return False
        return self.given_on <= day

    def covers(self, project: ResearchProject) -> bool:
        return self.project_id is None or self.project_id == project.pk

    def clean(self) -> None:
        if self.expires_on and self.expires_on < self.given_on:
            raise ValidationError({"expires_on": "Consent cannot expire before it was given."})
        if self.withdrawn_on and self.withdrawn_on < self.given_on:
            raise ValidationError(
                {"withdrawn_on": "Consent cannot be withdrawn before it was given."}
            )


class Enrollment(models.Model):
    """A participant in a study, moving through the recruitment pipeline.

    Which moves are allowed, and why one is refused, lives in interviews.pipeline.
    """

    class Status(models.TextChoices):
        IDENTIFIED = "identified", "Identified"
        CONTACTED = "contacted", "Contacted"
        SCREENED = "screened", "Screened"
        SCHEDULED = "scheduled", "Scheduled"
        COMPLETED = "completed", "Completed"
        DECLINED = "declined", "Declined"
        NO_SHOW = "no_show", "No-show"
        WITHDRAWN = "withdrawn", "Withdrawn"

    project = models.ForeignKey(
        ResearchProject, on_delete=models.CASCADE, related_name="enrollments"
    )
    participant = models.ForeignKey(
        Participant, on_delete=models.CASCADE, related_name="enrollments"
    )
    status = models.CharField(max_length=20, choices=Status, default=Status.IDENTIFIED)
    status_changed_at = models.DateTimeField(default=timezone.now)
    screener_answers = models.TextField(blank=True)
    incentive = models.CharField(max_length=80, blank=True, help_text="e.g. USD 100 gift card")
    incentive_paid = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["project", "participant__pseudonym"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "participant"], name="enrollment_unique_participant"
            ),
        ]
        indexes = [
            # The project page counts enrollments per status.
            models.Index(fields=["project", "status"], name="enrollment_project_status"),
        ]

    def __str__(self) -> str:
        return f"{self.participant_id} in {self.project_id}: {self.status}"


class EnrollmentEvent(models.Model):
    """One move through the pipeline, with the reason when a governance rule was overridden."""

    enrollment = models.ForeignKey(Enrollment, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(max_length=20, choices=Enrollment.Status)
    to_status = models.CharField(max_length=20, choices=Enrollment.Status)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)
    overridden_rules = models.TextField(blank=True)
    override_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.from_status} → {self.to_status}"


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
            by_lower = {choice.lower(): choice for choice in self.choices}
            if text.lower() not in by_lower:
                allowed = ", ".join(self.choices)
                raise ValueError(f"{self.label} must be one of {allowed}, not {text!r}.")
            return by_lower[text.lower()]
        return text


class AttributeValue(models.Model):
    """A participant's value for a study attribute, stored in a column of the attribute's type."""

    enrollment = models.ForeignKey(
        Enrollment, on_delete=models.CASCADE, related_name="attribute_values"
    )
    attribute = models.ForeignKey(ProjectAttribute, on_delete=models.CASCADE, related_name="values")
    text_value = models.CharField(max_length=300, blank=True)
    number_value = models.FloatField(null=True, blank=True)
    date_value = models.DateField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["enrollment", "attribute"], name="attribute_value_unique"
            ),
        ]
        indexes = [
            # The participant directory filters by attribute and value.
            models.Index(fields=["attribute", "text_value"], name="attribute_value_text"),
        ]

    def __str__(self) -> str:
        return f"{self.attribute_id}={self.display}"

    @property
    def value(self) -> str | float | dt.date | None:
        if self.number_value is not None:
            return self.number_value
        if self.date_value is not None:
            return self.date_value
        return self.text_value or None

    @property
    def display(self) -> str:
        value = self.value
        if isinstance(value, float):
            return f"{value:g}"
        return "" if value is None else str(value)

    def set_value(self, value: str | float | dt.date | None) -> None:
        self.text_value, self.number_value, self.date_value = "", None, None
        if isinstance(value, float | int):
            self.number_value = float(value)
        elif isinstance(value, dt.date):
            self.date_value = value
        elif value is not None:
            self.text_value = value


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
