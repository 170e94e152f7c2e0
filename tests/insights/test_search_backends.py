"""What every search backend does, run against each: Whoosh, and PostgreSQL full text.

Queries are built from the AST classes of insights.search.base (not parsed), so a failure
here is the backend's. The postgres runs need DATABASE_URL=postgres://… and are skipped on
SQLite, except in CI with a postgres DATABASE_URL, where a skip would hide a broken set-up:
there they run (and fail). What only the Whoosh backend does (rebuild by directory swap,
the cross-process writer lock, one searcher per process) is at the end of this file; what
only the PostgreSQL backend does is in test_search_postgres.py.
"""

from __future__ import annotations

import datetime as dt
import html
import importlib
import os
import re
import subprocess
import sys
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from whoosh.reading import SegmentReader

from insights.search.base import (
    FACETS,
    And,
    Cleared,
    Filters,
    IndexBusy,
    Kind,
    Node,
    Not,
    Or,
    Phrase,
    Query,
    SearchBackend,
    SearchDocument,
    SearchResults,
    Term,
)
from insights.search.whoosh import backend as whoosh_backend
from insights.search.whoosh import docsets as docsets_module
from insights.search.whoosh.backend import WhooshBackend
from interviews.models import ResearchProject
from tests.factories import make_project

# The postgres backend stores rows (insights.SearchEntry, with a foreign key to the project),
# so every test has a database and real projects.
pytestmark = pytest.mark.django_db


def _postgres_backend() -> SearchBackend:
    url = os.environ.get("DATABASE_URL", "")
    ci_expects_postgres = os.environ.get("CI") == "true" and url.startswith(("postgres", "pgsql"))

    def unavailable(reason: str) -> None:
        if ci_expects_postgres:
            pytest.fail(f"{reason}, but CI runs with a PostgreSQL DATABASE_URL")
        pytest.skip(reason)

    if connection.vendor != "postgresql":
        unavailable(f"PostgreSQL backend: the database is {connection.vendor}")
    try:
        module = importlib.import_module("insights.search.postgres_backend")
    except ModuleNotFoundError as error:
        if error.name != "insights.search.postgres_backend":
            raise
        unavailable("PostgreSQL backend: insights.search.postgres_backend does not exist yet")
    return module.PostgresBackend()


@pytest.fixture(params=["whoosh", "postgres"])
def backend(request: pytest.FixtureRequest, tmp_path) -> Iterator[SearchBackend]:
    if request.param == "postgres":
        yield _postgres_backend()
        return
    whoosh = WhooshBackend(tmp_path / "index")
    yield whoosh
    whoosh.close()


@pytest.fixture
def alpha() -> ResearchProject:
    return make_project("Premium to Ultimate up-tier", slug="alpha")


@pytest.fixture
def beta() -> ResearchProject:
    return make_project("Self-managed onboarding", slug="beta")


def doc(
    project: ResearchProject, key: str, text: str, *, kind: str = Kind.UTTERANCE, **fields: Any
) -> SearchDocument:
    """A document of project; key makes the doc_id ("<kind>:<key>")."""
    return SearchDocument(
        doc_id=f"{kind}:{key}",
        kind=kind,
        project_id=project.pk,
        project_slug=project.slug,
        text=text,
        url=f"/studies/{project.slug}/reader#u-{key}",
        title=f"P-{key} · {project.title}",
        **fields,
    )


def ask(
    backend: SearchBackend,
    root: Node | None,
    projects: Sequence[ResearchProject],
    filters: Filters | None = None,
    *,
    offset: int = 0,
    limit: int = 20,
    cleared: dict[int, Cleared] | None = None,
) -> SearchResults:
    return backend.search(
        Query(root=root, filters=Filters()),
        project_ids=[project.pk for project in projects],
        filters=filters or Filters(),
        offset=offset,
        limit=limit,
        cleared=cleared,
    )


def found(
    backend: SearchBackend,
    root: Node | None,
    projects: Sequence[ResearchProject],
    filters: Filters | None = None,
    *,
    cleared: dict[int, Cleared] | None = None,
) -> set[str]:
    """The keys (doc_id without "<kind>:") of every match."""
    results = ask(backend, root, projects, filters, limit=100, cleared=cleared)
    assert results.total == len(results.hits)
    return {hit.doc_id.split(":", 1)[1] for hit in results.hits}


def ranked(backend: SearchBackend, root: Node, projects: Sequence[ResearchProject]) -> list[str]:
    return [hit.doc_id.split(":", 1)[1] for hit in ask(backend, root, projects).hits]


def words(*typed: str) -> tuple[Term, ...]:
    return tuple(Term(word) for word in typed)


# --- Operators ----------------------------------------------------------------------------------


@pytest.fixture
def pricing(backend: SearchBackend, alpha: ResearchProject) -> ResearchProject:
    backend.index(
        [
            doc(alpha, "1", "The renewal price went up and nobody told us."),
            doc(alpha, "2", "Pricing was clear at renewal time."),
            doc(alpha, "3", "The price of seats is what we watch."),
            doc(alpha, "4", "Onboarding took two weeks with the wizard."),
            doc(alpha, "5", "We onboarded the second team without help."),
        ]
    )
    return alpha


def test_words_side_by_side_must_all_match(backend, pricing) -> None:
    # "renewal price" and "renewal AND price" are both And in the AST.
    assert found(backend, And(words("renewal", "price")), [pricing]) == {"1", "2"}
    assert found(backend, And(words("renewal", "price", "seats")), [pricing]) == set()


def test_or_matches_either_word(backend, pricing) -> None:
    assert found(backend, Or(words("seats", "wizard")), [pricing]) == {"3", "4"}


def test_not_and_minus_exclude_a_word(backend, pricing) -> None:
    # "price -renewal" and "price NOT renewal" are both And(price, Not(renewal)).
    root = And((Term("price"), Not(Term("renewal"))))
    assert found(backend, root, [pricing]) == {"3"}


def test_a_query_of_only_negations_matches_everything_else(backend, pricing) -> None:
    assert found(backend, Not(Term("renewal")), [pricing]) == {"3", "4", "5"}
    assert found(backend, Not(Or(words("renewal", "onboarding"))), [pricing]) == {"3"}


