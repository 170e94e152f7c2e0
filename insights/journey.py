"""Insights by journey stage, across the studies a user may read: the overview and stage pages.

Evidence comes through the one selector (insights.visibility), study by study, so consent,
redaction and blind coding hold here as everywhere; the lenses (segment, region, tier,
participant kind) then narrow it to what the people behind the quotes are.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.contrib.auth.models import User
from django.db.models import Avg, Count, OuterRef, Q, QuerySet, Subquery

from insights.models import (
    Code,
    CodedHighlight,
    EvidenceSummary,
    Highlight,
    JourneyFramework,
    Recommendation,
    Report,
    Stage,
    StageMetric,
    Theme,
    ThemeCode,
)
from insights.reports import Snapshot, coverage_line, group_figures
from insights.visibility import evidence_reader, visible_highlights
from interviews.access import projects_for_user, role_in_project
from interviews.models import Membership, Participant, ResearchProject, Session

RESEARCH_ROLES = (Membership.Role.LEAD, Membership.Role.RESEARCHER)

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


# --- Findings: themes, hand-offs and recommendations per stage ----------------------------------

THEMES_PER_STAGE = 10  # on a stage page; the overview counts them all


@dataclass(frozen=True)
class StageTheme:
    """A theme at a stage, from a published report or (researchers only) as it stands now."""

    theme_id: int
    project: ResearchProject
    stage_id: int
    name: str
    summary: str
    codes: tuple[str, ...]
    pain_point: bool
    quotes: int
    participants: int
    sessions: int
    coverage: str
    published: bool
    label: str  # "Published in report #2", "Draft: candidate"


@dataclass(frozen=True)
class StageHandoff:
    """A theme whose evidence continues into the neighbouring stage, owned by another team."""

    theme_id: int
    project: ResearchProject
    stage_id: int  # the theme's own stage
    stage_slug: str
    theme: str
    from_stage: str
    to_stage: str
    from_team: str
    to_team: str
    participants: int
    quotes: int
    published: bool
    linked: bool  # whether the theme is among its stage's themes (its quotes can be filtered)


@dataclass(frozen=True)
class StageRecommendation:
    project: ResearchProject
    statement: str
    team: str
    impact: str
    effort: str
    status: str
    themes: tuple[str, ...]
    published: bool


@dataclass
class StageFindings:
    themes: list[StageTheme] = field(default_factory=list)
    handoffs: list[StageHandoff] = field(default_factory=list)
    recommendations: list[StageRecommendation] = field(default_factory=list)

    def theme(self, theme_id: int) -> StageTheme | None:
        return next((t for t in self.themes if t.theme_id == theme_id), None)


@dataclass
class JourneyFindings:
    by_stage: dict[int, StageFindings]
    # Per study the findings came from: its latest published report (None: none published).
    reports: list[tuple[ResearchProject, Report | None]]
    shows_drafts: bool  # some study's findings are shown as they stand, drafts included

    handoffs: list[StageHandoff]  # every stage's, in journey order of the boundary

    def stage(self, stage: Stage) -> StageFindings:
        return self.by_stage.get(stage.pk) or StageFindings()


def research_roles(user: User, projects: list[ResearchProject]) -> dict[int, str]:
    """Each study's role of this user, in one query (staff are leads everywhere)."""
    if user.is_staff:
        return {project.pk: Membership.Role.LEAD for project in projects}
    return dict(
        Membership.objects.filter(user=user, project__in=projects).values_list("project_id", "role")
    )


def latest_published_reports(projects: list[ResearchProject]) -> dict[int, Report]:
    """Each study's latest published report, in one query."""
    latest = (
        Report.objects.filter(project=OuterRef("project"), status=Report.Status.PUBLISHED)
        .order_by("-number")
        .values("pk")[:1]
    )
    return {
        report.project_id: report
        for report in Report.objects.filter(
            project__in=projects, status=Report.Status.PUBLISHED, pk=Subquery(latest)
        )
    }


