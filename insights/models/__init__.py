"""The analysis: frameworks, codebooks, highlights and journey maps (coding), themes and
recommendations (themes), report snapshots (reports), and a study's coding settings and a
transcript's coverage (state). Import models from here."""

from insights.models.coding import (
    AgreementSnapshot,
    Code,
    CodedHighlight,
    Highlight,
    IndexOutbox,
    JourneyFramework,
    JourneyMap,
    JourneyMapCell,
    SearchEntry,
    Stage,
    StageMetric,
    StageMetricValue,
)
from insights.models.reports import Report, ReportIsImmutable
from insights.models.state import CodingSettings, TranscriptCoverage
from insights.models.themes import (
    CodePair,
    CodeStrength,
    EvidenceSummary,
    Level,
    Recommendation,
    Theme,
    ThemeCode,
    ThemeQuote,
)

__all__ = [
    "AgreementSnapshot",
    "Code",
    "CodePair",
    "CodeStrength",
    "CodedHighlight",
    "CodingSettings",
    "EvidenceSummary",
    "Highlight",
    "IndexOutbox",
    "JourneyFramework",
    "JourneyMap",
    "JourneyMapCell",
    "Level",
    "Recommendation",
    "Report",
    "ReportIsImmutable",
    "SearchEntry",
    "Stage",
    "StageMetric",
    "StageMetricValue",
    "Theme",
    "ThemeCode",
    "ThemeQuote",
    "TranscriptCoverage",
]