def test_operators_nest(backend, pricing) -> None:
    root = And((Or(words("seats", "renewal")), Not(Phrase(("pricing", "was")))))
    assert found(backend, root, [pricing]) == {"1", "3"}


def test_prefix_matches_the_words_that_start_with_it(backend, pricing) -> None:
    assert found(backend, Term("onboard", prefix=True), [pricing]) == {"4", "5"}
    assert found(backend, Term("pric", prefix=True), [pricing]) == {"1", "2", "3"}
    assert found(backend, Term("wiz", prefix=True), [pricing]) == {"4"}
    assert found(backend, Term("zebr", prefix=True), [pricing]) == set()


def test_prefix_finds_words_whose_stem_differs_from_the_typed_letters(backend, alpha) -> None:
    # Both indexes hold stems, and "happy" is stored as "happi".
    backend.index([doc(alpha, "1", "They were happy with it."), doc(alpha, "2", "Pure happiness.")])
    assert found(backend, Term("happy", prefix=True), [alpha]) == {"1", "2"}


def test_phrase_needs_the_words_side_by_side_in_order(backend, alpha) -> None:
    backend.index(
        [
            doc(alpha, "1", "Single sign-on was the blocker."),
            doc(alpha, "2", "We sign in once; single users only."),
            doc(alpha, "3", "On single sign we agreed."),
        ]
    )
    assert found(backend, Phrase(("single", "sign")), [alpha]) == {"1", "3"}
    assert found(backend, Phrase(("single", "sign", "on")), [alpha]) == {"1", "3"}
    assert found(backend, Phrase(("sign", "single")), [alpha]) == set()


def test_stemming_finds_other_forms_of_a_word(backend, alpha) -> None:
    backend.index(
        [
            doc(alpha, "1", "The renewal came early."),
            doc(alpha, "2", "Renewals are handled by finance."),
            doc(alpha, "3", "We onboarded twelve engineers."),
            doc(alpha, "4", "Onboarding was slow."),
        ]
    )
    assert found(backend, Term("renewals"), [alpha]) == {"1", "2"}
    assert found(backend, Term("renewal"), [alpha]) == {"1", "2"}
    assert found(backend, Term("onboarding"), [alpha]) == {"3", "4"}
    assert found(backend, Phrase(("renewals", "came")), [alpha]) == {"1"}


def test_stop_words_are_left_out(backend, pricing) -> None:
    assert found(backend, And(words("the", "wizard")), [pricing]) == {"4"}
    assert found(backend, Or(words("the", "wizard")), [pricing]) == {"4"}
    assert found(backend, And((Term("wizard"), Not(Term("the")))), [pricing]) == {"4"}


def test_a_query_of_only_stop_words_finds_nothing_and_says_why(backend, pricing) -> None:
    results = ask(backend, And(words("the", "of")), [pricing])
    assert results.hits == []
    assert results.total == 0
    assert results.message


def test_no_free_text_lists_everything_the_filters_allow(backend, pricing, beta) -> None:
    backend.index([doc(beta, "b1", "Another study.")])
    assert found(backend, None, [pricing]) == {"1", "2", "3", "4", "5"}
    assert found(backend, None, [pricing, beta]) == {"1", "2", "3", "4", "5", "b1"}


def test_an_empty_index_finds_nothing(backend, alpha) -> None:
    results = ask(backend, Term("renewal"), [alpha])
    assert (results.hits, results.total) == ([], 0)
    assert ask(backend, None, [alpha]).total == 0
    assert backend.document_ids() == set()


# --- Filters and projects -----------------------------------------------------------------------


@pytest.fixture
def faceted(backend: SearchBackend, alpha: ResearchProject) -> ResearchProject:
    backend.index(
        [
            doc(
                alpha,
                "1",
                "SSO setup blocked the rollout.",
                kind=Kind.HIGHLIGHT,
                stage="onboarding",
                stage_name="Onboarding",
                codes=("sso", "blocker"),
                code_names=("SSO", "Blocker"),
                segment="large",
                region="emea",
                tier="ultimate",
                speaker="P-001",
                speaker_kind="participant",
                session_date=dt.date(2026, 3, 2),
            ),
            doc(
                alpha,
                "2",
                "SSO was fine for us.",
                kind=Kind.HIGHLIGHT,
                stage="adoption",
                codes=("sso",),
                segment="smb",
                region="amer",
                tier="premium",
                speaker_kind="participant",
                session_date=dt.date(2026, 4, 10),
            ),
            doc(
                alpha,
                "3",
                "How did SSO setup go?",
                stage="onboarding",
                segment="large",
                region="amer",
                tier="premium",
                speaker="Interviewer",
                speaker_kind="interviewer",
                session_date=dt.date(2026, 3, 2),
            ),
            doc(alpha, "4", "SSO note from the site visit.", kind=Kind.FIELD_NOTE, region="emea"),
        ]
    )
    return alpha


@pytest.mark.parametrize(
    ("facet", "values", "expected"),
    [
        ("stage", ("onboarding",), {"1", "3"}),
        ("stage", ("onboarding", "adoption"), {"1", "2", "3"}),
        ("code", ("blocker",), {"1"}),
        ("code", ("sso",), {"1", "2"}),
        ("code", ("blocker", "sso"), {"1", "2"}),
        ("segment", ("large",), {"1", "3"}),
        ("region", ("emea",), {"1", "4"}),
        ("tier", ("premium",), {"2", "3"}),
        ("kind", (Kind.HIGHLIGHT,), {"1", "2"}),
        ("kind", (Kind.FIELD_NOTE, Kind.UTTERANCE), {"3", "4"}),
        ("speaker_kind", ("interviewer",), {"3"}),
        ("project", ("alpha",), {"1", "2", "3", "4"}),
        ("stage", ("no-such-stage",), set()),
    ],
)
def test_a_facet_filter_keeps_documents_with_any_of_its_values(
    backend, faceted, facet: str, values: tuple[str, ...], expected: set[str]
) -> None:
    filters = Filters(values={facet: values})
    assert found(backend, Term("sso"), [faceted], filters) == expected
    assert found(backend, None, [faceted], filters) == expected


