"""Insights by journey stage, across the studies a user may read: the overview and stage pages.

Evidence comes through the one selector (insights.visibility), study by study, so consent,
redaction and blind coding hold here as everywhere; the lenses (segment, region, tier,
participant kind) then narrow it to what the people behind the quotes are.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.contrib.auth.models import User
from django.db.models import Avg, Count, Q, QuerySet

from insights.models import Code, CodedHighlight, Highlight, JourneyFramework, Stage, StageMetric
from insights.visibility import evidence_reader, visible_highlights
from interviews.access import projects_for_user, role_in_project
from interviews.models import Participant, ResearchProject, Session

PAIN_POINTS_PER_STAGE = 3


@dataclass(frozen=True)
class Lenses:
    """What the overview is narrowed to; empty values mean "all"."""

    project_ids: tuple[int, ...] = ()
    segment: str = ""
    region: str = ""
    tier: str = ""
    kind: str = ""  # a Participant.Kind value, or "" for both

    def people(self) -> Q | None:
        """The participants the lenses keep, or None when no lens is set."""
        q = Q()
        for name in ("segment", "region", "tier", "kind"):
            if value := getattr(self, name):
                q &= Q(**{name: value})
        return q if q else None


@dataclass(frozen=True)
class PainPoint:
    name: str
    quotes: int
    participants: int


@dataclass
class StageSummary:
    stage: Stage
    quotes: int = 0
    participants: int = 0
    mean_sentiment: float | None = None
    rated: int = 0
    pain_points: list[PainPoint] = field(default_factory=list)
    metrics: list[StageMetric] = field(default_factory=list)


def readable_projects(user: User, framework: JourneyFramework) -> list[ResearchProject]:
    return list(projects_for_user(user).filter(framework=framework).order_by("title"))


def journey_evidence(
    *, user: User, projects: list[ResearchProject], lenses: Lenses
) -> QuerySet[Highlight]:
    """The highlights of these studies this user may see, narrowed by the lenses.

    One selector call per study (its consent clearance costs 2 queries), joined with OR.
    """
    chosen = [p for p in projects if not lenses.project_ids or p.pk in lenses.project_ids]
    parts = [
        visible_highlights(evidence_reader(project=p, user=user, role=role_in_project(user, p)))
        for p in chosen
    ]
    if not parts:
        return Highlight.objects.none()
    highlights = parts[0]
    for part in parts[1:]:
        highlights = highlights | part
    who = lenses.people()
    if who is not None:
        people = Participant.objects.filter(who).values("pk")
        sessions = Session.objects.filter(project__in=chosen, participants__in=people).values("pk")
        highlights = highlights.filter(
            Q(utterance__speaker__participant__in=people) | Q(field_note__session__in=sessions)
        )
    return highlights


def stage_summaries(highlights: QuerySet[Highlight], stages: list[Stage]) -> list[StageSummary]:
    """Per stage: quotes, people, mean sentiment, strongest pain points, metrics (4 queries)."""
    summaries = {stage.pk: StageSummary(stage=stage) for stage in stages}
    staged = highlights.filter(stage__in=stages)
    for row in (
        staged.order_by()
        .values("stage_id")
        .annotate(
            quotes=Count("id", distinct=True),
            participants=Count("utterance__speaker__participant", distinct=True),
            rated=Count("sentiment"),
            mean=Avg("sentiment"),
        )
    ):
        summary = summaries[row["stage_id"]]
        summary.quotes, summary.participants = row["quotes"], row["participants"]
        summary.rated = row["rated"]
        summary.mean_sentiment = float(row["mean"]) if row["mean"] is not None else None
    pains: dict[int, dict[str, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    for stage_id, name, quotes, people in (
        CodedHighlight.objects.filter(
            content_object__in=staged.values("pk"), tag__kind=Code.Kind.PAIN_POINT
        )
        .values_list("content_object__stage_id", "tag__name")
        .annotate(
            quotes=Count("content_object_id", distinct=True),
            people=Count("content_object__utterance__speaker__participant", distinct=True),
        )
        .order_by()
    ):
        # Codes are per study: the same pain point in two studies adds up by name.
        totals = pains[stage_id][name.strip()]
        totals[0] += quotes
        totals[1] += people
    for stage_id, by_name in pains.items():
        ranked = sorted(by_name.items(), key=lambda item: (-item[1][0], item[0].lower()))
        summaries[stage_id].pain_points = [
            PainPoint(name, quotes, people)
            for name, (quotes, people) in ranked[:PAIN_POINTS_PER_STAGE]
        ]
    for metric in StageMetric.objects.filter(stage__in=stages).order_by("name"):
        summaries[metric.stage_id].metrics.append(metric)
    return [summaries[stage.pk] for stage in stages]
