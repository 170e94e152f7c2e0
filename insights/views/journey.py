"""The journey overview (the stakeholders' home), a stage's page, and a quote in its context."""

from __future__ import annotations

from collections import defaultdict

from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render

from cxresearch.lib.http import AuthenticatedHttpRequest
from insights.access import get_highlight_for_member
from insights.charts import emotion_curve
from insights.forms_journey import LensForm, StageQuoteForm
from insights.journey import (
    THEMES_PER_STAGE,
    journey_evidence,
    journey_findings,
    readable_projects,
    stage_summaries,
)
from insights.marks import speaker_display
from insights.models import Highlight, JourneyFramework
from insights.quotes import pain_severity_label, sentiment_label
from insights.visibility import display_texts, evidence_reader
from interviews import evidence, pii
from interviews.access import is_researcher_anywhere, projects_for_user

QUOTES_PER_PAGE = 25
CONTEXT_UTTERANCES = 3  # before and after the quote


def home(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Researchers start at their studies; stakeholders at the journey overview."""
    if is_researcher_anywhere(request.user):
        return redirect("interviews:project-list")
    return redirect("insights:journey-overview")


def _framework(request: AuthenticatedHttpRequest, slug: str | None) -> JourneyFramework | None:
    used = JourneyFramework.objects.filter(
        pk__in=projects_for_user(request.user).values("framework_id")
    ).order_by("name")
    if slug:
        return get_object_or_404(used, slug=slug)
    return used.first()


def journey_overview(request: AuthenticatedHttpRequest) -> HttpResponse:
    framework = _framework(request, request.GET.get("framework"))
    if framework is None:
        return render(request, "insights/journey_overview.html", {"framework": None})
    projects = readable_projects(request.user, framework)
    form = LensForm(request.GET or None, projects=projects)
    lenses = form.lenses()
    stages = list(framework.stages.order_by("position"))
    highlights = journey_evidence(user=request.user, projects=projects, lenses=lenses)
    summaries = stage_summaries(highlights, stages)
    findings = journey_findings(user=request.user, projects=projects, lenses=lenses, stages=stages)
    context = {
        "framework": framework,
        "frameworks": JourneyFramework.objects.filter(
            pk__in=projects_for_user(request.user).values("framework_id")
        ).order_by("name"),
        "form": form,
        "summaries": summaries,
        "curve": emotion_curve(
            title=f"Mean sentiment across the {framework.name}",
            stages=[(s.stage.name, s.mean_sentiment, s.rated) for s in summaries],
            width=900,
        ),
        "query": request.GET.urlencode(),
        "studies": projects,
        "findings": findings,
        "cards": [(s, findings.stage(s.stage)) for s in summaries],
    }
    return render(request, "insights/journey_overview.html", context)


def journey_stage(
    request: AuthenticatedHttpRequest, framework_slug: str, stage_slug: str
) -> HttpResponse:
    framework = _framework(request, framework_slug)
    if framework is None:
        raise Http404("No such journey.")
    stage = get_object_or_404(framework.stages, slug=stage_slug)
    projects = readable_projects(request.user, framework)
    form = LensForm(request.GET or None, projects=projects)
    quote_form = StageQuoteForm(request.GET or None)
    lenses = form.lenses()
    highlights = journey_evidence(user=request.user, projects=projects, lenses=lenses)
    (summary,) = stage_summaries(highlights, [stage])
    findings = journey_findings(user=request.user, projects=projects, lenses=lenses, stages=[stage])
    here = findings.stage(stage)
    quotes = highlights.filter(stage=stage)
    theme = None
    if quote_form.is_valid():
        if code := quote_form.cleaned_data["code"].strip():
            quotes = quotes.filter(codes__name__iexact=code)
        quotes = _by_sentiment(quotes, quote_form.cleaned_data["sentiment"])
        if theme_id := quote_form.cleaned_data["theme"]:
            # A theme's evidence: its study's quotes at its stage carrying any of its codes.
            theme = here.theme(theme_id)
            if theme is None:
                quote_form.add_error("theme", "That theme is not among this stage's findings.")
                quotes = quotes.none()
            else:
                quotes = quotes.filter(project=theme.project, codes__name__in=theme.codes)
    elif "theme" in quote_form.errors:
        quotes = quotes.none()  # a broken theme link shows nothing rather than everything
    ids = quotes.order_by("-created_at", "-id").values_list("pk", flat=True).distinct()
    page = Paginator(ids, QUOTES_PER_PAGE).get_page(request.GET.get("page"))
    rows = _quote_rows(request, list(page.object_list))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "framework": framework,
        "stage": stage,
        "summary": summary,
        "form": form,
        "quote_form": quote_form,
        "page": page,
        "rows": rows,
        "query": query.urlencode(),
        "findings": findings,
        "themes": here.themes[:THEMES_PER_STAGE],
        "themes_left_out": max(0, len(here.themes) - THEMES_PER_STAGE),
        "handoffs": here.handoffs,
        "recommendations": here.recommendations,
        "theme": theme,
        "lens_query": _without(request.GET, "page", "theme", "code", "sentiment"),
    }
    return render(request, "insights/journey_stage.html", context)


def _without(params: QueryDict, *names: str) -> str:
    kept = params.copy()
    for name in names:
        kept.pop(name, None)
    return kept.urlencode()


def _by_sentiment(quotes: QuerySet[Highlight], value: str) -> QuerySet[Highlight]:
    if value == "negative":
        return quotes.filter(sentiment__lt=0)
    if value == "positive":
        return quotes.filter(sentiment__gt=0)
    if value.lstrip("-").isdigit():
        return quotes.filter(sentiment=int(value))
    return quotes


def _quote_rows(request: AuthenticatedHttpRequest, ids: list[int]) -> list[dict[str, object]]:
    """A page of quotes from several studies, each shown as its own study's reader may see it."""
    found = (
        Highlight.objects.filter(pk__in=ids)
        .select_related("project", "utterance__speaker__participant", "transcript__session")
        # A taggit manager, which the Django plugin does not take for a relation.
        .prefetch_related("codes")  # type: ignore[misc]
        .defer("transcript__text", "utterance__text")
    )
    by_project: dict[int, list[Highlight]] = defaultdict(list)
    for highlight in found:
        by_project[highlight.project_id].append(highlight)
    texts: dict[int, str] = {}
    for highlights in by_project.values():
        project = highlights[0].project
        reader = evidence_reader(project=project, user=request.user)
        texts.update(display_texts(reader, highlights))
    order = {pk: index for index, pk in enumerate(ids)}
    rows = []
    for highlight in sorted(
        (h for hs in by_project.values() for h in hs), key=lambda h: order[h.pk]
    ):
        speaker = highlight.utterance.speaker if highlight.utterance else None
        participant = speaker.participant if speaker else None
        rows.append(
            {
                "highlight": highlight,
                "text": texts[highlight.pk],
                "participant": participant,
                "codes": sorted(code.name for code in highlight.codes.all()),
                "sentiment": sentiment_label(highlight.sentiment),
                "pain": pain_severity_label(highlight.pain_severity),
            }
        )
    return rows


def quote_context(request: AuthenticatedHttpRequest, slug: str, highlight_id: int) -> HttpResponse:
    """A quote with the utterances around it, as this member may read them."""
    access, highlight = get_highlight_for_member(request, slug, highlight_id)
    reader = evidence_reader(project=access.project, user=request.user, role=access.role)
    spans = (
        []
        if reader.is_research_team
        else evidence.spans_for(highlight.source, audience=reader.audience)
    )
    rows = []
    if highlight.transcript is not None:
        transcript = highlight.transcript
        utterances = list(
            transcript.utterances.filter(
                position__gte=_position(highlight) - CONTEXT_UTTERANCES,
                position__lte=_position(highlight, end=True) + CONTEXT_UTTERANCES,
            )
            .select_related("speaker__participant", "speaker__interviewer")
            .order_by("position")
        )
        show_labels = pii.can_see_pii(request.user)
        rows = [
            {
                "speaker": speaker_display(utterance.speaker, show_label=show_labels),
                "text": evidence.redact(utterance.text, utterance.start, spans),
                "quoted": utterance.start < highlight.end and utterance.end > highlight.start,
                "anchor": utterance.anchor,
                "start_ms": utterance.start_ms,
            }
            for utterance in utterances
        ]
        session = transcript.session
    else:
        note = highlight.field_note
        assert note is not None
        rows.append(
            {
                "speaker": note.get_kind_display(),
                "text": evidence.redact(note.text, 0, spans),
                "quoted": True,
                "anchor": note.anchor,
                "start_ms": note.observed_at_ms,
            }
        )
        session = note.session
    context = {
        "access": access,
        "project": access.project,
        "highlight": highlight,
        "text": display_texts(reader, [highlight])[highlight.pk],
        "session": session,
        "rows": rows,
    }
    return render(request, "insights/quote_context.html", context)


def _position(highlight: Highlight, *, end: bool = False) -> int:
    """The position of the utterance where the quote starts (or ends)."""
    transcript = highlight.transcript
    assert transcript is not None
    offset = highlight.end - 1 if end else highlight.start
    found = (
        transcript.utterances.filter(start__lte=offset)
        .order_by("-start")
        .values_list("position", flat=True)
        .first()
    )
    return found or 0
