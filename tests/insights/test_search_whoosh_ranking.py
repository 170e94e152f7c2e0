"""Shortcuts the Whoosh backend takes for speed, which must not change a result: the phrase
bonus read during the search's own pass (ranking.PhraseProbe), two ANDed words matched from
their postings (word_pair), the rank weights kept per day, the ranked pass skipping to the
allowed documents, and snippets marked without whoosh's chain of analysers."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st
from whoosh import highlight
from whoosh import query as wq
from whoosh.codec.whoosh3 import W3LeafMatcher

from insights.search.base import And, Filters, Kind, Node, Phrase, Query, SearchDocument, Term
from insights.search.whoosh import backend as whoosh_backend
from insights.search.whoosh import ranking, snippets, word_pair
from insights.search.whoosh.backend import WhooshBackend, shared_for
from insights.search.whoosh.docsets import AllowedBefore, BitsDocIdSet, ScoredMatches
from insights.search.whoosh.schema import ANALYZER
from interviews.models import ResearchProject
from tests.factories import make_project

pytestmark = pytest.mark.django_db


@pytest.fixture
def whoosh(tmp_path) -> Iterator[WhooshBackend]:
    backend = WhooshBackend(tmp_path / "index")
    yield backend
    backend.close()


@pytest.fixture
def alpha() -> ResearchProject:
    return make_project("Premium to Ultimate up-tier", slug="alpha")


def doc(project: ResearchProject, key: str, text: str) -> SearchDocument:
    return SearchDocument(
        doc_id=f"{Kind.UTTERANCE}:{key}",
        kind=Kind.UTTERANCE,
        project_id=project.pk,
        project_slug=project.slug,
        text=text,
        url=f"/studies/{project.slug}/reader#u-{key}",
        title=f"P-{key}",
    )


TEXTS = {
    "adjacent": "The renewal price went badly and then doubled overnight.",
    "scattered": "Renewal went badly, and then the price doubled overnight.",
    "twice": "Renewal price, renewal price: the renewal price again.",
    "reversed": "The price of the renewal was a surprise.",
    "other": "Nothing about money at all.",
}


def _index(whoosh: WhooshBackend, alpha: ResearchProject) -> None:
    whoosh.index([doc(alpha, key, text) for key, text in list(TEXTS.items())[:3]])
    whoosh.index([doc(alpha, key, text) for key, text in list(TEXTS.items())[3:]])  # 2 segments


def test_the_phrase_bonus_is_read_in_the_search_pass_not_by_walking_postings_again(
    whoosh, alpha, monkeypatch
) -> None:
    _index(whoosh, alpha)
    walked: list[list[int]] = []
    phrase_scores = ranking._phrase_scores

    def spy(searcher: Any, phrase: wq.Phrase, docnums: list[int], **kwargs: Any) -> Any:
        walked.append(docnums)
        return phrase_scores(searcher, phrase, docnums, **kwargs)

    monkeypatch.setattr(ranking, "_phrase_scores", spy)
    results = whoosh.search(
        Query(root=And((Term("renewal"), Term("price"))), filters=Filters()),
        project_ids=[alpha.pk],
        filters=Filters(),
    )
    keys = [hit.doc_id.split(":", 1)[1] for hit in results.hits]
    assert set(keys[:2]) == {"adjacent", "twice"}
    assert set(keys[2:]) == {"scattered", "reversed"}
    assert walked == []


def test_the_probe_scores_a_phrase_as_walking_each_words_postings_does(whoosh, alpha) -> None:
    _index(whoosh, alpha)
    whoosh.warm()
    searcher = shared_for(whoosh.index_dir).searcher
    assert searcher is not None
    phrase = wq.Phrase("text", ["renew", "price"], boost=ranking.PHRASE_BOOST)
    query = wq.And([wq.Term("text", "renew"), wq.Term("text", "price")])
    probe = ranking.PhraseProbe(searcher, phrase)
    everything = BitsDocIdSet((1 << searcher.doc_count_all()) - 1)
    searcher.search_with_collector(
        query, AllowedBefore(float("inf"), ScoredMatches(), everything, on_match=probe)
    )
    matches = sorted(probe.read)
    assert len(matches) == 4  # every match of both words was read in the pass

    walked = ranking._phrase_scores(searcher, phrase, matches)
    assert probe.scores(searcher, matches) == walked
    assert len(walked) == 2  # "adjacent" and "twice"
    # A match the pass did not read is walked to, with the same result.
    probe.read.clear()
    probe.bonus.clear()
    assert probe.scores(searcher, matches) == walked


PAIR_TEXTS = [
    "Renewal price talks: the renewal price doubled.",
    "The price of the renewal was a surprise.",
    "Renewal went badly, and then the price doubled overnight, renewal after renewal.",
    "A renewal price",
    "Nothing about money at all.",
    "Renewal price renewal price renewal price, price renewal.",
    "The renewal price again, at a longer length than the others, with many more words.",
]


def _index_pairs(whoosh: WhooshBackend, alpha: ResearchProject) -> None:
    """Three segments: one where "price" has a single posting (kept in the term's entry),
    one with a deleted document, one where "price" is missing."""
    docs = [doc(alpha, f"p{i}", text) for i, text in enumerate(PAIR_TEXTS)]
    whoosh.index(docs[:1] + [doc(alpha, "r1", "Renewal, and renewal.")])
    whoosh.index(docs[1:])
    whoosh.index([doc(alpha, "r2", "Renewal once more.")])
    whoosh.remove([docs[3].doc_id])


def _whoosh_pass(searcher: Any, query: wq.Query, allowed: int) -> list[tuple[float, int]]:
    scored = ScoredMatches()
    collector = AllowedBefore(float("inf"), scored, BitsDocIdSet(allowed))
    searcher.search_with_collector(query, collector)
    return scored.items


@pytest.mark.parametrize(
    ("query", "side_by_side", "count"),
    [
        (wq.And([wq.Term("text", "renew"), wq.Term("text", "price")]), False, 5),
        (wq.Phrase("text", ["renew", "price"]), True, 3),
        (wq.Phrase("text", ["price", "renew"]), True, 2),
    ],
    ids=["and", "phrase", "phrase-reversed"],
)
def test_a_word_pair_is_scored_as_whoosh_scores_its_query(
    whoosh, alpha, query: wq.Query, side_by_side: bool, count: int
) -> None:
    _index_pairs(whoosh, alpha)
    whoosh.warm()
    state = shared_for(whoosh.index_dir)
    assert state.searcher is not None and state.docsets is not None
    searcher, docsets = state.searcher, state.docsets
    assert len(searcher.leaf_searchers()) == 3 and searcher.reader().has_deletions()
    bonus = wq.Phrase("text", ["renew", "price"], boost=ranking.PHRASE_BOOST)
    pair = word_pair.word_pair(query, bonus)
    assert pair is not None and pair.side_by_side == side_by_side
    everything, lengths = docsets.live(), docsets.text_lengths()

    matches = word_pair.match_pair(searcher, pair, everything, lengths, float("inf"))
    assert matches is not None
    assert len(matches.items) == count
    assert matches.items == _whoosh_pass(searcher, query, everything)  # the same floats

    # Only allowed documents, in any segment.
    docnums = [docnum for _, docnum in matches.items]
    some = everything & ~(1 << docnums[0]) & ~(1 << docnums[-1])
    within = word_pair.match_pair(searcher, pair, some, lengths, float("inf"))
    assert within is not None
    assert within.items == matches.items[1:-1]


def test_the_phrase_bonus_of_a_word_pair_is_the_phrase_s_score(whoosh, alpha) -> None:
    _index_pairs(whoosh, alpha)
    whoosh.warm()
    state = shared_for(whoosh.index_dir)
    assert state.searcher is not None and state.docsets is not None
    searcher, docsets = state.searcher, state.docsets
    bonus = wq.Phrase("text", ["renew", "price"], boost=ranking.PHRASE_BOOST)
    pair = word_pair.word_pair(wq.And([wq.Term("text", w) for w in bonus.words]), bonus)
    assert pair is not None
    matches = word_pair.match_pair(
        searcher, pair, docsets.live(), docsets.text_lengths(), float("inf")
    )
    assert matches is not None and matches.phrase == bonus
    docnums = [docnum for _, docnum in matches.items]
    walked = ranking._phrase_scores(searcher, bonus, docnums)
    assert matches.scores(searcher, docnums) == walked
    assert len(walked) == 3  # the words side by side, in order


def test_a_word_pair_reads_only_the_blocks_of_the_commoner_word_that_hold_the_rarer(
    whoosh, alpha, monkeypatch
) -> None:
    # "renewal" in all 500 documents (four blocks of postings), "price" in two, far apart.
    rare = {5, 480}
    whoosh.index(
        [
            doc(alpha, f"d{i}", "Renewal " * (1 + i % 3) + ("price" if i in rare else "talk"))
            for i in range(500)
        ]
    )
    whoosh.warm()
    state = shared_for(whoosh.index_dir)
    assert state.searcher is not None and state.docsets is not None
    searcher, docsets = state.searcher, state.docsets
    query = wq.And([wq.Term("text", "price"), wq.Term("text", "renew")])
    pair = word_pair.word_pair(query, wq.Phrase("text", ["price", "renew"]))
    assert pair is not None
    everything = docsets.live()
    whoosh_matches = _whoosh_pass(searcher, query, everything)
    blocks_read = []
    read_values = W3LeafMatcher._read_values

    def spy(matcher: W3LeafMatcher) -> None:
        blocks_read.append(matcher.term())
        read_values(matcher)

    monkeypatch.setattr(W3LeafMatcher, "_read_values", spy)
    matches = word_pair.match_pair(searcher, pair, everything, docsets.text_lengths(), float("inf"))
    assert matches is not None
    assert matches.items == whoosh_matches
    assert len(matches.items) == 2
    assert blocks_read == [("text", b"price"), ("text", b"renew"), ("text", b"renew")]


@pytest.mark.parametrize(
    ("query", "phrase_words"),
    [
        (wq.And([wq.Term("text", "renew"), wq.Term("text", "renew")]), ["renew", "renew"]),
        (wq.And([wq.Term("text", "renew"), wq.Term("text", "price")]), ["price", "renew"]),
        (wq.And([wq.Term("text", "renew"), wq.Term("text", "price")]), None),
        (wq.And([wq.Term("text", "renew"), wq.Prefix("text", "pri")]), ["renew", "pri"]),
        (wq.And([wq.Term("text", w) for w in ("a", "b", "c")]), ["a", "b", "c"]),
        (wq.Or([wq.Term("text", "renew"), wq.Term("text", "price")]), ["renew", "price"]),
        (wq.Phrase("text", ["renew", "renew"]), None),
        (wq.Phrase("text", ["renew", "price", "talk"]), None),
        (wq.Phrase("text", ["renew", "price"], slop=2), None),
        (wq.Phrase("text", ["renew", "price"], boost=2.0), None),
    ],
    ids=[
        "repeated",
        "other-order",
        "no-phrase",
        "prefix",
        "three",
        "or",
        "phrase-repeated",
        "phrase-of-three",
        "phrase-with-slop",
        "phrase-boosted",
    ],
)
def test_other_queries_are_not_a_word_pair(query: wq.Query, phrase_words: Any) -> None:
    phrase = None if phrase_words is None else wq.Phrase("text", phrase_words)
    assert word_pair.word_pair(query, phrase) is None


@pytest.mark.parametrize(
    ("root", "totals"),
    [
        (And((Term("renewal"), Term("price"))), [5, 6, 11, 11]),
        (Phrase(("renewal", "price")), [3, 4, 7, 7]),
    ],
    ids=["and", "phrase"],
)
def test_a_search_for_two_words_finds_what_whoosh_s_own_pass_finds(
    whoosh, alpha, monkeypatch, root: Node, totals: list[int]
) -> None:
    beta = make_project("Self-managed onboarding", slug="beta")
    _index_pairs(whoosh, alpha)

    def search(projects: list[ResearchProject], offset: int) -> Any:
        return whoosh.search(
            Query(root=root, filters=Filters()),
            project_ids=[project.pk for project in projects],
            filters=Filters(),
            offset=offset,
            limit=3,
        )

    assert search([alpha], 0).total == totals[0]
    # A new segment after the first search: the text lengths kept per segment follow.
    whoosh.index([doc(beta, f"b{i}", text) for i, text in enumerate(PAIR_TEXTS)])
    asked = [([alpha], 0), ([beta], 0), ([alpha, beta], 0), ([alpha, beta], 3)]
    paired = [search(projects, offset) for projects, offset in asked]
    monkeypatch.setattr(whoosh_backend, "word_pair", lambda query, phrase: None)
    assert [search(projects, offset) for projects, offset in asked] == paired
    assert [results.total for results in paired] == totals


def test_the_rank_weights_kept_with_the_searcher_follow_the_calendar(
    whoosh, alpha, monkeypatch
) -> None:
    today = timezone.localdate()
    dated = dataclasses.replace(doc(alpha, "dated", "Renewal pricing."), session_date=today)
    whoosh.index([dated, doc(alpha, "undated", "Renewal pricing.")])
    whoosh.warm()

    def keys() -> list[str]:
        results = whoosh.search(
            Query(root=Term("renewal"), filters=Filters()),
            project_ids=[alpha.pk],
            filters=Filters(),
        )
        return [hit.doc_id.split(":", 1)[1] for hit in results.hits]

    # Today's session counts 1.5 times, an undated one as a year-old one (1.25 times) ...
    assert keys() == ["dated", "undated"]
    # ... and ten years on, the undated one still counts as a year old.
    later = today + dt.timedelta(days=3650)
    monkeypatch.setattr(timezone, "localdate", lambda: later)
    assert keys() == ["undated", "dated"]


def test_matches_outside_the_allowed_documents_span_are_skipped_in_every_segment(
    whoosh, alpha
) -> None:
    beta = make_project("Self-managed onboarding", slug="beta")
    # Three segments; alpha's documents lie in the middle of the index, beta's on both sides.
    whoosh.index([doc(beta, "b1", "Renewal pricing."), doc(beta, "b2", "Renewal again.")])
    whoosh.index(
        [
            doc(beta, "b3", "Renewal, said beta."),
            doc(alpha, "a1", "Renewal pricing for alpha."),
            doc(alpha, "a2", "Nothing to see."),
            doc(alpha, "a3", "Renewal at last."),
            doc(beta, "b4", "Renewal, beta again."),
        ]
    )
    whoosh.index([doc(beta, "b5", "Renewal, beta once more.")])

    def keys(*projects: ResearchProject) -> set[str]:
        results = whoosh.search(
            Query(root=Term("renewal"), filters=Filters()),
            project_ids=[project.pk for project in projects],
            filters=Filters(),
        )
        assert results.total == len(results.hits)
        return {hit.doc_id.split(":", 1)[1] for hit in results.hits}

    assert keys(alpha) == {"a1", "a3"}
    assert keys(beta) == {"b1", "b2", "b3", "b4", "b5"}
    assert keys(alpha, beta) == {"a1", "a3", "b1", "b2", "b3", "b4", "b5"}


# --- Snippets -----------------------------------------------------------------------------------

WORDS = ["Renewal", "pricing", "the", "a", "I", "SSO", "onboarding", "happy", "seat-counts"]
WORDS += ["e-mail", "don't", "Ünïcödé", "x", "migrations", "…", "12", "!", "\n", "  ", "ab"]


def _whoosh_snippet(text: str, terms: frozenset[str]) -> str:
    """What snippets._snippet gave when whoosh's highlight() analysed the text itself."""
    if terms:
        fragmenter = snippets._WHOLE if len(text) <= snippets.SNIPPET_CHARS else snippets._CONTEXT
        marked: str = highlight.highlight(
            text, terms, ANALYZER, fragmenter, snippets._FORMATTER, top=1, mode="index"
        )
        if marked:
            return marked
    return snippets._snippet(text, frozenset())


@settings(max_examples=300, deadline=None, derandomize=True)
@given(
    text=st.lists(st.sampled_from(WORDS) | st.text(max_size=6), max_size=80).map(" ".join),
    typed=st.lists(st.sampled_from(WORDS), max_size=4),
)
def test_snippets_mark_what_whoosh_highlight_marks(text: str, typed: list[str]) -> None:
    terms = frozenset(token.text for token in ANALYZER(" ".join(typed)))
    assert snippets._snippet(text, terms) == _whoosh_snippet(text, terms)