def test_filters_of_different_facets_must_all_hold(backend, faceted) -> None:
    filters = Filters(values={"stage": ("onboarding",), "tier": ("premium",)})
    assert found(backend, Term("sso"), [faceted], filters) == {"3"}
    filters = Filters(values={"code": ("sso",), "region": ("emea",), "segment": ("large",)})
    assert found(backend, None, [faceted], filters) == {"1"}


def test_session_dates_filter_inclusively(backend, faceted) -> None:
    march = Filters(session_from=dt.date(2026, 3, 2), session_to=dt.date(2026, 3, 31))
    assert found(backend, Term("sso"), [faceted], march) == {"1", "3"}
    assert found(backend, None, [faceted], Filters(session_from=dt.date(2026, 3, 3))) == {"2"}
    assert found(backend, None, [faceted], Filters(session_to=dt.date(2026, 3, 2))) == {"1", "3"}


def test_a_document_of_another_project_never_appears(backend, alpha, beta) -> None:
    backend.index(
        [
            doc(alpha, "a1", "Renewal pricing in alpha."),
            doc(beta, "b1", "Renewal pricing in beta, renewal again."),
        ]
    )
    roots: list[Node | None] = [
        Term("renewal"),
        Not(Term("zebra")),
        None,
        Term("renew", prefix=True),
    ]
    for root in roots:
        assert found(backend, root, [alpha]) == {"a1"}
        assert found(backend, root, [beta]) == {"b1"}
        assert found(backend, root, [alpha, beta]) == {"a1", "b1"}
    # A facet filter naming the other project widens nothing.
    assert found(backend, None, [alpha], Filters(values={"project": ("beta",)})) == set()


def test_no_projects_means_no_results(backend, pricing) -> None:
    for root in [Term("renewal"), None, Not(Term("zebra"))]:
        results = backend.search(
            Query(root=root, filters=Filters()), project_ids=[], filters=Filters()
        )
        assert (results.hits, results.total) == ([], 0)
        assert not any(results.facets.get(facet) for facet in FACETS)


# --- Consent ------------------------------------------------------------------------------------
# Documents carry their session and speaking participant; a project in `cleared` is searched
# only within the sessions and speakers consent clears (insights.search.service decides which).


@pytest.fixture
def consented(backend: SearchBackend, alpha: ResearchProject, beta: ResearchProject) -> None:
    backend.index(
        [
            doc(
                alpha,
                "cleared",
                "Renewal pricing, said P-011.",
                session_id=1,
                speaker_participant_id=11,
            ),
            doc(
                alpha,
                "speaker",
                "Renewal pricing, said P-012.",
                session_id=1,
                speaker_participant_id=12,
            ),
            doc(alpha, "interviewer", "Renewal pricing, asked the interviewer.", session_id=1),
            doc(alpha, "note", "Renewal pricing on a note.", kind=Kind.FIELD_NOTE, session_id=1),
            doc(
                alpha,
                "session",
                "Renewal pricing, in session 2.",
                session_id=2,
                speaker_participant_id=11,
            ),
            doc(alpha, "nowhere", "Renewal pricing, with no session."),
            doc(beta, "beta", "Renewal pricing in beta.", session_id=3, speaker_participant_id=12),
        ]
    )


ALPHA_CLEARED = {"cleared", "interviewer", "note", "beta"}


@pytest.mark.parametrize(
    "root",
    [
        Term("renewal"),
        None,
        Not(Term("zebra")),
        Term("renew", prefix=True),
        Phrase(("renewal", "pricing")),
    ],
    ids=["words", "filters-only", "negation", "prefix", "phrase"],
)
def test_a_cleared_project_finds_only_cleared_sessions_and_speakers(
    backend, consented, alpha, beta, root
) -> None:
    cleared = {alpha.pk: Cleared(session_ids=frozenset({1}), participant_ids=frozenset({11}))}
    assert found(backend, root, [alpha, beta], cleared=cleared) == ALPHA_CLEARED
    # Without a restriction, the research team finds everything.
    assert len(found(backend, root, [alpha, beta])) == 7


def test_facet_counts_and_totals_leave_out_what_consent_hides(
    backend, consented, alpha, beta
) -> None:
    cleared = {alpha.pk: Cleared(session_ids=frozenset({1}), participant_ids=frozenset({11}))}
    results = ask(backend, Term("renewal"), [alpha, beta], limit=1, cleared=cleared)
    assert results.total == 4
    assert results.facets["project"] == {"alpha": 3, "beta": 1}
    assert results.facets["kind"] == {"utterance": 3, "field_note": 1}


def test_a_project_with_nothing_cleared_finds_nothing(backend, consented, alpha, beta) -> None:
    nothing = {alpha.pk: Cleared(session_ids=frozenset(), participant_ids=frozenset())}
    assert found(backend, Term("renewal"), [alpha], cleared=nothing) == set()
    assert found(backend, Term("renewal"), [alpha, beta], cleared=nothing) == {"beta"}
    # Sessions of another project, cleared for this one, open nothing of either.
    everything = {
        beta.pk: Cleared(session_ids=frozenset({1, 2}), participant_ids=frozenset({11, 12}))
    }
    assert found(backend, Term("renewal"), [beta], cleared=everything) == set()


def test_consent_restrictions_are_per_project(backend, consented, alpha, beta) -> None:
    # Participant 12 is cleared in beta only: their words in alpha stay hidden.
    cleared = {
        alpha.pk: Cleared(session_ids=frozenset({1}), participant_ids=frozenset({11})),
        beta.pk: Cleared(session_ids=frozenset({3}), participant_ids=frozenset({12})),
    }
    assert found(backend, Term("renewal"), [alpha, beta], cleared=cleared) == ALPHA_CLEARED


# --- Blind coding: a coder's own highlights ---------------------------------------------------


@pytest.fixture
def coded(backend: SearchBackend, alpha: ResearchProject, beta: ResearchProject) -> None:
    """Coders 7 and 8 highlighted renewal pricing in both studies; the words are said once."""
    highlight = Kind.HIGHLIGHT
    backend.index(
        [
            doc(alpha, "said", "Renewal pricing, said P-011."),
            doc(alpha, "mine", "Renewal pricing hurt.", kind=highlight, coder_id=7, passage="a"),
            doc(alpha, "theirs", "Renewal pricing again.", kind=highlight, coder_id=8, passage="b"),
            doc(beta, "beta-theirs", "Renewal pricing in beta.", kind=highlight, coder_id=8),
        ]
    )


