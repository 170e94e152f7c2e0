"""A study's dashboard for its research team: deliverables, recruitment, coding, evidence.

`project_dashboard` reads everything the page shows in a fixed number of queries, through
the evidence selector (insights.visibility), and returns plain numbers; insights.charts
turns them into pictures. Tests check these numbers against the data.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Avg, Count, Max, Q, QuerySet, Sum
from django.urls import reverse

from insights.charts import BarChart, HeatMap, LineChart, bar_chart, emotion_curve, heat_map
from insights.models import (
    CodedHighlight,
    Highlight,
    JourneyMap,
    JourneyMapCell,
    Recommendation,
    Report,
    Stage,
)
from insights.reports import RECOMMENDATION_ORDER
from insights.visibility import EvidenceReader, visible_highlights
from interviews import pipeline
from interviews.models import ResearchProject, Transcript
from interviews.selectors import pipeline_counts

# The heat map shows the most used codes; the rest are summed in the text under it.
HEAT_MAP_CODES = 15
# A study's findings are complete with at least this many recommendations a report would show.
RECOMMENDATIONS_WANTED = 3


@dataclass(frozen=True)
class Deliverable:
    label: str
    done: bool
    detail: str  # the number behind it: "7 of 8", "12 cells written"
    url: str


@dataclass(frozen=True)
class StageSentiment:
    stage: str
    mean: float | None
    quotes: int  # quotes at the stage with a sentiment


@dataclass(frozen=True)
class Dashboard:
    deliverables: tuple[Deliverable, ...]
    interviews_done: int
    interviews_target: int
    funnel: BarChart
    transcripts: int
    utterances: int
    coded_utterances: int
    quotes: int
    code_frequency: HeatMap | None
    codes_left_out: int
    sentiment: tuple[StageSentiment, ...]
    emotion: LineChart | None

    @property
    def coded_percent(self) -> int:
        return round(100 * self.coded_utterances / self.utterances) if self.utterances else 0


def project_dashboard(reader: EvidenceReader) -> Dashboard:
    """Queries: 1 pipeline counts, 2 transcripts' coverage, 3 stages, 4 quotes per stage
    with mean sentiment, 5 code uses per (code, stage), 6–8 deliverables (map cells,
    recommendations, reports); plus the selector's own (none for the research team)."""
    project = reader.project
    counts = pipeline_counts(project)
    done = counts[pipeline.Status.COMPLETED]
    target = project.target_interviews or 0
    coverage = Transcript.objects.filter(session__project=project).aggregate(
        transcripts=Count("id"),
        utterances=Sum("utterance_count"),
        coded=Sum("coverage__coded_utterance_count"),
    )
    stages = list(Stage.objects.filter(framework_id=project.framework_id).order_by("position"))
    highlights = visible_highlights(reader)
    by_stage = {
        row["stage_id"]: row
        for row in highlights.order_by()
        .values("stage_id")
        .annotate(quotes=Count("id"), rated=Count("sentiment"), mean=Avg("sentiment"))
    }
    sentiment = tuple(
        StageSentiment(
            stage=stage.name,
            mean=float(by_stage[stage.pk]["mean"])
            if stage.pk in by_stage and by_stage[stage.pk]["mean"] is not None
            else None,
            quotes=by_stage[stage.pk]["rated"] if stage.pk in by_stage else 0,
        )
        for stage in stages
    )
    heat, left_out = _code_frequency(highlights, stages)
    funnel_items = [
        (pipeline.status_label(status), counts[status], str(counts[status]))
        for status in (*pipeline.FUNNEL, *pipeline.EXITS)
    ]
    deliverables = (
        Deliverable(
            "Interviews done",
            bool(target) and done >= target,
            f"{done} of {target}" if target else f"{done} (no target set)",
            project.get_absolute_url(),
        ),
        *_findings_deliverables(project),
    )
    return Dashboard(
        deliverables=deliverables,
        interviews_done=done,
        interviews_target=target,
        funnel=bar_chart(title="Recruitment funnel", items=funnel_items, unit="people", width=480),
        transcripts=coverage["transcripts"] or 0,
        utterances=coverage["utterances"] or 0,
        coded_utterances=coverage["coded"] or 0,
        quotes=sum(row["quotes"] for row in by_stage.values()),
        code_frequency=heat,
        codes_left_out=left_out,
        sentiment=sentiment,
        emotion=emotion_curve(
            title="Sentiment by journey stage",
            stages=[(s.stage, s.mean, s.quotes) for s in sentiment],
            width=520,
        )
        if stages
        else None,
    )


def _findings_deliverables(project: ResearchProject) -> tuple[Deliverable, ...]:
    """Journey maps drafted, recommendations made, a report published (3 queries).

    A map is drafted once researchers wrote in any of its cells (as MapView.drafted); a
    recommendation counts once a researcher proposed it (what a report would show: not the
    job's drafts, not dropped ones).
    """
    written = dict(
        JourneyMapCell.objects.filter(journey_map__project=project)
        .exclude(text="")
        .values_list("journey_map__state")
        .annotate(n=Count("id"))
        .order_by()
    )
    recommendations = Recommendation.objects.filter(
        project=project, status__in=list(RECOMMENDATION_ORDER)
    ).count()
    reports = Report.objects.filter(project=project).aggregate(
        published=Count("id", filter=Q(status=Report.Status.PUBLISHED)),
        latest=Max("number", filter=Q(status=Report.Status.PUBLISHED)),
        built=Count("id"),
    )
    maps = []
    for state in JourneyMap.State:
        cells = written.get(state.value, 0)
        maps.append(
            Deliverable(
                f"{state.label} journey map drafted",
                cells > 0,
                f"{cells} cell{'' if cells == 1 else 's'} written",
                reverse("insights:journey-map", args=[project.slug, state.value]),
            )
        )
    published = reports["published"]
    return (
        *maps,
        Deliverable(
            f"At least {RECOMMENDATIONS_WANTED} recommendations",
            recommendations >= RECOMMENDATIONS_WANTED,
            f"{recommendations} of {RECOMMENDATIONS_WANTED}",
            reverse("insights:recommendation-list", args=[project.slug]),
        ),
        Deliverable(
            "Report published",
            published > 0,
            f"{published} published of {reports['built']} built",
            reverse("insights:report-detail", args=[project.slug, reports["latest"]])
            if published
            else reverse("insights:report-list", args=[project.slug]),
        ),
    )


def _code_frequency(
    highlights: QuerySet[Highlight], stages: list[Stage]
) -> tuple[HeatMap | None, int]:
    """Quotes per (code, stage) for the most used codes; and how many codes were left out."""
    uses: dict[tuple[int, str], dict[int | None, int]] = defaultdict(dict)
    for code_id, name, stage_id, count in (
        CodedHighlight.objects.filter(content_object__in=highlights)
        .values_list("tag_id", "tag__name", "content_object__stage_id")
        .annotate(n=Count("content_object_id", distinct=True))
        .order_by()
    ):
        uses[(code_id, name)][stage_id] = count
    if not uses or not stages:
        return None, 0
    ranked = sorted(uses, key=lambda key: (-sum(uses[key].values()), key[1].lower()))
    shown = ranked[:HEAT_MAP_CODES]
    return (
        heat_map(
            title="Code frequency by journey stage",
            row_labels=[name for _pk, name in shown],
            column_labels=[stage.name for stage in stages],
            values=[[uses[key].get(stage.pk, 0) for stage in stages] for key in shown],
        ),
        len(ranked) - len(shown),
    )
