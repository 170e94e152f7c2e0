"""Participants, their personal data, consent, and their place in each study's pipeline.

Personal data (name, e-mail, company, job title) lives only in ParticipantIdentity
and is read through interviews.pii; everything else here is safe to show a viewer.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone

from interviews.models.choices import CompanySize, Deployment, Region, Segment, Tier
from interviews.models.projects import ProjectAttribute, ResearchProject


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
    note = models.TextField(blank=True, help_text="Why, e.g. why someone declined or withdrew.")

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.from_status} → {self.to_status}"


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