@pytest.mark.parametrize(
    "root", [Term("renewal"), None, Not(Term("zebra"))], ids=["words", "filters-only", "negation"]
)
def test_own_codings_keep_only_that_coders_highlights_of_that_project(
    backend, coded, alpha, beta, root
) -> None:
    def found_by(own_codings: dict[int, int], filters: Filters | None = None) -> set[str]:
        results = backend.search(
            Query(root=root, filters=Filters()),
            project_ids=[alpha.pk, beta.pk],
            filters=filters or Filters(),
            limit=100,
            own_codings=own_codings,
        )
        assert results.total == len(results.hits)
        return {hit.doc_id.split(":", 1)[1] for hit in results.hits}

    everything = {"said", "mine", "theirs", "beta-theirs"}
    assert found_by({}) == everything
    # Coder 7 is bound in alpha only: beta's highlights of others stay found.
    assert found_by({alpha.pk: 7}) == {"said", "mine", "beta-theirs"}
    assert found_by({alpha.pk: 7, beta.pk: 7}) == {"said", "mine"}
    highlights_only = Filters(values={"kind": (Kind.HIGHLIGHT,)})
    assert found_by({alpha.pk: 8}, highlights_only) == {"theirs", "beta-theirs"}


def test_facet_counts_leave_out_others_codings(backend, coded, alpha, beta) -> None:
    results = ask(backend, Term("renewal"), [alpha], limit=1)
    assert results.facets["kind"] == {"highlight": 2, "utterance": 1}
    results = backend.search(
        Query(root=Term("renewal"), filters=Filters()),
        project_ids=[alpha.pk],
        filters=Filters(),
        limit=1,
        own_codings={alpha.pk: 7},
    )
    assert results.total == 2
    assert results.facets["kind"] == {"highlight": 1, "utterance": 1}


# --- Ranking ------------------------------------------------------------------------------------


def test_words_side_by_side_outrank_the_same_words_scattered(backend, alpha) -> None:
    backend.index(
        [
            doc(alpha, "scattered", "Renewal went badly, and then the price doubled overnight."),
            doc(alpha, "adjacent", "The renewal price went badly and then doubled overnight."),
        ]
    )
    assert ranked(backend, And(words("renewal", "price")), [alpha]) == ["adjacent", "scattered"]
    # Typed the other way round, the words are not a phrase in either document.
    assert set(ranked(backend, And(words("price", "renewal")), [alpha])) == {
        "adjacent",
        "scattered",
    }


def test_a_phrase_match_far_down_by_its_words_alone_still_tops_every_page(backend, alpha) -> None:
    # The bonus is found only for matches that could still reach the page asked for (Whoosh):
    # a long text with the words side by side ranks below a dozen short scattered ones by
    # its words alone, and first with its phrase.
    filler = " ".join(["nothing much was said about anything in particular"] * 2)
    backend.index(
        [
            *(
                doc(
                    alpha,
                    f"scattered-{n}",
                    f"Renewal, renewal{', renewal' * (n % 3)}: paid more, price up.",
                )
                for n in range(12)
            ),
            doc(alpha, "adjacent", f"{filler} until the renewal price came up at the end."),
        ]
    )
    root = And(words("renewal", "price"))
    whole = [hit.doc_id for hit in ask(backend, root, [alpha], limit=20).hits]
    assert whole[0] == "utterance:adjacent"
    for limit in (1, 3, 5):
        pages = [
            hit.doc_id
            for offset in range(0, 13, limit)
            for hit in ask(backend, root, [alpha], offset=offset, limit=limit).hits
        ]
        assert pages == whole


def test_a_document_matching_more_words_ranks_higher(backend, alpha) -> None:
    backend.index(
        [
            doc(alpha, "one", "Renewal came up once in a long and winding talk."),
            doc(alpha, "three", "Renewal, discount and seats came up in a winding talk."),
            doc(alpha, "two", "Renewal and seats came up in a long and winding talk."),
        ]
    )
    root = Or(words("renewal", "discount", "seats"))
    assert ranked(backend, root, [alpha]) == ["three", "two", "one"]
    hits = ask(backend, root, [alpha]).hits
    assert hits[0].score > hits[1].score > hits[2].score


def _two_coders_one_passage(alpha: ResearchProject) -> list[SearchDocument]:
    """Two coders' highlights of one span, a third coder's of another, and the utterance."""
    text = "Procurement held the renewal for a month."
    passage = "transcript:7:120:161"
    return [
        doc(alpha, "1", text, kind=Kind.HIGHLIGHT, passage=passage, codes=("delay",)),
        doc(
            alpha,
            "2",
            text,
            kind=Kind.HIGHLIGHT,
            passage=passage,
            pain_severity=3,
            codes=("procurement",),
        ),
        doc(alpha, "3", "held the renewal", kind=Kind.HIGHLIGHT, passage="transcript:7:132:148"),
        doc(alpha, "4", text),
    ]


def test_a_passage_coded_by_two_coders_is_found_once(backend, alpha) -> None:
    backend.index(_two_coders_one_passage(alpha))
    results = ask(backend, Term("renewal"), [alpha])
    keys = [hit.doc_id for hit in results.hits]
    assert sorted(keys) == ["highlight:2", "highlight:3", "utterance:4"]  # the best-ranked kept
    assert results.total == 3
    assert results.facets["kind"] == {"highlight": 2, "utterance": 1}


def test_a_passage_is_found_once_without_words_too(backend, alpha) -> None:
    backend.index(_two_coders_one_passage(alpha))
    results = ask(backend, None, [alpha], Filters(values={"kind": (Kind.HIGHLIGHT,)}))
    assert results.total == 2
    assert {hit.doc_id for hit in results.hits} in (
        {"highlight:1", "highlight:3"},
        {"highlight:2", "highlight:3"},
    )


def test_a_filter_finds_the_coding_of_a_passage_that_matches_it(backend, alpha) -> None:
    backend.index(_two_coders_one_passage(alpha))
    only = Filters(values={"code": ("delay",)})
    assert [hit.doc_id for hit in ask(backend, Term("renewal"), [alpha], only).hits] == [
        "highlight:1"
    ]
    assert [hit.doc_id for hit in ask(backend, None, [alpha], only).hits] == ["highlight:1"]


