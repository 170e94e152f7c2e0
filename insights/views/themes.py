"""Themes and recommendations: the research team's working analysis.

Viewers get 403 on these pages: candidates, rejected themes and draft recommendations are
work in progress, like an unpublished report. Stakeholders read the published reports.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch, Q
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from cxresearch.lib.http import AuthenticatedHttpRequest
from insights import tasks
from insights.forms import (
    RecommendationForm,
    ThemeMergeForm,
    ThemeQuotesForm,
    ThemeRenameForm,
    ThemeSplitForm,
    ThemeSummaryForm,
    VersionForm,
)
from insights.models import (
    CodePair,
    EvidenceSummary,
    Recommendation,
    Stage,
    Theme,
    ThemeCode,
    ThemeQuote,
)
from insights.quotes import (
    pain_severity_label,
    quote_rows,
    quotes_for_project,
    safe_colour,
    sentiment_label,
)
from insights.reports import coverage_line, group_figures
from insights.themes import ThemeError, curation, recommendations
from insights.themes.recommendations import RecommendationFields
from insights.visibility import evidence_reader
from interviews.access import ProjectAccess, get_project_for_member
from interviews.models import ResearchProject
from interviews.models.choices import Region, Segment, Tier
from jobs.models import BackgroundJob
from jobs.runner import job_start, latest_job

# The theme page lists at most this many quotes of its evidence to pick from.
MAX_EVIDENCE_SHOWN = 100
STATUS_BADGES: dict[str, str] = {
    Theme.Status.CANDIDATE: "badge-info",
    Theme.Status.CONFIRMED: "badge-ok",
    Theme.Status.REJECTED: "badge-error",
    Theme.Status.MERGED: "",
}


def research_team(request: HttpRequest, slug: str) -> ProjectAccess:
    """Leads and researchers; viewers 403, outsiders 404."""
    access = get_project_for_member(request, slug)
    if not access.can_edit:
        raise PermissionDenied(
            "Themes and recommendations are the research team's working analysis: "
            "read the study's published reports instead."
        )
    return access


def _flash_errors(request: HttpRequest, form: Form) -> None:
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, str(error))


def _theme_or_404(project: ResearchProject, theme_id: int) -> Theme:
    theme = (
        Theme.objects.filter(project=project, pk=theme_id)
        .select_related("stage", "handoff_stage", "merged_into", "edited_by", "decided_by")
        .first()
    )
    if theme is None:
        raise Http404("No such theme in this study.")
    return theme


def _theme_url(theme: Theme) -> str:
    return reverse("insights:theme-detail", args=[theme.project.slug, theme.pk])


# --- The themes page ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ThemeRow:
    theme: Theme
    badge: str
    codes: list[tuple[str, str]]  # (name, colour)
    coverage: str
    handoff: str


@dataclass(frozen=True)
class StageGroup:
    name: str
    team: str
    open: list[ThemeRow]
    closed: list[ThemeRow]


def handoff_line(theme: Theme) -> str:
    """ "Sales → Customer Success (Purchase → Onboarding)"."""
    if theme.stage is None or theme.handoff_stage is None:
        return ""
    first, second = sorted([theme.stage, theme.handoff_stage], key=lambda s: s.position)
    return f"{first.owning_team} → {second.owning_team} ({first.name} → {second.name})"


def _row(theme: Theme, summary: EvidenceSummary | None) -> ThemeRow:
    total = summary.participants if summary else 0
    groups = group_figures(theme.coverage, summary.totals) if summary else []
    return ThemeRow(
        theme=theme,
        badge=STATUS_BADGES.get(theme.status, ""),
        codes=[(tc.code.name, safe_colour(tc.code.colour)) for tc in theme.theme_codes.all()],
        coverage=coverage_line(theme.participant_count, total, groups),
        handoff=handoff_line(theme),
    )


def theme_list(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    """Queries: access (2), summary, job, themes, their codes, the stages: 7, however many."""
    access = research_team(request, slug)
    project = access.project
    summary = EvidenceSummary.objects.filter(project=project).first()
    rows = [
        _row(theme, summary)
        for theme in Theme.objects.filter(project=project)
        .select_related("stage", "handoff_stage")
        .prefetch_related(
            Prefetch(
                "theme_codes",
                queryset=ThemeCode.objects.select_related("code").order_by("code__name"),
            )
        )
        .order_by("-participant_count", "-quote_count", "id")
    ]
    by_stage: dict[int | None, list[ThemeRow]] = defaultdict(list)
    for row in rows:
        by_stage[row.theme.stage_id].append(row)
    stages: list[tuple[int | None, str, str]] = [
        (stage.pk, stage.name, stage.owning_team)
        for stage in Stage.objects.filter(framework_id=project.framework_id).order_by("position")
    ]
    known = {pk for pk, _name, _team in stages}
    stages += [(None, "No stage", "")] if None in by_stage else []
    for pk, stage_rows in by_stage.items():
        stage = stage_rows[0].theme.stage
        if stage is not None and pk not in known:  # a stage of a framework the study left
            stages.append((pk, stage.name, stage.owning_team))
    order: dict[str, int] = {Theme.Status.CONFIRMED: 0, Theme.Status.CANDIDATE: 1}
    groups = [
        StageGroup(
            name=name,
            team=team,
            open=sorted(
                (r for r in by_stage.get(pk, []) if r.theme.is_open),
                key=lambda r: order[r.theme.status],
            ),
            closed=[r for r in by_stage.get(pk, []) if not r.theme.is_open],
        )
        for pk, name, team in stages
    ]
    counts = dict.fromkeys(Theme.Status.values, 0)
    for row in rows:
        counts[row.theme.status] += 1
    context = {
        "access": access,
        "project": project,
        "summary": summary,
        "groups": [g for g in groups if g.open or g.closed],
        "counts": counts,
        "job": latest_job(kind=BackgroundJob.Kind.AGGREGATE_THEMES, project=project),
    }
    return render(request, "insights/theme_list.html", context)


@require_POST
def theme_aggregate(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    access = research_team(request, slug)
    job_start(
        kind=BackgroundJob.Kind.AGGREGATE_THEMES,
        task=tasks.aggregate_themes,
        project=access.project,
        user=request.user,
    )
    return redirect("insights:theme-list", slug=slug)


# --- One theme ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CoverageRow:
    dimension: str
    value: str
    covered: int
    total: int


DIMENSION_LABELS = {"segment": "Segment", "region": "Region", "tier": "Tier"}


def _coverage_rows(theme: Theme, summary: EvidenceSummary | None) -> list[CoverageRow]:
    labels = {"segment": Segment, "region": Region, "tier": Tier}
    totals = summary.totals if summary else {}
    rows = []
    for dimension, choices in labels.items():
        for value, total in sorted(totals.get(dimension, {}).items(), key=lambda i: -i[1]):
            rows.append(
                CoverageRow(
                    dimension=DIMENSION_LABELS[dimension],
                    value=dict(choices.choices).get(value, value),
                    covered=theme.coverage.get(dimension, {}).get(value, 0),
                    total=total,
                )
            )
    return rows


def theme_detail(request: AuthenticatedHttpRequest, slug: str, theme_id: int) -> HttpResponse:
    access = research_team(request, slug)
    project = access.project
    theme = _theme_or_404(project, theme_id)
    summary = EvidenceSummary.objects.filter(project=project).first()
    theme_codes = ThemeCode.objects.filter(theme=theme).select_related("code")
    code_ids = [tc.code_id for tc in theme_codes]
    picked = list(
        ThemeQuote.objects.filter(theme=theme)
        .order_by("position")
        .values_list("highlight_id", flat=True)
    )
    # The evidence this member may see (insights.visibility: blind coding binds
    # researchers), the picked quotes first, then the most severe and most negative.
    evidence_ids = []
    spans: set[tuple[int | None, int | None, int, int]] = set()
    for pk, *span in (
        curation.theme_evidence(theme)
        .order_by("-pain_severity", "sentiment", "id")
        .values_list("pk", "transcript_id", "field_note_id", "start", "end")
    ):
        # A span two coders highlighted is one quote: list it once.
        if tuple(span) not in spans:
            spans.add(tuple(span))  # type: ignore[arg-type]
            evidence_ids.append(pk)
        if len(evidence_ids) >= MAX_EVIDENCE_SHOWN + len(picked):
            break
    evidence_ids = list(dict.fromkeys([*picked, *evidence_ids]))
    reader = evidence_reader(project=project, user=request.user, role=access.role)
    visible = {h.pk: h for h in quotes_for_project(reader).filter(pk__in=evidence_ids)}
    shown = [visible[pk] for pk in evidence_ids if pk in visible][:MAX_EVIDENCE_SHOWN]
    evidence = quote_rows(reader, shown)
    # filter(stage_id=None) would mean IS NULL too; said out loud, for the type checker.
    same_stage = Q(stage__isnull=True) if theme.stage_id is None else Q(stage_id=theme.stage_id)
    pairs = (
        CodePair.objects.filter(same_stage, project=project)
        .filter(Q(first_id__in=code_ids) | Q(second_id__in=code_ids))
        .select_related("first", "second")
        .order_by("-highlights")[:10]
    )
    together = [
        (pair.second if pair.first_id in code_ids else pair.first, pair.highlights)
        for pair in pairs
        if not (pair.first_id in code_ids and pair.second_id in code_ids)
    ]
    others = Theme.objects.filter(
        same_stage,
        project=project,
        status__in=[Theme.Status.CANDIDATE, Theme.Status.CONFIRMED],
    ).exclude(pk=theme.pk)
    context = {
        "access": access,
        "project": project,
        "theme": theme,
        "badge": STATUS_BADGES.get(theme.status, ""),
        "summary": summary,
        "measured_at": theme.measured_at(summary.computed_at if summary else None),
        "codes": [tc.code for tc in theme_codes],
        "coverage": coverage_line(
            theme.participant_count,
            summary.participants if summary else 0,
            group_figures(theme.coverage, summary.totals) if summary else [],
        ),
        "coverage_rows": _coverage_rows(theme, summary),
        "handoff": handoff_line(theme),
        "sentiment": sentiment_label(
            None if theme.mean_sentiment is None else round(theme.mean_sentiment)
        ),
        "severity": pain_severity_label(
            None if theme.mean_severity is None else round(theme.mean_severity)
        ),
        "together": together,
        "picked": picked,
        "evidence": evidence,
        "evidence_total": theme.quote_count,
        "hidden_from_you": len(evidence_ids) - len(visible),
        "rename_form": ThemeRenameForm(initial={"name": theme.name, "version": theme.version}),
        "summary_form": ThemeSummaryForm(
            initial={"summary": theme.summary, "version": theme.version}
        ),
        "split_form": ThemeSplitForm(codes=theme.codes.all(), initial={"version": theme.version})
        if len(code_ids) > 1
        else None,
        "merge_form": ThemeMergeForm(candidates=others, initial={"version": theme.version}),
        "merge_candidates": list(others),
        "recommendations": list(theme.recommendations.exclude(status="dropped")),
    }
    return render(request, "insights/theme_detail.html", context)


def _version(request: HttpRequest) -> int | None:
    form = VersionForm(request.POST)
    if not form.is_valid():
        _flash_errors(request, form)
        return None
    version: int = form.cleaned_data["version"]
    return version


def _theme_to_change(request: AuthenticatedHttpRequest, slug: str, theme_id: int) -> Theme:
    return _theme_or_404(research_team(request, slug).project, theme_id)


@require_POST
def theme_confirm(request: AuthenticatedHttpRequest, slug: str, theme_id: int) -> HttpResponse:
    theme = _theme_to_change(request, slug, theme_id)
    version = _version(request)
    if version is not None:
        try:
            curation.theme_confirm(theme=theme, by=request.user, version=version)
            messages.success(request, f"“{theme.name}” is confirmed: reports will show it.")
        except ThemeError as error:
            messages.error(request, str(error))
    return redirect(_theme_url(theme))


@require_POST
def theme_reject(request: AuthenticatedHttpRequest, slug: str, theme_id: int) -> HttpResponse:
    theme = _theme_to_change(request, slug, theme_id)
    version = _version(request)
    if version is not None:
        try:
            curation.theme_reject(theme=theme, by=request.user, version=version)
            messages.success(request, f"“{theme.name}” is rejected: it will not be proposed again.")
        except ThemeError as error:
            messages.error(request, str(error))
    return redirect(_theme_url(theme))


@require_POST
def theme_rename(request: AuthenticatedHttpRequest, slug: str, theme_id: int) -> HttpResponse:
    theme = _theme_to_change(request, slug, theme_id)
    form = ThemeRenameForm(request.POST)
    if not form.is_valid():
        _flash_errors(request, form)
        return redirect(_theme_url(theme))
    try:
        theme = curation.theme_rename(
            theme=theme,
            by=request.user,
            version=form.cleaned_data["version"],
            name=form.cleaned_data["name"],
        )
        messages.success(request, f"Renamed to “{theme.name}”.")
    except ThemeError as error:
        messages.error(request, str(error))
    return redirect(_theme_url(theme))


@require_POST
def theme_summary(request: AuthenticatedHttpRequest, slug: str, theme_id: int) -> HttpResponse:
    theme = _theme_to_change(request, slug, theme_id)
    form = ThemeSummaryForm(request.POST)
    if not form.is_valid():
        _flash_errors(request, form)
        return redirect(_theme_url(theme))
    try:
        curation.theme_update_summary(
            theme=theme,
            by=request.user,
            version=form.cleaned_data["version"],
            summary=form.cleaned_data["summary"],
        )
        messages.success(request, "Summary saved.")
    except ThemeError as error:
        messages.error(request, str(error))
    return redirect(_theme_url(theme))


@require_POST
def theme_quotes(request: AuthenticatedHttpRequest, slug: str, theme_id: int) -> HttpResponse:
    theme = _theme_to_change(request, slug, theme_id)
    choices = list(curation.theme_evidence(theme).values_list("pk", flat=True))
    form = ThemeQuotesForm(request.POST, choices=choices)
    if not form.is_valid():
        _flash_errors(request, form)
        return redirect(_theme_url(theme))
    # In the order sent, the page's order: TypedMultipleChoiceField keeps it.
    picks = form.cleaned_data["highlights"]
    try:
        curation.theme_pick_quotes(
            theme=theme, by=request.user, version=form.cleaned_data["version"], highlight_ids=picks
        )
        if picks:
            messages.success(request, f"{len(picks)} representative quote(s) picked.")
        else:
            messages.success(request, "The aggregation job picks this theme's quotes again.")
    except ThemeError as error:
        messages.error(request, str(error))
    return redirect(_theme_url(theme))


@require_POST
def theme_split(request: AuthenticatedHttpRequest, slug: str, theme_id: int) -> HttpResponse:
    theme = _theme_to_change(request, slug, theme_id)
    form = ThemeSplitForm(request.POST, codes=theme.codes.all())
    if not form.is_valid():
        _flash_errors(request, form)
        return redirect(_theme_url(theme))
    try:
        part = curation.theme_split(
            theme=theme,
            by=request.user,
            version=form.cleaned_data["version"],
            code_ids=[code.pk for code in form.cleaned_data["codes"]],
            name=form.cleaned_data["name"],
        )
    except ThemeError as error:
        messages.error(request, str(error))
        return redirect(_theme_url(theme))
    messages.success(request, f"Split off “{part.name}”.")
    return redirect(_theme_url(part))


@require_POST
def theme_merge(request: AuthenticatedHttpRequest, slug: str, theme_id: int) -> HttpResponse:
    theme = _theme_to_change(request, slug, theme_id)
    candidates = Theme.objects.filter(
        project=theme.project, status__in=[Theme.Status.CANDIDATE, Theme.Status.CONFIRMED]
    ).exclude(pk=theme.pk)
    form = ThemeMergeForm(request.POST, candidates=candidates)
    if not form.is_valid():
        _flash_errors(request, form)
        return redirect(_theme_url(theme))
    versions = {**form.versions(request.POST), theme.pk: form.cleaned_data["version"]}
    others = list(form.cleaned_data["others"])
    try:
        curation.theme_merge(into=theme, others=others, by=request.user, versions=versions)
    except ThemeError as error:
        messages.error(request, str(error))
        return redirect(_theme_url(theme))
    names = ", ".join(f"“{other.name}”" for other in others)
    messages.success(request, f"Merged {names} into “{theme.name}”.")
    return redirect(_theme_url(theme))


# --- Recommendations ----------------------------------------------------------------------------


def recommendation_list(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    """Queries: access (2), recommendations, their themes, the stages: 5, however many."""
    access = research_team(request, slug)
    project = access.project
    recommendations = list(
        Recommendation.objects.filter(project=project)
        .select_related("stage", "drafted_from")
        .prefetch_related("themes")
        .order_by("stage__position", "id")
    )
    by_stage: dict[int | None, list[Recommendation]] = defaultdict(list)
    for rec in recommendations:
        by_stage[rec.stage_id].append(rec)
    sections = [
        (stage, by_stage[stage.pk])
        for stage in Stage.objects.filter(framework_id=project.framework_id).order_by("position")
        if by_stage.get(stage.pk)
    ]
    context = {
        "access": access,
        "project": project,
        "sections": sections,
        "unstaged": by_stage.get(None, []),
        "count": len(recommendations),
    }
    return render(request, "insights/recommendation_list.html", context)


def _fields(form: RecommendationForm) -> RecommendationFields:
    data = form.cleaned_data
    return RecommendationFields(
        statement=data["statement"],
        themes=list(data["themes"]),
        stage=data["stage"],
        owning_team=data["owning_team"],
        impact=data["impact"],
        effort=data["effort"],
        status=data["status"],
    )


def recommendation_create(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    access = research_team(request, slug)
    project = access.project
    initial: dict[str, object] = {"status": Recommendation.Status.PROPOSED}
    theme = Theme.objects.filter(project=project, pk=request.GET.get("theme") or 0).first()
    if theme is not None:
        initial.update(themes=[theme.pk], stage=theme.stage_id)
    form = RecommendationForm(request.POST or None, project=project, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            recommendations.recommendation_create(
                project=project, by=request.user, fields=_fields(form)
            )
        except ThemeError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "Recommendation added.")
            return redirect("insights:recommendation-list", slug=slug)
    context = {"access": access, "project": project, "form": form, "recommendation": None}
    return render(request, "insights/recommendation_form.html", context)


def recommendation_edit(
    request: AuthenticatedHttpRequest, slug: str, recommendation_id: int
) -> HttpResponse:
    access = research_team(request, slug)
    project = access.project
    rec = Recommendation.objects.filter(project=project, pk=recommendation_id).first()
    if rec is None:
        raise Http404("No such recommendation in this study.")
    initial = {
        "statement": rec.statement,
        "themes": list(rec.themes.values_list("pk", flat=True)),
        "stage": rec.stage_id,
        "owning_team": rec.owning_team,
        "impact": rec.impact,
        "effort": rec.effort,
        "status": rec.status,
        "version": rec.version,
    }
    form = RecommendationForm(request.POST or None, project=project, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            recommendations.recommendation_update(
                recommendation=rec,
                by=request.user,
                version=form.cleaned_data["version"] or 0,
                fields=_fields(form),
            )
        except ThemeError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "Recommendation saved.")
            return redirect("insights:recommendation-list", slug=slug)
    context = {"access": access, "project": project, "form": form, "recommendation": rec}
    return render(request, "insights/recommendation_form.html", context)