def journey_findings(
    *, user: User, projects: list[ResearchProject], lenses: Lenses, stages: list[Stage]
) -> JourneyFindings:
    """The themes, hand-offs and recommendations at these stages, from the chosen studies.

    A segment lens keeps the studies of that segment and the cross-segment ones; the other
    lenses do not narrow study-wide findings. Viewers read each study's latest published
    report and nothing else: a report is an immutable snapshot, so a draft can never reach
    them. The research team reads the
    themes and recommendations as they stand (rejected, merged and dropped ones left out),
    each marked published when the latest published report holds it, else draft.
    Queries: roles, reports; and for studies the user researches, themes, their codes,
    evidence summaries, recommendations with their themes (4 more).
    """
    chosen = [p for p in projects if not lenses.project_ids or p.pk in lenses.project_ids]
    if lenses.segment:
        # Findings are study-wide: a segment lens keeps the studies of that segment and
        # the cross-segment ones, whose themes may speak for it.
        chosen = [
            p for p in chosen if p.segment in (lenses.segment, ResearchProject.ProjectSegment.CROSS)
        ]
    roles = research_roles(user, chosen)
    reports = latest_published_reports(chosen)
    stage_ids = {stage.pk for stage in stages}
    found: dict[int, StageFindings] = defaultdict(StageFindings)
    researched = [p for p in chosen if roles.get(p.pk) in RESEARCH_ROLES]
    for project in chosen:
        if project not in researched and project.pk in reports:
            _from_report(found, project, reports[project.pk], stages)
    if researched:
        _as_they_stand(found, researched, reports, stage_ids)
    for findings in found.values():
        findings.themes.sort(key=lambda t: (-t.participants, -t.quotes, t.name.casefold()))
        findings.handoffs.sort(key=lambda h: (-h.participants, -h.quotes, h.theme.casefold()))
    position = {stage.name: stage.position for stage in stages}
    handoffs = sorted(
        (handoff for findings in found.values() for handoff in findings.handoffs),
        key=lambda h: (position.get(h.from_stage, 0), -h.participants, -h.quotes, h.theme),
    )
    return JourneyFindings(
        by_stage=dict(found),
        reports=[(project, reports.get(project.pk)) for project in chosen],
        shows_drafts=bool(researched),
        handoffs=handoffs,
    )


def _from_report(
    found: dict[int, StageFindings], project: ResearchProject, report: Report, stages: list[Stage]
) -> None:
    snapshot: Snapshot = report.snapshot
    label = f"Published in report #{report.number}"
    slugs = {stage.pk: stage.slug for stage in stages}
    figures = snapshot.get("theme_figures", {})
    for stage in snapshot["stages"]:
        stage_id = stage["id"]
        if stage_id is None or stage_id not in slugs:
            continue
        here = found[stage_id]
        for theme in stage["themes"]:
            here.themes.append(
                StageTheme(
                    theme_id=theme["id"],
                    project=project,
                    stage_id=stage_id,
                    name=theme["name"],
                    summary=theme["summary"],
                    codes=tuple(theme["codes"]),
                    pain_point=theme["pain_point"],
                    quotes=theme["quotes"],
                    participants=theme["participants"],
                    sessions=theme["sessions"],
                    coverage=theme["coverage"],
                    published=True,
                    label=label,
                )
            )
        shown = {theme["id"] for theme in stage["themes"]}
        for handoff in stage["handoffs"]:
            figure = figures.get(str(handoff["theme_id"]))
            here.handoffs.append(
                StageHandoff(
                    theme_id=handoff["theme_id"],
                    project=project,
                    stage_id=stage_id,
                    stage_slug=slugs[stage_id],
                    theme=handoff["theme"],
                    from_stage=handoff["from_stage"],
                    to_stage=handoff["to_stage"],
                    from_team=handoff["from_team"],
                    to_team=handoff["to_team"],
                    participants=figure["participants"] if figure else 0,
                    quotes=figure["quotes"] if figure else 0,
                    published=True,
                    linked=handoff["theme_id"] in shown,
                )
            )
        for rec in stage["recommendations"]:
            here.recommendations.append(
                StageRecommendation(
                    project=project,
                    statement=rec["statement"],
                    team=rec["team"],
                    impact=rec["impact"],
                    effort=rec["effort"],
                    status=rec["status"],
                    themes=tuple(rec["themes"]),
                    published=True,
                )
            )