def test_plain_words_also_match_a_highlights_code_names(backend, alpha) -> None:
    backend.index(
        [
            doc(
                alpha,
                "coded",
                "It took them a month to sign.",
                kind=Kind.HIGHLIGHT,
                codes=("procurement-delay",),
                code_names=("Procurement delay",),
            ),
            doc(alpha, "said", "Procurement asked for the security review again."),
            doc(alpha, "other", "The wizard was fine."),
        ]
    )
    assert found(backend, Term("procurement"), [alpha]) == {"coded", "said"}
    assert found(backend, And(words("month", "delays")), [alpha]) == {"coded"}  # stemmed
    assert found(backend, Phrase(("procurement", "delay")), [alpha]) == {"coded"}
    assert found(backend, Term("procure", prefix=True), [alpha]) == {"coded", "said"}
    [hit] = ask(backend, Term("delay"), [alpha]).hits
    assert "Procurement" not in hit.snippet_html  # the snippet shows the text only
    assert hit.code_names == ("Procurement delay",)


def test_among_passages_that_match_alike_the_more_painful_ranks_first(backend, alpha) -> None:
    text = "Procurement held the renewal for a month."
    backend.index(
        [
            doc(alpha, "a-mild", text, kind=Kind.HIGHLIGHT, pain_severity=1),
            doc(alpha, "b-none", text, kind=Kind.HIGHLIGHT),
            doc(alpha, "c-severe", text, kind=Kind.HIGHLIGHT, pain_severity=3),
        ]
    )
    assert ranked(backend, Term("renewal"), [alpha]) == ["c-severe", "a-mild", "b-none"]


def test_among_passages_that_match_alike_the_more_recent_ranks_first(backend, alpha) -> None:
    text = "Procurement held the renewal for a month."
    today = dt.date.today()
    backend.index(
        [
            doc(alpha, "a-old", text, session_date=today - dt.timedelta(days=3 * 365)),
            doc(alpha, "b-undated", text),
            doc(alpha, "c-new", text, session_date=today - dt.timedelta(days=7)),
        ]
    )
    assert ranked(backend, Term("renewal"), [alpha]) == ["c-new", "b-undated", "a-old"]


def test_text_still_outweighs_severity_and_recency(backend, alpha) -> None:
    today = dt.date.today()
    backend.index(
        [
            doc(
                alpha,
                "a-one-word",
                "The renewal came up once in a long and winding talk.",
                kind=Kind.HIGHLIGHT,
                pain_severity=3,
                session_date=today,
            ),
            doc(
                alpha,
                "b-all-words",
                "Renewal, discount and seats came up in a winding talk.",
                session_date=today - dt.timedelta(days=2 * 365),
            ),
        ]
    )
    root = Or(words("renewal", "discount", "seats"))
    assert ranked(backend, root, [alpha]) == ["b-all-words", "a-one-word"]


# --- Facets and pages ---------------------------------------------------------------------------


@pytest.fixture
def thirty(backend: SearchBackend, alpha: ResearchProject, beta: ResearchProject) -> None:
    stages = ["onboarding", "adoption", "expansion"]
    documents = [
        doc(
            alpha,
            f"{n:02}",
            f"Interview {n}: the renewal conversation, part {n}.",
            kind=Kind.HIGHLIGHT if n % 2 else Kind.UTTERANCE,
            stage=stages[n % 3],
            codes=("renewal", "pricing") if n % 5 == 0 else ("renewal",),
            segment="large" if n < 10 else "smb",
        )
        for n in range(30)
    ]
    documents.append(doc(alpha, "other", "Nothing about it here.", stage="onboarding"))
    documents.append(doc(beta, "beta", "The renewal conversation in beta.", stage="adoption"))
    backend.index(documents)


def test_facet_counts_cover_every_match_not_just_the_page(backend, thirty, alpha) -> None:
    results = ask(backend, Term("renewal"), [alpha], limit=5)
    assert len(results.hits) == 5
    assert results.total == 30
    assert results.facets["stage"] == {"onboarding": 10, "adoption": 10, "expansion": 10}
    assert results.facets["kind"] == {Kind.HIGHLIGHT: 15, Kind.UTTERANCE: 15}
    assert results.facets["code"] == {"renewal": 30, "pricing": 6}
    assert results.facets["segment"] == {"large": 10, "smb": 20}
    assert results.facets["project"] == {"alpha": 30}
    assert set(results.facets) >= set(FACETS)
    assert results.facets["region"] == {}


def test_facet_counts_follow_the_filters(backend, thirty, alpha) -> None:
    filters = Filters(values={"code": ("pricing",)})
    results = ask(backend, Term("renewal"), [alpha], filters, limit=2)
    assert results.total == 6
    assert results.facets["code"] == {"renewal": 6, "pricing": 6}
    assert sum(results.facets["stage"].values()) == 6


def test_facet_values_come_most_frequent_first_then_in_code_point_order(backend, alpha) -> None:
    backend.index(
        [
            doc(alpha, "1", "renewal", kind=Kind.HIGHLIGHT, codes=("pricing", "zeta")),
            doc(alpha, "2", "renewal", kind=Kind.HIGHLIGHT, codes=("éclair", "pricing")),
            doc(alpha, "3", "renewal", kind=Kind.HIGHLIGHT, codes=("alpha",)),
        ]
    )
    results = ask(backend, Term("renewal"), [alpha])
    # "zeta" before "éclair": by code point, not by a language's collation.
    assert list(results.facets["code"].items()) == [
        ("pricing", 2),
        ("alpha", 1),
        ("zeta", 1),
        ("éclair", 1),
    ]


@pytest.mark.parametrize("root", [Term("renewal"), None], ids=["words", "filters-only"])
def test_pages_are_disjoint_and_share_one_total(backend, thirty, alpha, root) -> None:
    matches = 30 if root else 31
    seen: list[str] = []
    for offset in range(0, matches, 7):
        results = ask(backend, root, [alpha], offset=offset, limit=7)
        assert results.total == matches
        assert len(results.hits) == min(7, matches - offset)
        seen += [hit.doc_id for hit in results.hits]
    assert len(seen) == len(set(seen)) == matches
    first_page = ask(backend, root, [alpha], offset=0, limit=10)
    assert [hit.doc_id for hit in first_page.hits] == seen[:10]


