"""Reports: an immutable snapshot of a study's confirmed findings, and reading one back.

`report_build` (run by the build_report job or `manage.py build_report`) reads the themes,
figures and recommendations as the last aggregation left them and stores them as one JSON
snapshot (the Snapshot TypedDict below) on a new Report row. Nothing ever changes a
snapshot; `report_publish` only makes it visible to the study's viewers.

A snapshot keeps each quote's highlight id beside its text. When a report is shown, its
quotes pass `visible_quote_texts` (insights.visibility), so what a reader sees follows
consent and redaction as they are today, not as they were when the report was built.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TypedDict

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone

from insights.models import (
    CodeStrength,
    EvidenceSummary,
    Highlight,
    Level,
    Recommendation,
    Report,
    Stage,
    StageMetric,
    Theme,
    ThemeCode,
    ThemeQuote,
)
from insights.visibility import display_texts, evidence_reader, visible_highlights
from interviews.access import role_in_project
from interviews.audit import audit_publication
from interviews.models import Membership, Participant, ResearchProject
from interviews.models.choices import Deployment, Segment
from jobs.models import BackgroundJob
from jobs.runner import JobContext, JobError, JobOutcome

SNAPSHOT_VERSION = 1
TOP_THEMES = 5
TOP_PAIN_POINTS = 5
TOP_RECOMMENDATIONS = 3
COVERAGE_GROUPS = 3  # groups named in a coverage line, the largest first

# Best first. Drafts (not yet rewritten by a researcher) and dropped ones stay out of reports.
RECOMMENDATION_ORDER: dict[str, int] = {
    Recommendation.Status.IN_PROGRESS: 0,
    Recommendation.Status.ACCEPTED: 1,
    Recommendation.Status.PROPOSED: 2,
    Recommendation.Status.DONE: 3,
}
IMPACT_ORDER: dict[str, int] = {Level.HIGH: 0, Level.MEDIUM: 1, Level.LOW: 2, "": 3}
EFFORT_ORDER: dict[str, int] = {Level.LOW: 0, Level.MEDIUM: 1, Level.HIGH: 2, "": 3}

SEGMENT_WORDS: dict[str, str] = {
    Segment.LARGE: "large",
    Segment.MID_MARKET: "mid-market",
    Segment.SMB: "SMB",
}
DEPLOYMENT_WORDS: dict[str, str] = {
    Deployment.SELF_MANAGED: "self-managed",
    Deployment.SAAS: "SaaS",
    Deployment.DEDICATED: "dedicated",
}


class ReportError(Exception):
    """A report could not be built or published; the message says why."""


# --- The snapshot -------------------------------------------------------------------------------


class GroupFigure(TypedDict):
    label: str  # "large self-managed"
    covered: int
    total: int


class QuoteSnap(TypedDict):
    highlight_id: int
    text: str
    participant: str  # pseudonym, or "" when nobody can be named
    profile: str  # role · segment · region · tier
    url: str


class HandoffSnap(TypedDict):
    theme_id: int
    theme: str
    from_stage: str
    to_stage: str
    from_team: str
    to_team: str


class ThemeSnap(TypedDict):
    id: int
    name: str
    summary: str
    codes: list[str]
    pain_point: bool
    quotes: int
    participants: int
    sessions: int
    share: float
    mean_sentiment: float | None
    mean_severity: float | None
    coverage: str  # "7 of 10 participants (5 of 6 large self-managed, …)"
    groups: list[GroupFigure]
    representative: list[QuoteSnap]
    handoff: HandoffSnap | None


class PainSnap(TypedDict):
    code: str
    quotes: int
    participants: int
    mean_severity: float | None


class MetricSnap(TypedDict):
    name: str
    owner: str
    baseline: str  # with its unit: "38 days", "54%"
    target: str
    unit: str


class RecommendationSnap(TypedDict):
    id: int
    statement: str
    team: str
    impact: str
    effort: str
    status: str
    themes: list[str]


class StageSnap(TypedDict):
    id: int | None
    name: str
    team: str
    themes: list[ThemeSnap]
    pain_points: list[PainSnap]
    handoffs: list[HandoffSnap]
    metrics: list[MetricSnap]
    recommendations: list[RecommendationSnap]


class ThemeFigure(TypedDict):
    name: str
    participants: int
    quotes: int


class ChangeSnap(TypedDict):
    name: str
    before: ThemeFigure | None
    after: ThemeFigure | None


class Changes(TypedDict):
    compared_with: int | None  # the earlier report's number
    new: list[ChangeSnap]
    stronger: list[ChangeSnap]
    weaker: list[ChangeSnap]
    gone: list[ChangeSnap]


class CoverageSnap(TypedDict):
    participants: int
    participants_quoted: int
    sessions: int
    highlights: int
    line: str
    groups: list[GroupFigure]


class Snapshot(TypedDict):
    version: int
    project: str
    framework: str
    built_at: str
    aggregated_at: str | None
    coverage: CoverageSnap
    stages: list[StageSnap]
    changes: Changes
    # Every theme in the report by id (as a string: JSON keys), for the next report's changes.
    theme_figures: dict[str, ThemeFigure]


def group_label(key: str) -> str:
    """ "large:self_managed" → "large self-managed"."""
    segment, _, deployment = key.partition(":")
    return (
        f"{SEGMENT_WORDS.get(segment, segment)} {DEPLOYMENT_WORDS.get(deployment, deployment)}"
    ).strip()


def group_figures(
    covered: Mapping[str, Mapping[str, int]], totals: Mapping[str, Mapping[str, int]]
) -> list[GroupFigure]:
    """Reach in each segment × deployment group of the study, the largest groups first."""
    groups = totals.get("group", {})
    reached = covered.get("group", {})
    ordered = sorted(groups.items(), key=lambda item: (-item[1], item[0]))
    return [
        GroupFigure(label=group_label(key), covered=reached.get(key, 0), total=total)
        for key, total in ordered
    ]


def coverage_line(participants: int, total: int, groups: Sequence[GroupFigure]) -> str:
    """ "7 of 10 participants (5 of 6 large self-managed, 2 of 4 SMB SaaS)"."""
    line = f"{participants} of {total} participant{'' if total == 1 else 's'}"
    # A group that is the whole study says nothing the first figure does not.
    named = [
        f"{g['covered']} of {g['total']} {g['label']}"
        for g in groups[:COVERAGE_GROUPS]
        if g["total"] != total
    ]
    return f"{line} ({', '.join(named)})" if named else line


def _measure(value: Decimal | None, unit: str) -> str:
    """A metric's value with its unit: "38 days", "54%", "2.4 stages"."""
    if value is None:
        return ""
    number = f"{value.normalize():f}"
    if not unit:
        return number
    return f"{number}{unit}" if unit == "%" else f"{number} {unit}"


