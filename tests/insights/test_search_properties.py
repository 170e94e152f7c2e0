"""Hostile input, generated: any search text parses within its limits and any search answers.

The parser never raises and never hands a backend more than it allows (MAX_TERMS words, phrases
of MAX_PHRASE_WORDS without repeats in a row); a backend given any parsed query returns results
or SearchTimeout; the page answers 200 to any query string. Texts are bounded by MAX_LENGTH.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from urllib.parse import urlencode

import pytest
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from insights.search import backends
from insights.search.base import And, Filters, Kind, Not, Or, Phrase, SearchDocument, Term
from insights.search.query import MAX_LENGTH, MAX_PHRASE_WORDS, MAX_TERMS, parse_query
from insights.search.whoosh.backend import WhooshBackend

THOROUGH = os.environ.get("HYPOTHESIS_PROFILE") == "thorough"


def examples(count: int) -> settings:
    return settings(
        max_examples=count * 10 if THOROUGH else count,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        derandomize=not THOROUGH,
    )


TOKENS = [
    "sso",
    "team",
    "onboard*",
    "o*",
    '"',
    "(",
    ")",
    "OR",
    "AND",
    "NOT",
    "-",
    "|",
    "stage:",
    'code:"single sign-on"',
    "kind:note",
    "speaker:x",
    "foo:bar",
    "true-up",
    "don't",
    "東京",
    "🎉",
    "\u202e",
    "\x00",
    "\ud800",
    "e\u0301",
    "''",
    "**",
    ":",
    "stage:onboarding",
]
query_text = st.one_of(
    st.text(max_size=300),
    st.lists(st.one_of(st.sampled_from(TOKENS), st.text(max_size=8)), max_size=120).map(" ".join),
    st.lists(st.sampled_from(["team", "our", "the", "team"]), max_size=250).map(
        lambda words: '"' + " ".join(words) + '"'
    ),
)


def nodes(node: object) -> list[object]:
    if isinstance(node, Not):
        return [node, *nodes(node.node)]
    if isinstance(node, And | Or):
        return [node, *(inner for child in node.nodes for inner in nodes(child))]
    return [node]


@examples(600)
@given(text=query_text)
def test_any_text_parses_within_the_limits(text: str) -> None:
    query = parse_query(text)
    leaves = [n for n in nodes(query.root) if isinstance(n, Term | Phrase)] if query.root else []
    assert sum(len(n.words) if isinstance(n, Phrase) else 1 for n in leaves) <= MAX_TERMS
    for leaf in leaves:
        if isinstance(leaf, Phrase):
            assert 2 <= len(leaf.words) <= MAX_PHRASE_WORDS
            assert all(a != b for a, b in zip(leaf.words, leaf.words[1:], strict=False))
    assert all(isinstance(note, str) for note in query.notes)


@pytest.fixture(scope="module")
def whoosh(tmp_path_factory) -> Iterator[WhooshBackend]:
    backend = WhooshBackend(tmp_path_factory.mktemp("index"), time_limit=5.0)
    texts = [
        "our team spent three weeks on sso",
        "the true-up was a surprise",
        "東京 🎉 onboarding",
    ]
    backend.index(
        SearchDocument(
            doc_id=f"{Kind.UTTERANCE}:{n}",
            kind=Kind.UTTERANCE,
            project_id=1,
            project_slug="alpha",
            text=texts[n % 3] + f" {n}",
            url=f"/u/{n}",
            title=f"P-{n}",
            stage="onboarding" if n % 2 else "",
        )
        for n in range(300)
    )
    yield backend
    backend.close()


@examples(300)
@given(text=query_text)
def test_whoosh_answers_any_parsed_query(whoosh: WhooshBackend, text: str) -> None:
    results = whoosh.search(parse_query(text), project_ids=[1], filters=Filters(), limit=5)
    assert 0 <= len(results.hits) <= min(5, results.total)
    for hit in results.hits:
        assert "<script" not in hit.snippet_html


facet_values = st.lists(
    st.one_of(st.sampled_from(["onboarding", "x" * 300, ""]), st.text(max_size=20)), max_size=3
)


@pytest.mark.django_db
@examples(100)
@given(text=query_text, stage=facet_values, kind=facet_values, page=st.text(max_size=25))
def test_the_search_page_answers_any_query_string(
    viewer_client: Client, project, tmp_path_factory, text: str, stage: list, kind: list, page: str
) -> None:
    params = [
        ("q", text),
        ("page", page),
        *(("stage", v) for v in stage),
        *(("kind", v) for v in kind),
    ]
    encoded = urlencode([(k, v.encode("utf-8", "surrogatepass")) for k, v in params])
    response = viewer_client.get(f"{reverse('insights:search')}?{encoded}")
    assert response.status_code == 200
    assert len(text) <= MAX_LENGTH or "longer than" in response.content.decode()


@pytest.fixture(autouse=True)
def own_index(settings, tmp_path_factory):  # noqa: ANN001, ANN201
    settings.SEARCH_INDEX_DIR = tmp_path_factory.mktemp("page-index")
    backends.reset_backend()
    yield
    backends.reset_backend()