def test_a_page_past_the_end_is_empty_but_keeps_the_total(backend, thirty, alpha) -> None:
    results = ask(backend, Term("renewal"), [alpha], offset=40, limit=10)
    assert (results.hits, results.total) == ([], 30)
    assert results.facets["code"]["renewal"] == 30


# --- Hits and snippets --------------------------------------------------------------------------


def test_a_hit_carries_what_the_results_page_shows(backend, faceted) -> None:
    [hit] = ask(backend, Term("rollout"), [faceted]).hits
    assert hit.doc_id == "highlight:1"
    assert hit.kind == Kind.HIGHLIGHT
    assert hit.url == "/studies/alpha/reader#u-1"
    assert hit.title == "P-1 · Premium to Ultimate up-tier"
    assert hit.speaker == "P-001"
    assert hit.project_slug == "alpha"
    assert hit.stage_name == "Onboarding"
    assert hit.code_names == ("SSO", "Blocker")
    assert hit.time_ms is None
    assert hit.score > 0


def test_a_hit_keeps_its_place_in_the_recording(backend, alpha) -> None:
    backend.index([doc(alpha, "1", "Renewal at minute two.", time_ms=125_000, sentiment=-1)])
    [hit] = ask(backend, Term("renewal"), [alpha]).hits
    assert hit.time_ms == 125_000


def test_snippets_escape_the_text(backend, alpha) -> None:
    backend.index([doc(alpha, "1", 'He pasted <script>alert(1)</script> & "quotes" in chat.')])
    for root in [Term("alert"), Term("pasted"), None]:
        [hit] = ask(backend, root, [alpha]).hits
        assert "<script" not in hit.snippet_html
        assert "&lt;script&gt;" in hit.snippet_html
        assert "&amp;" in hit.snippet_html
        # Nothing but <mark> is markup.
        assert re.sub(r"</?mark>", "", hit.snippet_html).count("<") == 0


def test_snippets_mark_the_matched_words(backend, alpha) -> None:
    backend.index([doc(alpha, "1", "The renewals team called about pricing and seats.")])
    [hit] = ask(backend, Or(words("renewal", "seats")), [alpha]).hits
    marked = [html.unescape(m).lower() for m in re.findall(r"<mark>(.*?)</mark>", hit.snippet_html)]
    assert any(word.startswith("renewal") for word in marked)
    assert "seats" in marked
    assert "pricing" not in marked
    [hit] = ask(backend, Term("pric", prefix=True), [alpha]).hits
    assert "<mark>pricing</mark>" in hit.snippet_html


def test_a_long_text_gives_a_short_snippet_around_the_match(backend, alpha) -> None:
    filler = "lorem ipsum dolor sit amet " * 40
    backend.index([doc(alpha, "1", f"{filler} the zebra moment {filler}")])
    [hit] = ask(backend, Term("zebra"), [alpha]).hits
    assert "<mark>zebra</mark>" in hit.snippet_html
    assert len(re.sub(r"</?mark>", "", hit.snippet_html)) < 600
    [hit] = ask(backend, None, [alpha]).hits
    assert "<mark>" not in hit.snippet_html
    assert len(hit.snippet_html) < 300


def test_unicode_and_emoji_are_searched_and_shown(backend, alpha) -> None:
    backend.index(
        [
            doc(alpha, "1", "Das Onboarding war großartig 🎉 – naïve café users, 東京 office."),
            doc(alpha, "2", "مرحبا بالعالم: the Arabic greeting 👋🏽 at kickoff."),
        ]
    )
    assert found(backend, Term("großartig"), [alpha]) == {"1"}
    assert found(backend, Term("café"), [alpha]) == {"1"}
    assert found(backend, Term("مرحبا"), [alpha]) == {"2"}
    [hit] = ask(backend, Term("café"), [alpha]).hits
    assert "🎉" in hit.snippet_html
    assert "café" in html.unescape(re.sub(r"</?mark>", "", hit.snippet_html))
    [hit] = ask(backend, Term("kickoff"), [alpha]).hits
    assert "👋🏽" in hit.snippet_html
    # A word of emoji only has nothing to search for; it never errors.
    ask(backend, Term("🎉"), [alpha])
    ask(backend, Phrase(("🎉", "👋🏽")), [alpha])


def test_very_long_query_trees_are_answered(backend, pricing) -> None:
    many = Or(tuple(Term(f"word{n}") for n in range(300)) + (Term("wizard"),))
    assert found(backend, many, [pricing]) == {"4"}

    deep: Node = Term("wizard")
    for n in range(60):
        deep = And((deep, Not(Term(f"absent{n}")))) if n % 2 else Or((deep, Term(f"absent{n}")))
    assert found(backend, deep, [pricing]) == {"4"}

    negations = And((Term("price"), *(Not(Term(f"absent{n}")) for n in range(200))))
    assert found(backend, negations, [pricing]) == {"1", "2", "3"}  # "pricing" is "price"


# --- Writes -------------------------------------------------------------------------------------


def test_indexing_a_doc_id_again_replaces_it(backend, alpha) -> None:
    backend.index([doc(alpha, "1", "Old words about invoices.")])
    backend.index([doc(alpha, "1", "New words about dashboards.", stage="adoption")])
    assert backend.document_ids() == {"utterance:1"}
    assert found(backend, Term("dashboards"), [alpha]) == {"1"}
    assert found(backend, Term("invoices"), [alpha]) == set()
    assert ask(backend, None, [alpha]).facets["stage"] == {"adoption": 1}


def test_a_doc_id_given_twice_in_one_batch_is_kept_once_the_last_version(backend, alpha) -> None:
    backend.index([doc(alpha, "1", "First draft."), doc(alpha, "1", "Second draft wins.")])
    assert found(backend, None, [alpha]) == {"1"}
    assert found(backend, Term("wins"), [alpha]) == {"1"}
    assert found(backend, Term("first"), [alpha]) == set()


def test_indexing_nothing_changes_nothing(backend, alpha) -> None:
    backend.index([])
    backend.index(iter(()))
    assert backend.document_ids() == set()


