"""The analysis state of a study and of a transcript, kept here rather than on the evidence
(interviews) models: a study's coding settings and a transcript's coverage count.

A missing row means the defaults (blind coding off; nothing coded). Rows are written by the
analysis when it first has something to keep: a lead switching blind coding on, the first
highlight of a transcript. Evidence is created in many places (imports, REFI-QDA, the demo,
bulk generation) that must not know about the analysis, so no row is made "on save".
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import models

if TYPE_CHECKING:
    from interviews.models import ResearchProject, Transcript


class CodingSettings(models.Model):
    """How a study is coded: blind (coders see only their own codings) until revealed."""

    project = models.OneToOneField(
        "interviews.ResearchProject",
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="coding_settings",
    )
    blind_coding = models.BooleanField(
        default=False,
        help_text="Coders see only their own codings until the lead reveals everyone's.",
    )
    codings_revealed = models.BooleanField(default=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "coding settings"

    def __str__(self) -> str:
        return f"coding settings of study {self.project_id}"

    @classmethod
    def of(cls, project: ResearchProject) -> CodingSettings:
        """The study's settings, or unsaved defaults when it has none (no query when the row
        was joined with select_related("coding_settings") or read before)."""
        try:
            return project.coding_settings
        except cls.DoesNotExist:
            return cls(project=project)

    @property
    def codings_hidden(self) -> bool:
        """Whether the study is blind now: its researchers see only their own codings."""
        return self.blind_coding and not self.codings_revealed


class TranscriptCoverage(models.Model):
    """How many of a transcript's utterances at least one highlight overlaps.

    Kept up to date by insights.coding under the transcript's row lock whenever a highlight
    of the transcript changes.
    """

    transcript = models.OneToOneField(
        "interviews.Transcript",
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="coverage",
    )
    coded_utterance_count = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.coded_utterance_count} utterances coded in transcript {self.transcript_id}"

    @classmethod
    def coded_count(cls, transcript: Transcript) -> int:
        """The transcript's coded utterances, 0 when nothing was ever coded."""
        try:
            return transcript.coverage.coded_utterance_count
        except cls.DoesNotExist:
            return 0


def coded_percent(coded: int, utterances: int) -> int:
    """Share of utterances with at least one highlight, in whole percent."""
    return round(100 * coded / utterances) if utterances else 0