def _quote_url(project: ResearchProject, highlight: Highlight) -> str:
    if highlight.transcript_id is not None and highlight.transcript is not None:
        url = reverse(
            "insights:transcript-detail",
            args=[project.slug, highlight.transcript.session_id, highlight.transcript_id],
        )
        return f"{url}#u-{highlight.utterance_id}" if highlight.utterance_id else url
    if highlight.field_note is not None:
        session_id = highlight.field_note.session_id
        url = reverse("interviews:session-detail", args=[project.slug, session_id])
        return f"{url}#note-{highlight.field_note_id}"
    return ""


def _quote(project: ResearchProject, highlight: Highlight) -> QuoteSnap:
    person: Participant | None = None
    if highlight.utterance is not None and highlight.utterance.speaker is not None:
        person = highlight.utterance.speaker.participant
    elif highlight.field_note is not None:
        people = list(highlight.field_note.session.participants.all())
        person = people[0] if len(people) == 1 else None
    return QuoteSnap(
        highlight_id=highlight.pk,
        text=highlight.text,
        participant=person.pseudonym if person else "",
        profile=person.profile_line if person else "",
        url=_quote_url(project, highlight),
    )


def _recommendation_rank(rec: Recommendation) -> tuple[int, int, int, int]:
    return (
        RECOMMENDATION_ORDER.get(rec.status, 9),
        IMPACT_ORDER.get(rec.impact, 3),
        EFFORT_ORDER.get(rec.effort, 3),
        rec.pk,
    )


def _changes(figures: Mapping[str, ThemeFigure], previous: Report | None) -> Changes:
    if previous is None:
        return Changes(compared_with=None, new=[], stronger=[], weaker=[], gone=[])
    before: Mapping[str, ThemeFigure] = previous.snapshot.get("theme_figures", {})
    changes = Changes(compared_with=previous.number, new=[], stronger=[], weaker=[], gone=[])
    for key, now in figures.items():
        old = before.get(key)
        if old is None:
            changes["new"].append(ChangeSnap(name=now["name"], before=None, after=now))
            continue
        then, later = (old["participants"], old["quotes"]), (now["participants"], now["quotes"])
        if later > then:
            changes["stronger"].append(ChangeSnap(name=now["name"], before=old, after=now))
        elif later < then:
            changes["weaker"].append(ChangeSnap(name=now["name"], before=old, after=now))
    for key, old in before.items():
        if key not in figures:
            changes["gone"].append(ChangeSnap(name=old["name"], before=old, after=None))
    return changes


