"""Every search has limits: words per phrase and per query, and a time budget with a message.

A phrase of 50 repeats of one common word once took Whoosh 11 s (200 repeats: 47 s), and any
viewer may search. The query language cuts what no one needs (insights.search.query) and each
backend stops a search at settings.SEARCH_TIME_LIMIT_MS; the page then says so, with a 200.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator

import pytest
from django.test import Client
from django.urls import reverse

from insights.search import backends
from insights.search.base import (
    And,
    Filters,
    Kind,
    Or,
    Phrase,
    Query,
    SearchDocument,
    SearchResults,
    SearchTimeout,
    Term,
)
from insights.search.query import MAX_PHRASE_WORDS, MAX_TERMS, parse_query
from insights.search.whoosh.backend import WhooshBackend
from interviews.models import ResearchProject

pytestmark = pytest.mark.django_db

WORDS = "team rollout licence renewal pricing onboarding security review runners migration"


def documents(project: ResearchProject, count: int) -> list[SearchDocument]:
    return [
        SearchDocument(
            doc_id=f"{Kind.UTTERANCE}:{number}",
            kind=Kind.UTTERANCE,
            project_id=project.pk,
            project_slug=project.slug,
            text=f"{WORDS} number {number}",
            url=f"/u/{number}",
            title=f"P-{number}",
        )
        for number in range(count)
    ]


# --- The query language -------------------------------------------------------------------------


def test_a_phrase_of_one_repeated_word_is_that_word() -> None:
    query = parse_query('"' + " ".join(["team"] * 150) + '"')
    assert query.root == Term("team")
    assert query.notes == ("Searched for a word repeated in a row once.",)


def test_repeats_in_a_row_collapse_but_the_order_stays() -> None:
    assert parse_query('"very very good good very"').root == Phrase(("very", "good", "very"))


def test_a_long_phrase_keeps_its_first_words() -> None:
    words = [f"w{number}" for number in range(30)]
    query = parse_query('"' + " ".join(words) + '"')
    assert query.root == Phrase(tuple(words[:MAX_PHRASE_WORDS]))
    assert query.notes == (f"Searched for the first {MAX_PHRASE_WORDS} words of a long phrase.",)


def test_a_hyphenated_run_is_a_phrase_with_the_same_limits() -> None:
    assert parse_query("-".join(["team"] * 50)).root == Term("team")
    assert len(parse_query("-".join(f"w{n}" for n in range(40))).root.words) == MAX_PHRASE_WORDS


def test_phrase_words_count_towards_the_query_limit() -> None:
    phrases = " ".join('"' + " ".join(f"w{p}x{n}" for n in range(10)) + '"' for p in range(8))
    query = parse_query(phrases)
    assert isinstance(query.root, And)
    assert all(isinstance(node, Phrase) for node in query.root.nodes)
    assert sum(len(node.words) for node in query.root.nodes if isinstance(node, Phrase)) <= (
        MAX_TERMS
    )
    assert f"Searched for the first {MAX_TERMS} terms only." in query.notes


# --- Whoosh's time limit ------------------------------------------------------------------------


@pytest.fixture
def whoosh(tmp_path, project: ResearchProject) -> Iterator[WhooshBackend]:
    backend = WhooshBackend(tmp_path / "index", time_limit=1e-6)
    backend.index(documents(project, 600))
    yield backend
    backend.close()


def search(backend: WhooshBackend, project: ResearchProject, root=None) -> SearchResults:  # noqa: ANN001
    root = root or Or(tuple(Term(word) for word in WORDS.split()))
    return backend.search(
        Query(root=root, filters=Filters()), project_ids=[project.pk], filters=Filters()
    )


def test_whoosh_stops_a_search_in_the_main_thread(whoosh, project) -> None:
    assert threading.current_thread() is threading.main_thread()
    with pytest.raises(SearchTimeout):
        search(whoosh, project)
    # The alarm is put back as it was, and the next search, given time, works.
    assert signal.getsignal(signal.SIGALRM) in (signal.SIG_DFL, signal.SIG_IGN, None)
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
    whoosh.time_limit = 30.0
    assert search(whoosh, project).total == 600


@pytest.mark.parametrize(
    "root",
    [None, And((Term("renewal"), Term("pricing")))],
    ids=["words", "word-pair"],  # a pair is matched from its postings (whoosh.word_pair)
)
def test_whoosh_stops_a_search_between_matches_in_another_thread(whoosh, project, root) -> None:
    outcome: list[object] = []

    def run() -> None:
        try:
            outcome.append(search(whoosh, project, root))
        except SearchTimeout as timeout:
            outcome.append(timeout)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    assert isinstance(outcome[0], SearchTimeout)


def test_a_search_within_its_time_is_not_touched(tmp_path, project) -> None:
    backend = WhooshBackend(tmp_path / "index", time_limit=30.0)
    backend.index(documents(project, 600))
    results = search(backend, project, Phrase(("licence", "renewal")))
    assert results.total == 600
    backend.close()


# --- The page -----------------------------------------------------------------------------------


def test_a_search_stopped_at_its_limit_says_so(
    viewer_client: Client, project, tmp_path, settings
) -> None:
    settings.SEARCH_INDEX_DIR = tmp_path / "index"
    settings.SEARCH_TIME_LIMIT_MS = 1
    backends.reset_backend()
    try:
        backends.get_backend().index(documents(project, 600))
        backend = backends.get_backend()
        assert isinstance(backend, WhooshBackend)
        backend.time_limit = 1e-6  # a millisecond can be enough on a quick day
        response = viewer_client.get(reverse("insights:search"), {"q": WORDS.replace(" ", " OR ")})
    finally:
        backends.reset_backend()
    assert response.status_code == 200
    page = response.content.decode()
    assert "This search took too long and was stopped." in page
    assert "Search stopped" in page


def test_a_search_is_stopped_after_a_second_unless_configured_otherwise(tmp_path) -> None:
    from django.conf import settings as django_settings

    assert django_settings.SEARCH_TIME_LIMIT_MS == 1000
    assert WhooshBackend(tmp_path / "index").time_limit == 1.0