def test_remove_deletes_only_the_given_documents(backend, alpha) -> None:
    backend.index([doc(alpha, str(n), f"Renewal story {n}.") for n in range(4)])
    backend.remove(["utterance:1", "utterance:3", "utterance:404"])
    assert backend.document_ids() == {"utterance:0", "utterance:2"}
    assert found(backend, Term("renewal"), [alpha]) == {"0", "2"}
    backend.remove([])
    assert backend.document_ids() == {"utterance:0", "utterance:2"}


def test_remove_source_deletes_every_document_with_the_prefix(backend, alpha) -> None:
    backend.index(
        [
            doc(alpha, "t7-1", "Renewal one."),
            doc(alpha, "t7-2", "Renewal two."),
            doc(alpha, "t70-1", "Renewal in another transcript."),
            doc(alpha, "t7-1", "A highlight of t7.", kind=Kind.HIGHLIGHT),
        ]
    )
    backend.remove_source("utterance:t7-")
    assert backend.document_ids() == {"utterance:t70-1", "highlight:t7-1"}
    assert found(backend, Term("renewal"), [alpha]) == {"t70-1"}
    with pytest.raises(ValueError, match="prefix"):
        backend.remove_source("")
    assert len(backend.document_ids()) == 2


def test_clear_empties_the_index_and_it_fills_again(backend, pricing) -> None:
    assert len(backend.document_ids()) == 5
    backend.clear()
    assert backend.document_ids() == set()
    assert ask(backend, None, [pricing]).total == 0
    backend.index([doc(pricing, "9", "Renewal after the clear.")])
    assert found(backend, Term("renewal"), [pricing]) == {"9"}


def test_document_ids_lists_every_kind_and_project(backend, alpha, beta) -> None:
    backend.index(
        [
            doc(alpha, "1", "One."),
            doc(alpha, "1", "One as a note.", kind=Kind.FIELD_NOTE),
            doc(beta, "2", "Two.", kind=Kind.HIGHLIGHT),
        ]
    )
    assert backend.document_ids() == {"utterance:1", "field_note:1", "highlight:2"}


def test_a_search_sees_writes_made_since_the_last_search(backend, alpha) -> None:
    backend.index([doc(alpha, "1", "Renewal first.")])
    assert found(backend, Term("renewal"), [alpha]) == {"1"}
    backend.index([doc(alpha, "2", "Renewal second.")])
    assert found(backend, Term("renewal"), [alpha]) == {"1", "2"}
    backend.remove(["utterance:1"])
    assert found(backend, Term("renewal"), [alpha]) == {"2"}


# --- What only the Whoosh backend does ----------------------------------------------------------
# Its own index directory, rebuilt by swapping directories; one writer across processes; one
# searcher per process shared by threads; the plain-Whoosh floor the benchmarks compare with.


@pytest.fixture
def whoosh(tmp_path) -> Iterator[WhooshBackend]:
    backend = WhooshBackend(tmp_path / "index")
    yield backend
    backend.close()


def test_whoosh_rebuild_gives_the_index_that_incremental_writes_give(
    whoosh, tmp_path, alpha, beta
) -> None:
    documents = [
        doc(alpha if n % 2 else beta, str(n), f"Renewal story {n}.", stage="onboarding")
        for n in range(40)
    ]
    for start in range(0, 40, 15):
        whoosh.index(documents[start : start + 15])
    rebuilt = WhooshBackend(tmp_path / "rebuilt")
    assert rebuilt.rebuild(iter(documents)) == 40
    assert rebuilt.document_ids() == whoosh.document_ids()
    for root in [Term("renewal"), Term("story", prefix=True), None]:
        incremental = ask(whoosh, root, [alpha, beta])
        from_scratch = ask(rebuilt, root, [alpha, beta])
        assert from_scratch.total == incremental.total == 40
        assert from_scratch.facets == incremental.facets
    rebuilt.close()


def test_whoosh_rebuild_swaps_in_a_new_index_that_open_searchers_pick_up(
    whoosh, tmp_path, alpha
) -> None:
    whoosh.index([doc(alpha, "old", "Renewal from before.")])
    other_instance = WhooshBackend(tmp_path / "index")
    assert found(other_instance, Term("renewal"), [alpha]) == {"old"}  # its searcher is open
    assert whoosh.rebuild([doc(alpha, "new", "Renewal from the database.")]) == 1
    assert found(other_instance, Term("renewal"), [alpha]) == {"new"}
    assert whoosh.document_ids() == {"utterance:new"}
    assert sorted(path.name for path in tmp_path.iterdir()) == ["index"]
    whoosh.index([doc(alpha, "later", "Renewal after the rebuild.")])
    assert found(other_instance, Term("renewal"), [alpha]) == {"new", "later"}


def test_whoosh_a_failed_rebuild_leaves_the_live_index(whoosh, tmp_path, alpha) -> None:
    whoosh.index([doc(alpha, "live", "Renewal in the live index.")])

    def documents() -> Iterator[SearchDocument]:
        yield doc(alpha, "new", "Half of a rebuild.")
        raise RuntimeError("the database went away")

    with pytest.raises(RuntimeError, match="went away"):
        whoosh.rebuild(documents())
    assert whoosh.document_ids() == {"utterance:live"}
    assert sorted(path.name for path in tmp_path.iterdir()) == ["index"]
    whoosh.index([doc(alpha, "after", "Still writable.")])
    assert whoosh.document_ids() == {"utterance:live", "utterance:after"}


_HOLD_THE_WRITER = """
import sys
from pathlib import Path
sys.path.insert(0, sys.argv[2])
from insights.search.base import SearchDocument
from insights.search.whoosh.backend import WhooshBackend

def documents():
    yield SearchDocument(doc_id="utterance:r1", kind="utterance", project_id=int(sys.argv[3]),
                         project_slug="alpha", text="Rebuilt in another process.", url="", title="")
    print("holding", flush=True)
    sys.stdin.readline()

WhooshBackend(Path(sys.argv[1])).rebuild(documents())
"""