def _previous_report(project: ResearchProject) -> Report | None:
    """What stakeholders last saw: the latest published report, else the latest draft."""
    reports = Report.objects.filter(project=project).order_by("-number")
    return reports.filter(status=Report.Status.PUBLISHED).first() or reports.first()


def build_snapshot(project: ResearchProject, *, previous: Report | None) -> Snapshot:
    """Read the study's confirmed findings as they stand (about a dozen queries, whatever its
    size).

    1. the evidence summary (denominators), the stages with their metrics;
    2. the confirmed themes' figures, then in full the top ones per stage and those at a
       hand-off, with the top ones' codes and representative quotes (joined);
    3. the pain-point codes' strength per stage; the recommendations with their themes.
    """
    summary = EvidenceSummary.objects.filter(project=project).first()
    if summary is None:
        raise ReportError(
            "Themes have not been aggregated yet: run “Aggregate themes” first, then confirm "
            "the themes the report should show."
        )
    ranked = list(
        Theme.objects.filter(project=project, status=Theme.Status.CONFIRMED)
        .order_by("-participant_count", "-quote_count", "id")
        .values_list("id", "name", "stage_id", "participant_count", "quote_count", "handoff_stage")
    )
    if not ranked:
        raise ReportError(
            "No theme is confirmed yet: a report shows only confirmed themes. Confirm some on "
            "the themes page, then build the report."
        )
    # Every confirmed theme's figures (for the next report's changes); in full only the top
    # ones of each stage and those at a hand-off.
    figures = {
        str(pk): ThemeFigure(name=name, participants=participants, quotes=quotes)
        for pk, name, _stage, participants, quotes, _next in ranked
    }
    top: list[int] = []
    per_stage: dict[int | None, int] = defaultdict(int)
    for pk, _name, stage_id, *_figures in ranked:
        if per_stage[stage_id] < TOP_THEMES:
            per_stage[stage_id] += 1
            top.append(pk)
    at_handoff = [pk for pk, *_rest, handoff in ranked if handoff is not None]
    themes = list(
        Theme.objects.filter(pk__in={*top, *at_handoff})
        .select_related("stage", "handoff_stage")
        .order_by("-participant_count", "-quote_count", "id")
    )
    codes_of: dict[int, list[str]] = defaultdict(list)
    for theme_id, name in ThemeCode.objects.filter(theme_id__in=top).values_list(
        "theme_id", "code__name"
    ):
        codes_of[theme_id].append(name)
    quotes_of: dict[int, list[QuoteSnap]] = defaultdict(list)
    for theme_quote in (
        ThemeQuote.objects.filter(theme_id__in=top)
        .select_related(
            "highlight__utterance__speaker__participant",
            "highlight__transcript",
            "highlight__field_note__session",
        )
        .prefetch_related("highlight__field_note__session__participants")
        .defer("highlight__transcript__text", "highlight__utterance__text")
        .order_by("theme_id", "position")
    ):
        quotes_of[theme_quote.theme_id].append(_quote(project, theme_quote.highlight))
    stages = (
        list(Stage.objects.filter(framework_id=project.framework_id).order_by("position"))
        if project.framework_id
        else []
    )
    metrics: dict[int, list[MetricSnap]] = defaultdict(list)
    for metric in StageMetric.objects.filter(stage__in=stages).order_by("stage", "name"):
        metrics[metric.stage_id].append(
            MetricSnap(
                name=metric.name,
                owner=metric.owner,
                baseline=_measure(metric.baseline, metric.unit),
                target=_measure(metric.target, metric.unit),
                unit=metric.unit,
            )
        )
    pains: dict[int | None, list[PainSnap]] = defaultdict(list)
    for strength in (
        CodeStrength.objects.filter(project=project, code__kind="pain_point")
        .select_related("code")
        .order_by("-participant_count", "-quote_count", "code__name")
    ):
        if len(pains[strength.stage_id]) < TOP_PAIN_POINTS:
            pains[strength.stage_id].append(
                PainSnap(
                    code=strength.code.name,
                    quotes=strength.quote_count,
                    participants=strength.participant_count,
                    mean_severity=strength.mean_severity,
                )
            )
    recommendations: dict[int | None, list[Recommendation]] = defaultdict(list)
    for rec in sorted(
        Recommendation.objects.filter(project=project, status__in=list(RECOMMENDATION_ORDER))
        .prefetch_related("themes")
        .order_by("id"),
        key=_recommendation_rank,
    ):
        recommendations[rec.stage_id].append(rec)

    by_stage: dict[int | None, list[ThemeSnap]] = defaultdict(list)
    handoffs: dict[int | None, list[HandoffSnap]] = defaultdict(list)
    shown = set(top)
    for theme in themes:
        handoff = _handoff(theme)
        if handoff is not None:
            handoffs[theme.stage_id].append(handoff)
        if theme.pk not in shown:
            continue
        groups = group_figures(theme.coverage, summary.totals)
        by_stage[theme.stage_id].append(
            ThemeSnap(
                id=theme.pk,
                name=theme.name,
                summary=theme.summary,
                codes=sorted(codes_of[theme.pk], key=str.casefold),
                pain_point=theme.is_pain_point,
                quotes=theme.quote_count,
                participants=theme.participant_count,
                sessions=theme.session_count,
                share=theme.participant_share,
                mean_sentiment=theme.mean_sentiment,
                mean_severity=theme.mean_severity,
                coverage=coverage_line(theme.participant_count, summary.participants, groups),
                groups=groups[:COVERAGE_GROUPS],
                representative=quotes_of[theme.pk],
                handoff=handoff,
            )
        )

    stage_snaps = [
        _stage_snap(
            stage.pk,
            stage.name,
            stage.owning_team,
            by_stage,
            pains,
            handoffs,
            metrics.get(stage.pk, []),
            recommendations,
        )
        for stage in stages
    ]
    if by_stage.get(None) or recommendations.get(None):
        stage_snaps.append(
            _stage_snap(None, "No stage", "", by_stage, pains, handoffs, [], recommendations)
        )
    groups = group_figures(summary.quoted, summary.totals)
    return Snapshot(
        version=SNAPSHOT_VERSION,
        project=project.title,
        framework=project.framework.name if project.framework else "",
        built_at=timezone.now().isoformat(timespec="seconds"),
        aggregated_at=summary.computed_at.isoformat(timespec="seconds"),
        coverage=CoverageSnap(
            participants=summary.participants,
            participants_quoted=summary.participants_quoted,
            sessions=summary.sessions,
            highlights=summary.highlights,
            line=coverage_line(summary.participants_quoted, summary.participants, groups),
            groups=groups,
        ),
        stages=stage_snaps,
        changes=_changes(figures, previous),
        theme_figures=figures,
    )


