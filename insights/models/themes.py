"""The analysis, second half: evidence strength, themes and recommendations.

The theme aggregation job (insights.themes) rewrites CodeStrength, CodePair and
EvidenceSummary wholesale on every run, and only the figures of Theme (its strength,
hand-off and automatic quotes). Everything a researcher decides on a theme (status, name,
summary, codes, picked quotes) is theirs: the job never changes it.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models


class EvidenceSummary(models.Model):
    """What the last aggregation of a study counted: the denominators of every share."""

    project = models.OneToOneField(
        "interviews.ResearchProject", on_delete=models.CASCADE, related_name="evidence_summary"
    )
    highlights = models.PositiveIntegerField(default=0)
    # The study's participants (its sessions' people, and anyone quoted) and how many of
    # them are quoted at all.
    participants = models.PositiveIntegerField(default=0)
    participants_quoted = models.PositiveIntegerField(default=0)
    sessions = models.PositiveIntegerField(default=0)
    # {"segment": {"large": 6, …}, "region": …, "tier": …, "group": {"large:self_managed": 6}}
    totals = models.JSONField(default=dict, blank=True)
    quoted = models.JSONField(default=dict, blank=True)  # the same, for the quoted participants
    computed_at = models.DateTimeField()

    class Meta:
        verbose_name_plural = "evidence summaries"

    def __str__(self) -> str:
        return f"Evidence of study {self.project_id}"


class StrengthFields(models.Model):
    """How strong a body of evidence is (insights.aggregation.Strength, stored)."""

    quote_count = models.PositiveIntegerField(default=0)
    participant_count = models.PositiveIntegerField(default=0)
    session_count = models.PositiveIntegerField(default=0)
    participant_share = models.FloatField(default=0.0)
    # Participants per segment, region, tier and segment:deployment group.
    coverage = models.JSONField(default=dict, blank=True)
    mean_sentiment = models.FloatField(null=True, blank=True)
    mean_severity = models.FloatField(null=True, blank=True)

    class Meta:
        abstract = True

    @property
    def share_percent(self) -> int:
        return round(self.participant_share * 100)


class CodeStrength(StrengthFields):
    """The evidence for one code at one stage of a study (stage empty: quotes with no stage)."""

    project = models.ForeignKey(
        "interviews.ResearchProject", on_delete=models.CASCADE, related_name="code_strengths"
    )
    stage = models.ForeignKey(
        "insights.Stage", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    code = models.ForeignKey("insights.Code", on_delete=models.CASCADE, related_name="strengths")

    class Meta:
        ordering = ["project", "stage", "-participant_count", "-quote_count", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "stage", "code"],
                condition=models.Q(stage__isnull=False),
                name="code_strength_unique",
            ),
            models.UniqueConstraint(
                fields=["project", "code"],
                condition=models.Q(stage__isnull=True),
                name="code_strength_unique_unstaged",
            ),
        ]

    def __str__(self) -> str:
        return f"Code {self.code_id} at stage {self.stage_id}: {self.quote_count} quotes"


class CodePair(models.Model):
    """How many highlights at one stage carry both codes (first code's id < second's)."""

    project = models.ForeignKey(
        "interviews.ResearchProject", on_delete=models.CASCADE, related_name="code_pairs"
    )
    stage = models.ForeignKey(
        "insights.Stage", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    first = models.ForeignKey("insights.Code", on_delete=models.CASCADE, related_name="+")
    second = models.ForeignKey("insights.Code", on_delete=models.CASCADE, related_name="+")
    highlights = models.PositiveIntegerField()

    class Meta:
        ordering = ["project", "stage", "-highlights"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(first__lt=models.F("second")), name="code_pair_ordered"
            ),
        ]
        indexes = [
            # A theme's page lists the codes that co-occur with its own at its stage.
            models.Index(fields=["project", "stage"], name="code_pair_project_stage"),
        ]

    def __str__(self) -> str:
        return f"{self.first_id}+{self.second_id}: {self.highlights}"


class Theme(StrengthFields):
    """A named pattern at one stage of the journey, resting on the quotes coded with its codes.

    Its evidence is every highlight of the study at its stage carrying any of its codes; the
    strength fields are recomputed from that by each aggregation run.
    """

    class Status(models.TextChoices):
        CANDIDATE = "candidate", "Candidate"
        CONFIRMED = "confirmed", "Confirmed"
        REJECTED = "rejected", "Rejected"
        MERGED = "merged", "Merged"

    class Origin(models.TextChoices):
        CODE = "code", "A strong code"
        CLUSTER = "cluster", "Codes that occur together"
        SPLIT = "split", "Split from another theme"

    project = models.ForeignKey(
        "interviews.ResearchProject", on_delete=models.CASCADE, related_name="themes"
    )
    stage = models.ForeignKey(
        "insights.Stage", on_delete=models.PROTECT, null=True, blank=True, related_name="themes"
    )
    name = models.CharField(max_length=200)
    summary = models.TextField(blank=True)
    status = models.CharField(max_length=20, choices=Status, default=Status.CANDIDATE)
    origin = models.CharField(max_length=20, choices=Origin, default=Origin.CODE)
    codes = models.ManyToManyField("insights.Code", through="ThemeCode", related_name="themes")
    # The proposal this theme came from (insights.aggregation.proposal_key): a later run that
    # proposes the same never adds it again, whatever became of this theme.
    proposal_key = models.CharField(max_length=300, blank=True)
    merged_into = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="merged_from"
    )
    # The neighbouring stage, owned by another team, where the same evidence continues.
    handoff_stage = models.ForeignKey(
        "insights.Stage", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    is_pain_point = models.BooleanField(default=False)
    # Whether the representative quotes were picked by a researcher (then the job keeps them).
    quotes_picked = models.BooleanField(default=False)
    quotes = models.ManyToManyField(
        "insights.Highlight", through="ThemeQuote", related_name="themes"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    edited_at = models.DateTimeField(null=True, blank=True)
    # Bumped by every researcher's edit (never by the job): an edit made on an older version
    # is refused, so two researchers cannot overwrite each other unawares.
    version = models.PositiveIntegerField(default=1)
    strength_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["project", "stage__position", "-participant_count", "-quote_count", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "proposal_key"],
                condition=~models.Q(proposal_key=""),
                name="theme_unique_proposal",
            ),
            models.CheckConstraint(
                condition=models.Q(status="merged") | models.Q(merged_into__isnull=True),
                name="theme_merged_into_only_when_merged",
            ),
        ]
        indexes = [
            # The themes page lists a study's themes by status.
            models.Index(fields=["project", "status"], name="theme_project_status"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_open(self) -> bool:
        """Still part of the analysis: a candidate or a confirmed theme."""
        return self.status in (self.Status.CANDIDATE, self.Status.CONFIRMED)

    def measured_at(self, last_run: dt.datetime | None) -> dt.datetime | None:
        """When the figures were last measured, given the study's last aggregation.

        Each run measures again every theme it measured before, merged ones aside, while
        strength_at moves only when the figures change.
        """
        if self.strength_at is None or last_run is None or self.status == self.Status.MERGED:
            return self.strength_at
        return max(self.strength_at, last_run)


class ThemeCode(models.Model):
    theme = models.ForeignKey(Theme, on_delete=models.CASCADE, related_name="theme_codes")
    code = models.ForeignKey("insights.Code", on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["theme", "code"], name="theme_code_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.code_id} in theme {self.theme_id}"


class ThemeQuote(models.Model):
    """A representative quote of a theme, in the order it is shown."""

    theme = models.ForeignKey(Theme, on_delete=models.CASCADE, related_name="theme_quotes")
    highlight = models.ForeignKey("insights.Highlight", on_delete=models.CASCADE, related_name="+")
    position = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["theme", "position"]
        constraints = [
            models.UniqueConstraint(fields=["theme", "highlight"], name="theme_quote_unique"),
        ]

    def __str__(self) -> str:
        return f"Quote {self.highlight_id} of theme {self.theme_id}"


class Level(models.TextChoices):
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"


class Recommendation(models.Model):
    """What a team should do about one or more themes."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PROPOSED = "proposed", "Proposed"
        ACCEPTED = "accepted", "Accepted"
        IN_PROGRESS = "in_progress", "In progress"
        DONE = "done", "Done"
        DROPPED = "dropped", "Dropped"

    project = models.ForeignKey(
        "interviews.ResearchProject", on_delete=models.CASCADE, related_name="recommendations"
    )
    statement = models.TextField()
    themes = models.ManyToManyField(Theme, related_name="recommendations", blank=True)
    stage = models.ForeignKey(
        "insights.Stage",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="recommendations",
    )
    owning_team = models.CharField(max_length=120, blank=True)
    impact = models.CharField(max_length=10, choices=Level, blank=True)
    effort = models.CharField(max_length=10, choices=Level, blank=True)
    status = models.CharField(max_length=20, choices=Status, default=Status.DRAFT)
    # The theme the aggregation job drafted this from; it drafts at most one per theme, ever.
    drafted_from = models.OneToOneField(
        Theme, on_delete=models.SET_NULL, null=True, blank=True, related_name="drafted"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    edited_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["project", "stage__position", "status", "-id"]

    def __str__(self) -> str:
        return self.statement[:80]