def test_whoosh_a_write_waits_for_another_process_then_says_busy(
    whoosh, tmp_path, alpha, monkeypatch
) -> None:
    whoosh.index([doc(alpha, "1", "Before the other process.")])
    root = Path(__file__).resolve().parents[2]
    other = subprocess.Popen(  # noqa: S603  # this interpreter, a script of this file
        [sys.executable, "-c", _HOLD_THE_WRITER, str(tmp_path / "index"), str(root), str(alpha.pk)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert other.stdout is not None and other.stdout.readline() == "holding\n"
        monkeypatch.setattr(whoosh_backend, "WRITE_TIMEOUT", 0.3)
        with pytest.raises(IndexBusy):
            whoosh.index([doc(alpha, "2", "Blocked.")])
        # Searching goes on while the other process holds the writer.
        assert found(whoosh, Term("before"), [alpha]) == {"1"}
    finally:
        assert other.stdin is not None
        other.stdin.write("\n")
        other.stdin.close()
        assert other.wait(timeout=30) == 0
    # The other process's rebuild is live here, and writes go through again.
    assert found(whoosh, Term("rebuilt"), [alpha]) == {"r1"}
    whoosh.index([doc(alpha, "2", "After the rebuild.")])
    assert whoosh.document_ids() == {"utterance:r1", "utterance:2"}


def test_whoosh_a_write_during_a_directory_swap_is_busy(whoosh, tmp_path, alpha) -> None:
    (tmp_path / "index.old").mkdir()  # rebuild() between its two renames
    with pytest.raises(IndexBusy):
        whoosh.index([doc(alpha, "1", "Too early.")])
    assert not (tmp_path / "index").exists()


def test_whoosh_threads_share_the_searcher_while_another_thread_writes(whoosh, alpha) -> None:
    # Each commit replaces the searcher and deletes the previous table of contents, so
    # searches race with writes here (opening must retry; one thread at a time searches).
    whoosh.index([doc(alpha, f"base{n}", f"Renewal base {n}.", codes=("sso",)) for n in range(50)])
    roots = [Term("renewal"), None, Term("renew", prefix=True), Not(Term("zebra"))]
    sso = Filters(values={"code": ("sso",)})
    errors: list[BaseException] = []
    writing = threading.Event()
    writing.set()

    def search() -> None:
        try:
            n = 0
            while writing.is_set() or n < 20:
                results = ask(whoosh, roots[n % len(roots)], [alpha], sso, limit=5)
                assert results.total >= 50  # every commit adds one or replaces one
                assert len(results.hits) == 5
                assert len(whoosh.document_ids()) >= 50
                n += 1
        except BaseException as error:  # reported by the main thread
            errors.append(error)

    def write() -> None:
        try:
            for n in range(30):
                whoosh.index([doc(alpha, f"new{n}", f"Renewal new {n}.", codes=("sso",))])
                whoosh.remove([f"utterance:base{n}"])
        except BaseException as error:
            errors.append(error)
        finally:
            writing.clear()

    threads = [threading.Thread(target=search) for _ in range(4)]
    threads.append(threading.Thread(target=write))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    assert ask(whoosh, Term("renewal"), [alpha]).total == 50


def test_whoosh_instances_of_one_directory_share_one_searcher(whoosh, tmp_path, alpha) -> None:
    whoosh.index([doc(alpha, "1", "Renewal.")])
    ask(whoosh, Term("renewal"), [alpha])
    state = whoosh_backend.shared_for(whoosh.index_dir)
    searcher = state.searcher
    ask(WhooshBackend(tmp_path / "index"), Term("renewal"), [alpha])
    ask(whoosh, Term("other"), [alpha])
    assert state.searcher is searcher  # nothing written: kept open
    whoosh.index([doc(alpha, "2", "Renewal two.")])
    ask(whoosh, Term("renewal"), [alpha])
    assert state.searcher is not searcher  # replaced after the commit


def test_whoosh_raw_floor_adds_without_replacing_and_counts_with_whoosh_syntax(
    whoosh, alpha
) -> None:
    assert whoosh.raw_search("renewal") == 0
    whoosh.raw_add([doc(alpha, "1", "Renewal pricing."), doc(alpha, "2", "Renewal seats.")])
    whoosh.raw_add([doc(alpha, "1", "Renewal pricing again.")])
    assert whoosh.raw_search("renewal") == 3
    assert whoosh.raw_search("renewal AND seats") == 1
    assert whoosh.raw_search('"renewal pricing"') == 2
    assert whoosh.raw_search("renew*") == 3


@pytest.fixture
def builds(monkeypatch) -> dict[str, int]:
    """Counts what a search builds on first use: per-segment document sets (every one goes
    through docsets.bits_of) and column readers."""
    counts = {"sets": 0, "columns": 0}
    bits_of = docsets_module.bits_of

    def counting_bits_of(docnums: Any) -> int:
        counts["sets"] += 1
        return bits_of(docnums)

    monkeypatch.setattr(docsets_module, "bits_of", counting_bits_of)
    column_reader = SegmentReader.column_reader  # a MultiReader opens one per segment

    def counting_column_reader(self: Any, *args: Any, **kwargs: Any) -> Any:
        counts["columns"] += 1
        return column_reader(self, *args, **kwargs)

    monkeypatch.setattr(SegmentReader, "column_reader", counting_column_reader)
    return counts


def test_whoosh_after_warming_a_search_builds_no_document_set(whoosh, alpha, builds) -> None:
    whoosh.index([doc(alpha, "1", "Renewal pricing.", segment="SMB"), doc(alpha, "2", "Seats.")])
    pain = doc(alpha, "h1", "Renewal pricing.", kind=Kind.HIGHLIGHT, codes=("pain",), segment="SMB")
    whoosh.index([pain])  # a second segment
    whoosh.warm()
    assert builds["sets"] and builds["columns"]
    builds.update(sets=0, columns=0)

    ranked = ask(whoosh, Term("renewal"), [alpha], Filters(values={"segment": ("smb",)}))
    listed = ask(whoosh, None, [alpha])
    assert (ranked.total, listed.total) == (2, 3)
    assert ranked.facets["code"] == {"pain": 1}
    assert builds == {"sets": 0, "columns": 0}

    whoosh.index([doc(alpha, "3", "Renewal again.", segment="SMB")])
    ask(whoosh, Term("renewal"), [alpha])
    assert builds["sets"] and builds["columns"]  # the spy sees what a cold search builds
    whoosh.warm()
    builds.update(sets=0, columns=0)
    ask(whoosh, Term("renewal"), [alpha], Filters(values={"segment": ("smb",)}))
    assert builds == {"sets": 0, "columns": 0}