def _handoff(theme: Theme) -> HandoffSnap | None:
    if theme.stage is None or theme.handoff_stage is None:
        return None
    first, second = sorted([theme.stage, theme.handoff_stage], key=lambda s: s.position)
    return HandoffSnap(
        theme_id=theme.pk,
        theme=theme.name,
        from_stage=first.name,
        to_stage=second.name,
        from_team=first.owning_team,
        to_team=second.owning_team,
    )


def _stage_snap(
    stage_id: int | None,
    name: str,
    team: str,
    themes: Mapping[int | None, list[ThemeSnap]],
    pains: Mapping[int | None, list[PainSnap]],
    handoffs: Mapping[int | None, list[HandoffSnap]],
    metrics: list[MetricSnap],
    recommendations: Mapping[int | None, list[Recommendation]],
) -> StageSnap:
    return StageSnap(
        id=stage_id,
        name=name,
        team=team,
        themes=themes.get(stage_id, []),
        pain_points=pains.get(stage_id, []),
        handoffs=handoffs.get(stage_id, []),
        metrics=metrics,
        recommendations=[
            RecommendationSnap(
                id=rec.pk,
                statement=rec.statement,
                team=rec.owning_team,
                impact=rec.get_impact_display() if rec.impact else "",
                effort=rec.get_effort_display() if rec.effort else "",
                status=rec.get_status_display(),
                themes=[t.name for t in rec.themes.all()],
            )
            for rec in recommendations.get(stage_id, [])[:TOP_RECOMMENDATIONS]
        ],
    )


# --- Building and publishing --------------------------------------------------------------------


