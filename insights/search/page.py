"""The search page's reading: results, facets that narrow them, chips, pages, as rows to render.

insights.views.search parses the query string and renders; everything between is here.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from django.contrib.auth.models import User
from django.http import QueryDict
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from insights.models import Code, Stage
from insights.search.base import FACETS, Filters, Kind, SearchHit, SearchResults, SearchTimeout
from insights.search.query import parse_query
from insights.search.service import MAX_PAGE, search
from interviews.access import projects_for_user
from interviews.models.choices import Region, Segment, Tier

logger = logging.getLogger(__name__)

PER_PAGE = 20
FACET_VALUES_SHOWN = 12

FACET_LABELS = {
    "project": "Study",
    "kind": "Kind",
    "stage": "Journey stage",
    "code": "Code",
    "segment": "Segment",
    "region": "Region",
    "tier": "Tier",
    "speaker_kind": "Speaker",
}
KIND_LABELS = {
    Kind.UTTERANCE: "Utterance",
    Kind.FIELD_NOTE: "Field note",
    Kind.HIGHLIGHT: "Highlight",
}
SPEAKER_LABELS = {"participant": "Participant", "interviewer": "Interviewer"}


# Backends promise an escaped snippet with <mark> around matches (SearchHit.snippet_html); this
# page checks the promise before trusting it, because the text is whatever a transcript said.
_MARK_TAG = re.compile(r"</?mark>")


def safe_snippet(snippet_html: str) -> SafeString:
    """The snippet as the backend made it when its only tags are <mark>, else fully escaped."""
    if "<" in _MARK_TAG.sub("", snippet_html):
        logger.warning("A search backend returned a snippet with markup other than <mark>.")
        return escape(snippet_html)
    return mark_safe(snippet_html)  # noqa: S308  # checked above: no tag but <mark>


@dataclass(frozen=True)
class HitRow:
    hit: SearchHit
    snippet: SafeString
    kind_label: str
    project_title: str


@dataclass(frozen=True)
class FacetValue:
    value: str
    label: str
    count: int
    active: bool
    in_query: bool  # typed in the box (stage:onboarding): removed by editing the query
    url: str  # adds the value, or removes it when active


@dataclass(frozen=True)
class FacetGroup:
    facet: str
    label: str
    values: Sequence[FacetValue]
    more: int  # values not shown


@dataclass(frozen=True)
class Chip:
    facet_label: str
    label: str
    remove_url: str


@dataclass(frozen=True)
class ResultsPage:
    """One page of search results with everything the page shows around them."""

    results: SearchResults
    rows: Sequence[HitRow]
    groups: Sequence[FacetGroup]
    chips: Sequence[Chip]
    searched: bool  # "((" or "OR" alone asks for nothing: the page shows the note and examples
    timed_out: bool
    page: int  # the page shown: a stale link past the last shows the last
    num_pages: int
    previous_url: str
    next_url: str
    clear_url: str
    kept_filters: Sequence[tuple[str, str]]

    @property
    def first_number(self) -> int:
        return (self.page - 1) * PER_PAGE + 1

    @property
    def last_number(self) -> int:
        return (self.page - 1) * PER_PAGE + len(self.rows)


def _url(text: str, filters: Filters, page: int = 1) -> str:
    params = QueryDict(mutable=True)
    if text:
        params["q"] = text
    for facet in FACETS:
        params.setlist(facet, list(filters.get(facet)))
    if page > 1:
        params["page"] = str(page)
    return "?" + params.urlencode()


def _toggled(filters: Filters, facet: str, value: str) -> Filters:
    values = dict(filters.values)
    current = values.get(facet, ())
    if value in current:
        values[facet] = tuple(v for v in current if v != value)
    else:
        values[facet] = (*current, value)
    return Filters(values={f: v for f, v in values.items() if v})


def _labels(user: User, wanted: Mapping[str, Iterable[str]]) -> dict[str, dict[str, str]]:
    """Display names for facet values (slugs and choice values); one query per named facet.

    Projects, stages and codes are looked up only among the user's studies; a value that is not
    found keeps its slug.
    """
    labels: dict[str, dict[str, str]] = {
        "kind": dict(KIND_LABELS),
        "speaker_kind": dict(SPEAKER_LABELS),
        "segment": {str(value): str(label) for value, label in Segment.choices},
        "region": {str(value): str(label) for value, label in Region.choices},
        "tier": {str(value): str(label) for value, label in Tier.choices},
    }
    visible = projects_for_user(user)
    if slugs := set(wanted.get("project", ())):
        labels["project"] = dict(visible.filter(slug__in=slugs).values_list("slug", "title"))
    if slugs := set(wanted.get("stage", ())):
        frameworks = visible.exclude(framework=None).values("framework_id")
        labels["stage"] = dict(
            Stage.objects.filter(slug__in=slugs, framework_id__in=frameworks)
            .order_by("framework_id", "position")
            .values_list("slug", "name")
        )
    if slugs := set(wanted.get("code", ())):
        labels["code"] = dict(
            Code.objects.filter(slug__in=slugs, project__in=visible)
            .order_by("project_id")
            .values_list("slug", "name")
        )
    return labels


@dataclass(frozen=True)
class _Found:
    results: SearchResults
    page: int
    num_pages: int
    timed_out: bool


def _found(text: str, *, user: User, chosen: Filters, page: int) -> _Found:
    try:
        results = search(text, user=user, filters=chosen, page=page, per_page=PER_PAGE)
        num_pages = min(max(-(-results.total // PER_PAGE), 1), MAX_PAGE)
        if not results.hits and page > num_pages:
            # A stale link past the last page: show the last page instead of nothing.
            page = num_pages
            results = search(text, user=user, filters=chosen, page=page, per_page=PER_PAGE)
    except SearchTimeout:
        logger.warning("A search was stopped at its time limit: %d characters.", len(text))
        return _Found(SearchResults(hits=[], total=0, facets={}), page, 1, timed_out=True)
    return _Found(results, page, num_pages, timed_out=False)


type _Label = Callable[[str, str], str]


def _facet_groups(
    text: str, results: SearchResults, *, chosen: Filters, typed: Filters, label: _Label
) -> list[FacetGroup]:
    """Each facet's most frequent values, and the active ones, each linking to its toggle."""
    groups: list[FacetGroup] = []
    for facet in FACETS:
        counts = results.facets.get(facet, {})
        active = set(chosen.get(facet)) | set(typed.get(facet))
        ordered = sorted(counts.items(), key=lambda item: (-item[1], label(facet, item[0])))
        shown = ordered[:FACET_VALUES_SHOWN]
        # Active values stay listed (so they can be removed) even when they are not in the top.
        shown_values = {value for value, _ in shown}
        shown += [(value, counts.get(value, 0)) for value in sorted(active - shown_values)]
        values = [
            FacetValue(
                value=value,
                label=label(facet, value),
                count=count,
                active=value in active,
                in_query=value in typed.get(facet) and value not in chosen.get(facet),
                url=_url(text, _toggled(chosen, facet, value)),
            )
            for value, count in shown
        ]
        if values:
            groups.append(
                FacetGroup(
                    facet=facet,
                    label=FACET_LABELS[facet],
                    values=values,
                    more=max(len(ordered) - FACET_VALUES_SHOWN, 0),
                )
            )
    return groups


