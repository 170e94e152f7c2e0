"""The analysis: frameworks, codebooks, highlights and journey maps (coding), themes and
recommendations (themes), and report snapshots (reports). Import models from here."""

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
]