def _published_ids(report: Report | None) -> tuple[set[int], set[int]]:
    """The theme and recommendation ids a published report holds."""
    if report is None:
        return set(), set()
    stages = report.snapshot["stages"]
    return (
        {theme["id"] for stage in stages for theme in stage["themes"]},
        {rec["id"] for stage in stages for rec in stage["recommendations"]},
    )


def _as_they_stand(
    found: dict[int, StageFindings],
    projects: list[ResearchProject],
    reports: dict[int, Report],
    stage_ids: set[int],
) -> None:
    by_pk = {project.pk: project for project in projects}
    published = {project.pk: _published_ids(reports.get(project.pk)) for project in projects}
    themes = list(
        Theme.objects.filter(
            project__in=projects,
            stage__in=stage_ids,
            status__in=[Theme.Status.CANDIDATE, Theme.Status.CONFIRMED],
        ).select_related("stage", "handoff_stage")
    )
    codes: dict[int, list[str]] = defaultdict(list)
    for theme_id, name in ThemeCode.objects.filter(theme__in=themes).values_list(
        "theme_id", "code__name"
    ):
        codes[theme_id].append(name)
    summaries = {s.project_id: s for s in EvidenceSummary.objects.filter(project__in=projects)}
    for theme in themes:
        assert theme.stage is not None
        stage_id = theme.stage.id
        project = by_pk[theme.project_id]
        summary = summaries.get(theme.project_id)
        is_published = theme.pk in published[theme.project_id][0]
        coverage = (
            coverage_line(
                theme.participant_count,
                summary.participants,
                group_figures(theme.coverage, summary.totals),
            )
            if summary
            else f"{theme.participant_count} participants"
        )
        here = found[stage_id]
        here.themes.append(
            StageTheme(
                theme_id=theme.pk,
                project=project,
                stage_id=stage_id,
                name=theme.name,
                summary=theme.summary,
                codes=tuple(sorted(codes[theme.pk], key=str.casefold)),
                pain_point=theme.is_pain_point,
                quotes=theme.quote_count,
                participants=theme.participant_count,
                sessions=theme.session_count,
                coverage=coverage,
                published=is_published,
                label=(
                    f"Published in report #{reports[theme.project_id].number}"
                    if is_published
                    else f"Draft: {theme.get_status_display().lower()}"
                ),
            )
        )
        if theme.handoff_stage is not None:
            first, second = sorted([theme.stage, theme.handoff_stage], key=lambda s: s.position)
            here.handoffs.append(
                StageHandoff(
                    theme_id=theme.pk,
                    project=project,
                    stage_id=stage_id,
                    stage_slug=theme.stage.slug,
                    theme=theme.name,
                    from_stage=first.name,
                    to_stage=second.name,
                    from_team=first.owning_team,
                    to_team=second.owning_team,
                    participants=theme.participant_count,
                    quotes=theme.quote_count,
                    published=is_published,
                    linked=True,
                )
            )
    for rec in (
        Recommendation.objects.filter(project__in=projects, stage__in=stage_ids)
        .exclude(status=Recommendation.Status.DROPPED)
        .prefetch_related("themes")
        .order_by("id")
    ):
        assert rec.stage_id is not None
        found[rec.stage_id].recommendations.append(
            StageRecommendation(
                project=by_pk[rec.project_id],
                statement=rec.statement,
                team=rec.owning_team,
                impact=rec.get_impact_display() if rec.impact else "",
                effort=rec.get_effort_display() if rec.effort else "",
                status=rec.get_status_display(),
                themes=tuple(t.name for t in rec.themes.all()),
                published=rec.pk in published[rec.project_id][1],
            )
        )