def results_page(text: str, *, user: User, chosen: Filters, page: int) -> ResultsPage:
    """Page `page` of what `text` finds for `user` within the `chosen` facet values."""
    found = _found(text, user=user, chosen=chosen, page=page)
    results, page = found.results, found.page
    parsed = parse_query(text)  # pure and cheap: what the box asked for, to label the page
    typed = parsed.filters  # stage:onboarding in the box
    wanted: dict[str, set[str]] = {facet: set() for facet in FACETS}
    for facet, counts in results.facets.items():
        wanted.setdefault(facet, set()).update(counts)
    for facet in FACETS:
        wanted[facet].update(chosen.get(facet))
        wanted[facet].update(typed.get(facet))
    wanted["project"].update(hit.project_slug for hit in results.hits)
    labels = _labels(user, wanted)

    def label(facet: str, value: str) -> str:
        return labels.get(facet, {}).get(value, value)

    chips = [
        Chip(FACET_LABELS[facet], label(facet, value), _url(text, _toggled(chosen, facet, value)))
        for facet in FACETS
        for value in chosen.get(facet)
    ]
    rows = [
        HitRow(
            hit=hit,
            snippet=safe_snippet(hit.snippet_html),
            kind_label=KIND_LABELS.get(hit.kind, hit.kind),
            project_title=label("project", hit.project_slug),
        )
        for hit in results.hits
    ]
    return ResultsPage(
        results=results,
        rows=rows,
        groups=_facet_groups(text, results, chosen=chosen, typed=typed, label=label),
        chips=chips,
        searched=parsed.root is not None or bool(typed.values or chosen.values),
        timed_out=found.timed_out,
        page=page,
        num_pages=found.num_pages,
        previous_url=_url(text, chosen, page - 1) if page > 1 else "",
        next_url=_url(text, chosen, page + 1) if page < found.num_pages else "",
        clear_url=_url(text, Filters()),
        kept_filters=[(facet, value) for facet in FACETS for value in chosen.get(facet)],
    )