def report_build(
    *, project: ResearchProject, by: User | None, job: BackgroundJob | None = None
) -> Report:
    """Build the next report of a study from its confirmed findings.

    1. A job delivered twice finds the report it already built and returns it.
    2. Compare with what stakeholders last saw (the latest published report, else the
       latest report) and build the snapshot outside the write transaction.
    3. Number it and save it in one short transaction; the project row is locked so two
       builds never take the same number.
    """
    if job is not None:
        existing = Report.objects.filter(job=job).first()
        if existing is not None:
            return existing
    previous = _previous_report(project)
    snapshot = build_snapshot(project, previous=previous)
    with transaction.atomic():
        ResearchProject.objects.select_for_update().filter(pk=project.pk).first()
        number = (Report.objects.filter(project=project).aggregate(n=Max("number"))["n"] or 0) + 1
        return Report.objects.create(
            project=project,
            number=number,
            title=f"{project.title}: findings #{number}",
            snapshot=snapshot,
            compared_with=previous,
            job=job,
            created_by=by if by is not None and by.is_authenticated else None,
        )


def build_report_job(context: JobContext) -> JobOutcome:
    """The work of the build_report task (insights.tasks)."""
    project = context.job.project
    if project is None:
        raise JobError("This job is not about a study.")
    try:
        report = report_build(project=project, by=context.job.started_by, job=context.job)
    except ReportError as error:
        raise JobError(str(error)) from error
    return JobOutcome(
        summary={"report": report.number},
        url=report.get_absolute_url(),
        message=f"Report #{report.number} is ready to read.",
    )


def report_publish(*, report: Report, by: User) -> Report:
    """Make a report visible to the study's viewers (leads only; publishing twice is a no-op)."""
    if role_in_project(by, report.project) != Membership.Role.LEAD:
        raise ReportError("Only the study's lead can publish a report.")
    if report.is_published:
        return report
    report.status = Report.Status.PUBLISHED
    report.published_by = by
    report.published_at = timezone.now()
    with transaction.atomic():
        report.save(update_fields=["status", "published_by", "published_at"])
        audit_publication(by, project=report.project, what=f"report “{report.title}”")
    return report


def reports_for(*, project: ResearchProject, role: str) -> list[Report]:
    """The study's reports this member may open: viewers only the published ones."""
    reports = Report.objects.filter(project=project).select_related("created_by", "published_by")
    if role == Membership.Role.VIEWER:
        reports = reports.filter(status=Report.Status.PUBLISHED)
    return list(reports.defer("snapshot").order_by("-number"))


# --- Reading a report back ----------------------------------------------------------------------


def visible_quote_texts(
    *, project: ResearchProject, user: User, role: str, highlight_ids: Iterable[int]
) -> dict[int, str]:
    """The quotes among `highlight_ids` this member may read now, with the text they may read.

    The one place a report's (and a theme page's) quotes are filtered, through the evidence
    selector: consent audience, blind coding, and redaction of spoken names for readers
    outside the research team. A quote deleted since is simply absent. Two or three queries.
    """
    reader = evidence_reader(project=project, user=user, role=role)
    highlights = list(
        visible_highlights(reader)
        .filter(pk__in=set(highlight_ids))
        .only("id", "text", "start", "transcript_id", "field_note_id")
    )
    return display_texts(reader, highlights)


@dataclass(frozen=True)
class ShownQuote:
    highlight_id: int
    text: str
    participant: str
    profile: str
    url: str


@dataclass(frozen=True)
class ShownTheme:
    theme: ThemeSnap
    quotes: list[ShownQuote]
    hidden: int  # quotes this reader may not see (consent), or that were deleted since


@dataclass(frozen=True)
class ShownStage:
    stage: StageSnap
    themes: list[ShownTheme]


def shown_stages(report: Report, *, user: User, role: str) -> list[ShownStage]:
    """The snapshot's stages, each theme with the quotes this reader may see (one query)."""
    snapshot: Snapshot = report.snapshot
    ids = [
        quote["highlight_id"]
        for stage in snapshot["stages"]
        for theme in stage["themes"]
        for quote in theme["representative"]
    ]
    texts = visible_quote_texts(project=report.project, user=user, role=role, highlight_ids=ids)
    shown = []
    for stage in snapshot["stages"]:
        themes = []
        for theme in stage["themes"]:
            quotes = [
                ShownQuote(
                    highlight_id=q["highlight_id"],
                    text=texts[q["highlight_id"]],
                    participant=q["participant"],
                    profile=q["profile"],
                    url=q["url"],
                )
                for q in theme["representative"]
                if q["highlight_id"] in texts
            ]
            themes.append(
                ShownTheme(
                    theme=theme, quotes=quotes, hidden=len(theme["representative"]) - len(quotes)
                )
            )
        shown.append(ShownStage(stage=stage, themes=themes))
    return shown


def aggregated_at(snapshot: Snapshot) -> dt.datetime | None:
    value = snapshot.get("aggregated_at")
    return dt.datetime.fromisoformat(value) if value else None
