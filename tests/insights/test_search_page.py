"""The search page and service over a fake backend: who sees what, filters, escaping, pages.

The real backends are tested by their own suite against a real index; here a fake that holds
hits per project stands in, so these tests pin what the page asks for and what it shows.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from insights.coding import code_get_or_create
from insights.models import JourneyFramework
from insights.search.base import Cleared, Filters, Kind, Query, SearchHit, SearchResults, Term
from insights.search.service import search
from interviews.models import Membership, ResearchProject
from tests.factories import make_enrollment, make_participant, make_project, set_blind_coding

URL = "/search/"


@dataclass(frozen=True)
class Call:
    query: Query
    project_ids: tuple[int, ...]
    filters: Filters
    offset: int
    limit: int
    cleared: dict[int, Cleared]
    own_codings: dict[int, int]


@dataclass
class FakeBackend:
    """Holds (project id, hit) pairs; finds every hit of the given projects and kinds."""

    documents: list[tuple[int, SearchHit]] = field(default_factory=list)
    facets: dict[str, dict[str, int]] | None = None
    calls: list[Call] = field(default_factory=list)
    coders: dict[str, int] = field(default_factory=dict)  # doc_id → coder, for highlights

    def add(
        self, project: ResearchProject, number: int, coder: User | None = None, **overrides: Any
    ) -> SearchHit:
        fields: dict[str, object] = {
            "doc_id": f"utterance:{project.pk}{number:03d}",
            "kind": Kind.UTTERANCE,
            "score": 1.0,
            "snippet_html": f"hit {number} about <mark>sso</mark>",
            "url": f"/studies/{project.slug}/sessions/1/transcripts/1/#u-{number}",
            "title": f"P-{number:03d} · {project.title}",
            "speaker": f"P-{number:03d}",
            "project_slug": project.slug,
            "stage_name": "",
            "code_names": (),
            "time_ms": None,
        }
        fields.update(overrides)
        hit = SearchHit(**fields)  # type: ignore[arg-type]
        self.documents.append((project.pk, hit))
        if coder is not None:
            self.coders[hit.doc_id] = coder.pk
        return hit

    def search(
        self,
        query: Query,
        *,
        project_ids: Sequence[int],
        filters: Filters,
        offset: int = 0,
        limit: int = 20,
        cleared: Mapping[int, Cleared] | None = None,
        own_codings: Mapping[int, int] | None = None,
    ) -> SearchResults:
        own = dict(own_codings or {})
        self.calls.append(
            Call(query, tuple(project_ids), filters, offset, limit, dict(cleared or {}), own)
        )
        kinds = filters.get("kind")
        found = [
            hit
            for project_id, hit in self.documents
            if project_id in project_ids
            and (not kinds or hit.kind in kinds)
            and not (
                hit.kind == Kind.HIGHLIGHT
                and project_id in own
                and self.coders.get(hit.doc_id) != own[project_id]
            )
        ]
        found.sort(key=lambda hit: -hit.score)
        facets = self.facets
        if facets is None:
            facets = {"kind": {}, "project": {}}
            for hit in found:
                facets["kind"][hit.kind] = facets["kind"].get(hit.kind, 0) + 1
                facets["project"][hit.project_slug] = facets["project"].get(hit.project_slug, 0) + 1
        return SearchResults(
            hits=found[offset : offset + limit], total=len(found), facets=facets, message=""
        )


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> FakeBackend:
    backend = FakeBackend()
    monkeypatch.setattr("insights.search.service.get_backend", lambda: backend)
    return backend


@pytest.fixture
def other_project(outsider: User) -> ResearchProject:
    """Study B: the outsider is its only member."""
    return make_project(
        "Self-managed renewal", slug="renewal", members={outsider: Membership.Role.LEAD}
    )


def page(client: Client, **params: Any) -> str:
    response = client.get(URL, params)
    assert response.status_code == 200
    return response.content.decode()


def hit_titles(html: str) -> list[str]:
    return re.findall(r'<h3 class="search-hit-title"><a href="[^"]*">([^<]*)</a>', html)


# --- Who sees what -------------------------------------------------------------------------------


def test_search_box_in_the_header_on_every_page(researcher_client: Client, project) -> None:
    html = researcher_client.get(reverse("interviews:project-list")).content.decode()
    assert '<form role="search" action="/search/" method="get"' in html
    assert '<label for="site-search-q" class="visually-hidden">Search evidence</label>' in html
    assert '<input type="search" id="site-search-q" name="q"' in html


def test_anonymous_user_is_sent_to_log_in(client: Client, fake: FakeBackend) -> None:
    response = client.get(URL, {"q": "sso"})
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")
    assert fake.calls == []


def test_backend_gets_only_the_users_projects(
    researcher_client: Client, project, other_project, fake: FakeBackend
) -> None:
    fake.add(project, 1)
    fake.add(other_project, 2)
    html = page(researcher_client, q="sso")
    assert [call.project_ids for call in fake.calls] == [(project.pk,)]
    assert hit_titles(html) == ["P-001 · Premium to Ultimate up-tier"]
    assert "Self-managed renewal" not in html


def test_outsider_sees_nothing_of_another_study(
    outsider_client: Client, project, other_project, fake: FakeBackend
) -> None:
    fake.add(project, 1)
    fake.add(other_project, 2)
    html = page(outsider_client, q="sso")
    assert [call.project_ids for call in fake.calls] == [(other_project.pk,)]
    assert hit_titles(html) == ["P-002 · Self-managed renewal"]
    assert "up-tier" not in html


def test_a_user_in_no_study_finds_nothing_without_asking_the_backend(
    db: None, client: Client, fake: FakeBackend
) -> None:
    loner = User.objects.create_user("loner", password="pw")
    client.force_login(loner)
    html = page(client, q="sso")
    assert fake.calls == []
    assert "No results" in html


def test_staff_search_every_study(
    client: Client, staff: User, project, other_project, fake: FakeBackend
) -> None:
    client.force_login(staff)
    page(client, q="sso")
    assert fake.calls[0].project_ids == (project.pk, other_project.pk)


def test_viewer_sees_the_pseudonym_not_the_name(
    viewer_client: Client, project, fake: FakeBackend
) -> None:
    ada = make_participant(name="Ada Lovelace", company="Analytical Engines Ltd")
    make_enrollment(project, ada)
    fake.add(project, 1, speaker=ada.pseudonym, title=f"{ada.pseudonym} · interview")
    html = page(viewer_client, q="sso")
    assert ada.pseudonym in html
    assert "Ada Lovelace" not in html
    assert "Analytical Engines" not in html


# --- Blind coding --------------------------------------------------------------------------------


@pytest.fixture
def blind(project: ResearchProject) -> ResearchProject:
    set_blind_coding(project)
    return project


def test_researcher_under_blind_coding_finds_only_their_own_highlights(
    researcher_client: Client, researcher: User, lead: User, blind, fake: FakeBackend
) -> None:
    fake.add(blind, 1)
    fake.add(blind, 2, coder=researcher, kind=Kind.HIGHLIGHT, doc_id="highlight:2")
    fake.add(blind, 3, coder=lead, kind=Kind.HIGHLIGHT, doc_id="highlight:3")
    html = page(researcher_client, q="sso")
    (call,) = fake.calls
    assert call.own_codings == {blind.pk: researcher.pk}
    assert call.filters == Filters()  # every kind is asked for: the coder limits highlights
    assert hit_titles(html) == [
        "P-001 · Premium to Ultimate up-tier",
        "P-002 · Premium to Ultimate up-tier",
    ]


def test_asking_only_for_highlights_under_blind_coding_finds_ones_own(
    researcher_client: Client, researcher: User, lead: User, blind, fake: FakeBackend
) -> None:
    fake.add(blind, 2, coder=researcher, kind=Kind.HIGHLIGHT, doc_id="highlight:2")
    fake.add(blind, 3, coder=lead, kind=Kind.HIGHLIGHT, doc_id="highlight:3")
    html = page(researcher_client, q="sso kind:highlight")
    assert [call.own_codings for call in fake.calls] == [{blind.pk: researcher.pk}]
    assert hit_titles(html) == ["P-002 · Premium to Ultimate up-tier"]


def test_lead_and_viewer_see_highlights_under_blind_coding(
    lead_client: Client, viewer_client: Client, researcher: User, blind, fake: FakeBackend
) -> None:
    fake.add(blind, 2, coder=researcher, kind=Kind.HIGHLIGHT, doc_id="highlight:2")
    for client in (lead_client, viewer_client):
        assert hit_titles(page(client, q="sso")) == ["P-002 · Premium to Ultimate up-tier"]
    assert [call.own_codings for call in fake.calls] == [{}, {}]


def test_highlights_show_again_once_codings_are_revealed(
    researcher_client: Client, lead: User, blind, fake: FakeBackend
) -> None:
    set_blind_coding(blind, codings_revealed=True)
    fake.add(blind, 2, coder=lead, kind=Kind.HIGHLIGHT, doc_id="highlight:2")
    assert hit_titles(page(researcher_client, q="sso")) == ["P-002 · Premium to Ultimate up-tier"]
    assert fake.calls[0].own_codings == {}


def test_blind_and_open_studies_are_searched_together(
    researcher: User, lead: User, blind, fake: FakeBackend
) -> None:
    open_study = make_project(
        "Onboarding", slug="onboarding", members={researcher: Membership.Role.RESEARCHER}
    )
    fake.add(blind, 1, score=3.0)
    fake.add(blind, 2, coder=lead, score=9.0, kind=Kind.HIGHLIGHT, doc_id="highlight:2")
    fake.add(open_study, 3, coder=lead, score=5.0, kind=Kind.HIGHLIGHT, doc_id="highlight:3")
    fake.add(open_study, 4, score=1.0)
    fake.add(blind, 5, score=0.5)

    first = search("sso", user=researcher, page=1, per_page=2)
    second = search("sso", user=researcher, page=2, per_page=2)

    assert [hit.speaker for hit in first.hits] == ["P-003", "P-001"]
    assert [hit.speaker for hit in second.hits] == ["P-004", "P-005"]
    assert first.total == second.total == 4
    # One call per page; only the blind study limits highlights to this researcher's.
    assert [(c.project_ids, c.own_codings, c.offset, c.limit) for c in fake.calls] == [
        ((blind.pk, open_study.pk), {blind.pk: researcher.pk}, 0, 2),
        ((blind.pk, open_study.pk), {blind.pk: researcher.pk}, 2, 2),
    ]


# --- Query and filters ---------------------------------------------------------------------------


def test_facet_params_reach_the_filters(
    researcher_client: Client, project, fake: FakeBackend
) -> None:
    page(
        researcher_client,
        q="sso tier:premium",
        stage=["onboarding", "Adoption"],
        code="Single sign-on",
        kind="note",
        speaker_kind="participant",
        tier="Ultimate",
        segment="Mid-Market",
        bogus="x",
    )
    (call,) = fake.calls
    assert call.query.root == Term("sso")
    assert call.filters.values == {
        "kind": ("field_note",),
        "stage": ("onboarding", "adoption"),
        "code": ("single-sign-on",),
        "segment": ("mid_market",),
        "tier": ("premium", "ultimate"),
        "speaker_kind": ("participant",),
    }
    assert call.offset == 0
    assert call.limit == 20


def test_facet_filters_without_words_still_search(
    researcher_client: Client, project, fake: FakeBackend
) -> None:
    fake.add(project, 1)
    html = page(researcher_client, stage="onboarding")
    assert fake.calls[0].query.root is None
    assert hit_titles(html) == ["P-001 · Premium to Ultimate up-tier"]


def test_no_query_shows_examples_and_asks_nothing(
    researcher_client: Client, project, fake: FakeBackend
) -> None:
    html = page(researcher_client)
    assert fake.calls == []
    assert "<h2>Search the evidence</h2>" in html
    assert (
        '<a href="/search/?q=sso%20stage%3Aonboarding"><code>sso stage:onboarding</code></a>'
        in html
    )
    assert "<code>&quot;true-up&quot; -renewal</code>" in html
    assert "<code>onboard*</code>" in html


def test_no_results_suggests_what_to_try(
    researcher_client: Client, project, fake: FakeBackend
) -> None:
    html = page(researcher_client, q="zebra", stage="onboarding")
    assert "Nothing in your studies matches “zebra”." in html
    assert "<code>onboard*</code>" in html
    assert '<a href="?q=zebra">Search without the filters</a>' in html


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("renewal " * 700, "The query was longer than 1,000 characters; searched for its start."),
        ('"unbalanced', "Added a closing quote."),
        ("OR", "Ignored “OR” with nothing on one side."),
        ("((", "Added closing parentheses."),
        ("sso -", "Ignored a “-” with nothing after it: write -word to exclude a word."),
        ("foo:bar", "Unknown field “foo”: searched for the words instead."),
    ],
)
def test_malformed_queries_give_a_page_with_a_message(
    researcher_client: Client, project, fake: FakeBackend, text: str, message: str
) -> None:
    html = page(researcher_client, q=text)
    assert '<p class="message message-info" role="status">' in html
    assert message in html


def test_a_query_that_asks_for_nothing_shows_the_note_and_the_examples(
    researcher_client: Client, project, fake: FakeBackend
) -> None:
    html = page(researcher_client, q="((")
    assert fake.calls == []
    assert '<p class="message message-info" role="status">Added closing parentheses.</p>' in html
    assert "<h2>Search the evidence</h2>" in html
    assert "Nothing in your studies matches" not in html


def test_junk_page_numbers_and_params_do_not_break_the_page(
    researcher_client: Client, project, fake: FakeBackend
) -> None:
    fake.add(project, 1)
    for params in ({"page": "x"}, {"page": "-3"}, {"page": "99999999999999999999"}, {"kind": "?"}):
        html = page(researcher_client, q="sso", **params)
        assert hit_titles(html) == ["P-001 · Premium to Ultimate up-tier"]


# --- Hits ----------------------------------------------------------------------------------------


def test_a_hit_shows_its_parts_and_links_to_the_exact_place(
    researcher_client: Client, project, fake: FakeBackend
) -> None:
    fake.add(
        project,
        7,
        kind=Kind.HIGHLIGHT,
        url="/studies/uptier/sessions/3/transcripts/4/#u-12",
        stage_name="Onboarding",
        code_names=("SSO", "Pain point"),
        time_ms=754_000,
    )
    html = page(researcher_client, q="sso")
    assert '<a href="/studies/uptier/sessions/3/transcripts/4/#u-12">P-007 · Premium' in html
    assert '<span class="badge badge-info">Highlight</span>' in html
    assert "<span>P-007</span>" in html
    assert "at 12:34" in html
    assert '<span class="badge badge-ok" title="Journey stage">Onboarding</span>' in html
    assert '<span class="badge">SSO</span><span class="badge">Pain point</span>' in html
    assert "Open in transcript" in html
    assert '<blockquote class="search-snippet">hit 7 about <mark>sso</mark></blockquote>' in html


def test_a_snippet_with_markup_other_than_mark_is_escaped(
    researcher_client: Client, project, fake: FakeBackend
) -> None:
    fake.add(project, 1, snippet_html="<mark>licences</mark> <script>alert(1)</script>")
    html = page(researcher_client, q="licences")
    assert "<script>alert(1)" not in html
    assert (
        '<blockquote class="search-snippet">&lt;mark&gt;licences&lt;/mark&gt; '
        "&lt;script&gt;alert(1)&lt;/script&gt;</blockquote>"
    ) in html


def test_an_escaped_script_in_a_snippet_stays_text(
    researcher_client: Client, project, fake: FakeBackend
) -> None:
    fake.add(project, 1, snippet_html="a &lt;script&gt;alert(1)&lt;/script&gt; <mark>b</mark>")
    html = page(researcher_client, q="b")
    assert (
        '<blockquote class="search-snippet">a &lt;script&gt;alert(1)&lt;/script&gt; '
        "<mark>b</mark></blockquote>"
    ) in html


def test_titles_and_speakers_are_escaped(
    researcher_client: Client, project, fake: FakeBackend
) -> None:
    fake.add(project, 1, title="<img src=x onerror=alert(1)>", speaker="<b>P</b>")
    html = page(researcher_client, q="sso")
    assert "<img src=x" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "&lt;b&gt;P&lt;/b&gt;" in html


# --- Facets --------------------------------------------------------------------------------------


def test_facets_show_counts_and_links_that_add_a_value(
    researcher_client: Client, project, fake: FakeBackend
) -> None:
    project.framework = JourneyFramework.objects.get(slug="cx-journey")
    project.save()
    fake.add(project, 1)
    fake.facets = {"stage": {"onboarding": 3, "adoption": 5}, "segment": {"mid_market": 2}}
    html = page(researcher_client, q="sso", tier="premium")
    stage_links = re.findall(
        r'<a href="([^"]*)">([^<]*)</a>\s*<span class="muted small search-facet-count">(\d+)', html
    )
    assert stage_links == [
        ("?q=sso&amp;stage=adoption&amp;tier=premium", "Adoption", "5"),
        ("?q=sso&amp;stage=onboarding&amp;tier=premium", "Onboarding", "3"),
        ("?q=sso&amp;segment=mid_market&amp;tier=premium", "Mid-Market", "2"),
    ]


def test_active_values_are_chips_that_remove_them(
    researcher_client: Client, project, fake: FakeBackend
) -> None:
    fake.add(project, 1)
    fake.facets = {"stage": {"onboarding": 3}}
    html = page(researcher_client, q="sso", stage="onboarding", region="emea")
    assert (
        '<a class="search-chip" href="?q=sso&amp;region=emea"><span>Journey stage: onboarding'
    ) in html
    assert '<a class="search-chip" href="?q=sso&amp;stage=onboarding"><span>Region: EMEA' in html
    assert '<a class="small" href="?q=sso">Clear filters</a>' in html
    # In the sidebar the active value is marked and its link removes it.
    assert '<a href="?q=sso&amp;region=emea" aria-current="true">' in html
    # A new search from the page's box keeps the picked facets.
    assert '<input type="hidden" name="stage" value="onboarding">' in html
    assert '<input type="hidden" name="region" value="emea">' in html


def test_a_filter_typed_in_the_box_is_shown_but_not_a_link(
    researcher_client: Client, project, fake: FakeBackend
) -> None:
    fake.add(project, 1)
    fake.facets = {"tier": {"premium": 1}}
    html = page(researcher_client, q="sso tier:premium")
    assert '<span title="Typed in the search box">Premium</span>' in html
    assert 'class="search-chip"' not in html


def test_project_facet_shows_titles(researcher_client: Client, project, fake: FakeBackend) -> None:
    fake.add(project, 1)
    html = page(researcher_client, q="sso")
    assert '<a href="?q=sso&amp;project=uptier">Premium to Ultimate up-tier</a>' in html


# --- Pages ---------------------------------------------------------------------------------------


@pytest.fixture
def many(project: ResearchProject, fake: FakeBackend) -> FakeBackend:
    for number in range(45):
        fake.add(project, number, score=100.0 - number)
    return fake


def test_first_page_links_to_the_next(researcher_client: Client, many: FakeBackend) -> None:
    html = page(researcher_client, q="sso", stage="onboarding")
    assert "45 results" in html
    assert "showing 1–20" in html
    assert (
        '<a class="btn btn-small" href="?q=sso&amp;stage=onboarding&amp;page=2" rel="next">' in html
    )
    assert 'rel="prev"' not in html
    assert "Page 1 of 3" in html
    assert '<ol class="search-hits" start="1">' in html


def test_middle_page_links_both_ways(researcher_client: Client, many: FakeBackend) -> None:
    html = page(researcher_client, q="sso", page=2)
    assert many.calls[-1].offset == 20
    assert hit_titles(html)[0] == "P-020 · Premium to Ultimate up-tier"
    assert '<a class="btn btn-small" href="?q=sso" rel="prev">' in html
    assert '<a class="btn btn-small" href="?q=sso&amp;page=3" rel="next">' in html
    assert "showing 21–40" in html


def test_last_page_has_no_next(researcher_client: Client, many: FakeBackend) -> None:
    html = page(researcher_client, q="sso", page=3)
    assert len(hit_titles(html)) == 5
    assert 'rel="next"' not in html
    assert "Page 3 of 3" in html


def test_a_page_past_the_end_shows_the_last(researcher_client: Client, many: FakeBackend) -> None:
    html = page(researcher_client, q="sso", page=9)
    assert "Page 3 of 3" in html
    assert len(hit_titles(html)) == 5


def test_query_count(
    researcher_client: Client, project, many: FakeBackend, django_assert_max_num_queries
) -> None:
    many.facets = {"stage": {"onboarding": 3}, "code": {"sso": 2}, "project": {"uptier": 45}}
    # session, user, visible project ids, blind-coding memberships, then one label query each
    # for projects, stages and codes.
    with django_assert_max_num_queries(7):
        page(researcher_client, q="sso")


def test_a_filter_value_no_study_has_says_which_values_exist(
    researcher_client: Client, researcher: User, project, fake: FakeBackend
) -> None:
    project.framework = JourneyFramework.objects.get(slug="cx-journey")
    project.save(update_fields=["framework"])
    code_get_or_create(project=project, name="SSO pain", by=researcher)

    html = page(researcher_client, q="sso stage:onboard code:sso tier:gold")

    assert (
        "No stage “onboard” in your studies; try stage:onboarding, stage:adoption, "
        "stage:awareness, stage:evaluation, stage:expansion, stage:purchase."
    ) in html
    assert "No code “sso” in your studies; try code:sso-pain." in html
    assert "No tier “gold” in the participants; try tier:free, tier:premium, tier:ultimate." in html
    quiet = page(researcher_client, q="sso stage:onboarding code:sso-pain tier:free")
    assert "No stage" not in quiet and "No code" not in quiet and "No tier" not in quiet
