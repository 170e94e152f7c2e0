"""What only the PostgreSQL full-text backend does: safe tsquery building, its schema, its SQL.

The behaviour both backends share is in test_search_backends.py. Most tests here need
PostgreSQL (DATABASE_URL=postgres://…) and are skipped on SQLite, except in CI with a
postgres DATABASE_URL, where a skip would hide a broken set-up: there they run (and fail).
"""

from __future__ import annotations

import datetime as dt
import importlib
import json
import threading
from collections.abc import Iterator
from typing import Any
from unittest import mock

import pytest
from django.apps import apps as global_apps
from django.core.exceptions import ImproperlyConfigured
from django.db import OperationalError, connection, connections, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from insights.models import SearchEntry
from insights.search.base import (
    And,
    Filters,
    Not,
    Or,
    Phrase,
    Query,
    SearchDocument,
    SearchTimeout,
    Term,
    rank_weight,
)
from insights.search.postgres_backend import (
    SEPARATED,
    STANDINS,
    STOP_WORDS,
    PostgresBackend,
    prefix_pattern,
    to_tsquery,
)
from tests.factories import make_project
from tests.races import ON_POSTGRES, needs_postgres

postgres_only = needs_postgres(
    "PostgreSQL full-text backend: run with DATABASE_URL=postgres://… to test it"
)

INJECTIONS = [
    "'); drop table insights_searchentry; --",
    "a:*|b",
    "!!",
    "!",
    "\\",
    "\\'",
    "'",
    '"',
    ":*",
    "&",
    "<->",
    "a <2> b",
    "%s",
    "%(x)s",
    "$1",
    "\x00",
    "onboarding' | 'pricing",
]


@pytest.fixture
def backend(db) -> PostgresBackend:
    return PostgresBackend()


@pytest.fixture
def projects(db):
    return make_project(slug="alpha"), make_project(slug="beta")


def make_doc(project, number: int, text: str, **fields: Any) -> SearchDocument:
    fields.setdefault("kind", "utterance")
    return SearchDocument(
        doc_id=f"{fields['kind']}:{number}",
        project_id=project.pk,
        project_slug=project.slug,
        text=text,
        url=f"/reader#u-{number}",
        title=f"P-{number:03d}",
        **fields,
    )


def ask(
    backend: PostgresBackend,
    root,
    projects,
    filters: Filters | None = None,
    **kwargs,
):
    return backend.search(
        Query(root=root, filters=Filters()),
        project_ids=[project.pk for project in projects],
        filters=filters or Filters(),
        **kwargs,
    )


def hit_ids(results) -> list[str]:
    return [hit.doc_id for hit in results.hits]


# --- Construction and schema ---------------------------------------------------------------------


def test_it_refuses_a_database_that_is_not_postgresql() -> None:
    if ON_POSTGRES:  # pretend, so this runs on both databases
        with (
            mock.patch.object(connection, "vendor", "sqlite"),
            pytest.raises(ImproperlyConfigured, match="needs a PostgreSQL database"),
        ):
            PostgresBackend()
    else:
        with pytest.raises(ImproperlyConfigured, match="needs a PostgreSQL database"):
            PostgresBackend()


def test_search_entries_migrate_on_every_database(db) -> None:
    with connection.cursor() as cursor:
        columns = {
            column.name
            for column in connection.introspection.get_table_description(
                cursor, SearchEntry._meta.db_table
            )
        }
    assert {"doc_id", "project_id", "text", "codes", "session_date"} <= columns
    # The tsvector column exists on PostgreSQL only.
    assert ("search_vector" in columns) is ON_POSTGRES


@postgres_only
def test_migration_adds_a_generated_vector_column_and_a_gin_index(db) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s",
            [SearchEntry._meta.db_table],
        )
        indexes = dict(cursor.fetchall())
        cursor.execute(
            "SELECT is_generated, generation_expression FROM information_schema.columns"
            " WHERE table_name = %s AND column_name = 'search_vector'",
            [SearchEntry._meta.db_table],
        )
        generated, expression = cursor.fetchone()
    assert "USING gin (search_vector)" in indexes["search_entry_vector_gin"]
    assert "(project_id, kind)" in indexes["search_entry_project_kind"]
    assert generated == "ALWAYS"
    assert (
        f"to_tsvector('cxresearch_english'::regconfig,"
        f" translate(((text || '\n'::text) || code_text), '{SEPARATED}'::text, '{STANDINS}'::text))"
    ) in expression  # code names are searched as words (migration 0016)


@postgres_only
def test_migration_reverses_and_reapplies(db) -> None:
    migration = importlib.import_module("insights.migrations.0005_search_vector")

    def vector_columns() -> int:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM information_schema.columns"
                " WHERE table_name = %s AND column_name = 'search_vector'",
                [SearchEntry._meta.db_table],
            )
            return cursor.fetchone()[0]

    # Transactional DDL: the test's rollback restores the schema whatever happens here.
    with connection.schema_editor(atomic=False) as editor:
        migration.drop_search_vector(global_apps, editor)
    assert vector_columns() == 0
    with connection.schema_editor(atomic=False) as editor:
        migration.add_search_vector(global_apps, editor)
    assert vector_columns() == 1


@postgres_only
def test_code_names_migration_reverses_and_reapplies(db) -> None:
    migration = importlib.import_module("insights.migrations.0016_search_vector_code_names")

    def expression() -> str:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT generation_expression FROM information_schema.columns"
                " WHERE table_name = %s AND column_name = 'search_vector'",
                [SearchEntry._meta.db_table],
            )
            return cursor.fetchone()[0]

    # Transactional DDL: the test's rollback restores the schema whatever happens here.
    with connection.schema_editor(atomic=False) as editor:
        migration.text_only(global_apps, editor)
    assert "code_text" not in expression()
    with connection.schema_editor(atomic=False) as editor:
        migration.with_code_names(global_apps, editor)
    assert "code_text" in expression()


# --- Query translation (pure) --------------------------------------------------------------------


def test_user_text_only_ever_travels_as_parameters() -> None:
    nasty = "'); drop table x; --"
    tree = And(
        (
            Term(nasty),
            Term(nasty, prefix=True),
            Phrase((nasty, "b")),
            Not(Or((Term(nasty), Term("c")))),
        )
    )
    tsquery = to_tsquery(tree)
    assert tsquery is not None
    assert "drop" not in tsquery.sql
    assert "'); " not in tsquery.sql
    assert "drop table x" in tsquery.params  # a word's letters and digits, nothing else
    assert "drop <-> table <-> x:*" in tsquery.params  # the prefix keeps letters and digits only
    assert tsquery.sql.count("%s") == len(tsquery.params)


def test_a_prefix_keeps_letters_and_digits_of_any_script() -> None:
    assert prefix_pattern("onboard") == "onboard:*"
    assert prefix_pattern("a:*|b") == "a <-> b:*"
    assert prefix_pattern("sign-u") == "sign <-> u:*"
    assert prefix_pattern("'); drop table x; --") == "drop <-> table <-> x:*"
    assert prefix_pattern("!!") == ""
    assert prefix_pattern("\\'") == ""
    assert prefix_pattern("café") == "café:*"
    assert prefix_pattern("cafe\u0301") == "café:*"  # combining accent composed, not dropped
    assert prefix_pattern("日本") == "日本:*"
    assert prefix_pattern("v2_x") == "v2 <-> x:*"


def test_empty_words_are_dropped_from_the_tree() -> None:
    assert to_tsquery(Term("!!", prefix=True)) is None
    assert to_tsquery(Phrase(("", " "))) is None
    assert to_tsquery(Not(Term(" "))) is None
    kept = to_tsquery(And((Term("::", prefix=True), Term("sso"))))
    assert kept is not None
    assert kept.params == ("sso",)


def test_the_stop_words_are_those_of_the_whoosh_backend() -> None:
    whoosh_analysis = pytest.importorskip("whoosh.analysis")
    assert whoosh_analysis.STOP_WORDS == STOP_WORDS


def test_stop_words_in_a_phrase_leave_a_gap() -> None:
    tsquery = to_tsquery(Phrase(("price", "of", "the", "seats", "on")))
    assert tsquery is not None
    assert tsquery.params == ("price", "seats", 3)
    assert "tsquery_phrase(" in tsquery.sql


@postgres_only
def test_phrases_with_stop_words_and_glued_words(backend, projects) -> None:
    alpha, _ = projects
    backend.index(
        [
            make_doc(alpha, 1, "The price of seats went up."),
            make_doc(alpha, 2, "The price seats nobody."),
            make_doc(alpha, 3, "Pricing was clear; we moved to v2.0 and/or single sign-on."),
            make_doc(alpha, 4, "Mail jane@example.com about the self-managed install."),
        ]
    )
    assert hit_ids(ask(backend, Phrase(("price", "of", "seats")), projects)) == ["utterance:1"]
    assert hit_ids(ask(backend, Phrase(("price", "seats")), projects)) == ["utterance:2"]
    # "was" is a stop word for PostgreSQL's english list, but not here.
    assert hit_ids(ask(backend, Phrase(("pricing", "was")), projects)) == ["utterance:3"]
    assert hit_ids(ask(backend, Term("why"), projects)) == []
    for words in [("v2", "0"), ("single", "sign"), ("sign", "on"), ("and", "or", "single")]:
        assert hit_ids(ask(backend, Phrase(words), projects)) == ["utterance:3"], words
    for words in [("jane", "example", "com"), ("self", "managed")]:
        assert hit_ids(ask(backend, Phrase(words), projects)) == ["utterance:4"], words
    (hit,) = ask(backend, Phrase(("self", "managed")), projects).hits
    assert "jane@example.com about the <mark>self</mark>-<mark>managed</mark> install." in (
        hit.snippet_html
    )


def test_filters_from_the_query_and_the_page_are_or_ed_within_a_facet() -> None:
    merged = Filters(
        values={"stage": ("onboarding",)}, session_from=dt.date(2026, 1, 1)
    ).merged_with(
        Filters(
            values={"stage": ("adoption", "onboarding"), "code": ("sso",)},
            session_from=dt.date(2026, 3, 1),
            session_to=dt.date(2026, 6, 1),
        ),
    )
    assert merged.values == {"stage": ("onboarding", "adoption"), "code": ("sso",)}
    assert merged.session_from == dt.date(2026, 3, 1)
    assert merged.session_to == dt.date(2026, 6, 1)


# --- Searching -----------------------------------------------------------------------------------


@postgres_only
@pytest.mark.parametrize("word", INJECTIONS)
def test_hostile_words_neither_break_nor_widen_the_search(backend, projects, word: str) -> None:
    alpha, _ = projects
    backend.index(
        [
            make_doc(alpha, 1, "Onboarding took two weeks."),
            make_doc(alpha, 2, "Pricing was clear; a b c."),
        ]
    )
    for root in (
        Term(word),
        Term(word, prefix=True),
        Phrase((word, "onboarding")),
        Not(Term(word)),
        And((Term(word), Term("onboarding"))),
        Or((Term(word), Term("pricing"))),
    ):
        results = ask(backend, root, projects)
        assert results.total <= 2
    for facet in ["stage", "code", "project", "kind"]:
        hostile = Filters(values={facet: (word,)}, session_from=dt.date(2026, 1, 1))
        assert ask(backend, Term("onboarding"), projects, hostile).total == 0
    assert SearchEntry.objects.count() == 2
    # The quote-joined word is two words side by side: no document has them so.
    assert ask(backend, Term("onboarding' | 'pricing"), projects).total == 0


@postgres_only
def test_a_prefix_with_operators_searches_its_letters_only(backend, projects) -> None:
    alpha, _ = projects
    backend.index([make_doc(alpha, 1, "alpha"), make_doc(alpha, 2, "beta")])
    # Were "|" syntax, this would be alpha OR beta*; it is "alpha" followed by "beta…".
    assert hit_ids(ask(backend, Term("alpha|beta", prefix=True), projects)) == []
    assert hit_ids(ask(backend, Term("alph:*|!bet", prefix=True), projects)) == []
    backend.index([make_doc(alpha, 3, "alpha betamax")])
    assert hit_ids(ask(backend, Term("alpha|beta", prefix=True), projects)) == ["utterance:3"]


@postgres_only
def test_prefix_matches_stemmed_and_unstemmed_forms(backend, projects) -> None:
    alpha, _ = projects
    backend.index(
        [
            make_doc(alpha, 1, "Onboarding was painful."),
            make_doc(alpha, 2, "The pricing page confused us."),
            make_doc(alpha, 3, "One theme keeps coming back."),
        ]
    )
    assert hit_ids(ask(backend, Term("onboard", prefix=True), projects)) == ["utterance:1"]
    assert hit_ids(ask(backend, Term("onboarding", prefix=True), projects)) == ["utterance:1"]
    assert hit_ids(ask(backend, Term("pricing", prefix=True), projects)) == ["utterance:2"]
    # "the" is left out of queries, but not out of the index: as a prefix it finds itself
    # and "theme" (Whoosh, whose index has no "the", finds "theme" only).
    assert hit_ids(ask(backend, Term("the", prefix=True), projects)) == [
        "utterance:2",
        "utterance:3",
    ]


@postgres_only
def test_stop_words_are_dropped_and_a_query_of_only_stop_words_says_so(backend, projects) -> None:
    alpha, _ = projects
    backend.index([make_doc(alpha, 1, "The onboarding"), make_doc(alpha, 2, "the end")])

    only_stop_words = ask(backend, And((Term("the"), Term("and"))), projects)
    assert only_stop_words.total == 0
    assert only_stop_words.hits == []
    assert only_stop_words.message == (
        "Only very common words (“the”, “and”) were searched for; try other words."
    )

    with_a_real_word = ask(backend, And((Term("the"), Term("onboarding"))), projects)
    assert hit_ids(with_a_real_word) == ["utterance:1"]
    assert with_a_real_word.message == ""


@postgres_only
def test_a_not_only_query_matches_everything_else(backend, projects) -> None:
    alpha, _ = projects
    backend.index(
        [
            make_doc(alpha, 1, "renewal was painful"),
            make_doc(alpha, 2, "onboarding was fine"),
            make_doc(alpha, 3, "the"),  # only a stop word: an empty vector still matches
        ]
    )
    results = ask(backend, Not(Term("renewal")), projects)
    assert hit_ids(results) == ["utterance:2", "utterance:3"]
    # Nothing matched a word, so the snippet is the text's start, escaped.
    assert results.hits[0].snippet_html == "onboarding was fine"


@postgres_only
def test_adjacent_words_outrank_scattered_ones(backend, projects) -> None:
    alpha, _ = projects
    filler = " ".join(["meanwhile"] * 20)
    backend.index(
        [
            make_doc(alpha, 1, f"sso {filler} pricing"),
            make_doc(alpha, 2, f"{filler} sso pricing {filler}"),
            make_doc(alpha, 3, "pricing sso, in the wrong order"),
        ]
    )
    results = ask(backend, And((Term("sso"), Term("pricing"))), projects)
    assert hit_ids(results) == ["utterance:2", "utterance:3", "utterance:1"]
    assert results.hits[0].score > results.hits[1].score + 0.5  # the phrase bonus

    phrase = ask(backend, Phrase(("sso", "pricing")), projects)
    assert hit_ids(phrase) == ["utterance:2"]


@postgres_only
def test_snippets_are_escaped_and_mark_the_matches(backend, projects) -> None:
    alpha, _ = projects
    backend.index(
        [
            make_doc(alpha, 1, "<script>alert('x')</script> onboarding & <b>pricing</b>"),
            make_doc(alpha, 2, "hlstart fake markers <mark>onboarding</mark>"),
            make_doc(alpha, 3, "I pressed <enter> twice before onboarding <!-- worked -->"),
        ]
    )
    results = ask(backend, Term("onboarding"), projects)
    snippets = {hit.doc_id: hit.snippet_html for hit in results.hits}
    assert snippets["utterance:1"] == (
        "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; <mark>onboarding</mark>"
        " &amp; &lt;b&gt;pricing&lt;/b&gt;"
    )
    assert snippets["utterance:2"] == (
        "hlstart fake markers &lt;mark&gt;<mark>onboarding</mark>&lt;/mark&gt;"
    )
    # Tag-like text is the participant's words: kept, not dropped as markup.
    assert snippets["utterance:3"] == (
        "I pressed &lt;enter&gt; twice before <mark>onboarding</mark> &lt;!-- worked --&gt;"
    )


@postgres_only
def test_long_texts_give_up_to_two_fragments(backend, projects) -> None:
    alpha, _ = projects
    filler = " ".join(f"word{number}" for number in range(80))
    backend.index(
        [make_doc(alpha, 1, f"<i>sso</i> first {filler} sso second {filler} sso third {filler}")]
    )
    (hit,) = ask(backend, Term("sso"), projects).hits
    assert hit.snippet_html.count("<mark>sso</mark>") == 2
    assert " … " in hit.snippet_html
    assert hit.snippet_html.endswith(" …")  # the text goes on after the last fragment
    assert "<i>" not in hit.snippet_html
    assert len(hit.snippet_html) < 800

    (hit,) = ask(backend, Term("third"), projects).hits
    assert hit.snippet_html.startswith("… ")


@postgres_only
def test_without_a_matched_word_the_snippet_is_the_texts_start(backend, projects) -> None:
    alpha, _ = projects
    words = " ".join(f"<w{number}>" for number in range(100))
    backend.index([make_doc(alpha, 1, words)])
    (hit,) = ask(backend, Not(Term("renewal")), projects).hits
    assert hit.snippet_html.startswith("&lt;w0&gt; &lt;w1&gt;")
    assert hit.snippet_html.endswith("&lt;w33&gt; …")  # 200 characters, cut after a word


@postgres_only
def test_filters_facets_and_projects(backend, projects) -> None:
    alpha, beta = projects
    backend.index(
        [
            make_doc(
                alpha,
                1,
                "sso setup",
                kind="highlight",
                stage="onboarding",
                codes=("sso", "pain", "sso"),
                code_names=("SSO", "Pain"),
                segment="large",
                session_date=dt.date(2026, 3, 1),
            ),
            make_doc(
                alpha,
                2,
                "sso renewal",
                kind="highlight",
                stage="adoption",
                codes=("sso",),
                segment="smb",
                session_date=dt.date(2026, 5, 1),
            ),
            make_doc(alpha, 3, "sso in passing", segment="large", speaker_kind="participant"),
            make_doc(beta, 4, "sso elsewhere", segment="large"),
        ]
    )
    everything = ask(backend, Term("sso"), [alpha])
    assert everything.total == 3
    assert everything.facets["code"] == {"sso": 2, "pain": 1}
    assert everything.facets["segment"] == {"large": 2, "smb": 1}
    assert everything.facets["kind"] == {"highlight": 2, "utterance": 1}
    assert everything.facets["project"] == {"alpha": 3}
    assert everything.facets["tier"] == {}
    sso_hit = next(hit for hit in everything.hits if hit.doc_id == "highlight:1")
    assert sso_hit.code_names == ("SSO", "Pain")

    or_within = ask(
        backend, Term("sso"), [alpha], Filters(values={"stage": ("onboarding", "adoption")})
    )
    assert sorted(hit_ids(or_within)) == ["highlight:1", "highlight:2"]
    and_across = ask(
        backend,
        Term("sso"),
        [alpha],
        Filters(values={"code": ("pain", "nope"), "segment": ("large",)}),
    )
    assert hit_ids(and_across) == ["highlight:1"]
    dated = ask(backend, Term("sso"), [alpha], Filters(session_from=dt.date(2026, 4, 1)))
    assert hit_ids(dated) == ["highlight:2"]
    filters_only = ask(backend, None, [alpha, beta], Filters(values={"segment": ("large",)}))
    assert sorted(hit_ids(filters_only)) == ["highlight:1", "utterance:3", "utterance:4"]
    assert ask(backend, Term("sso"), []).total == 0


@postgres_only
def test_facet_values_are_stored_and_matched_lower_case(backend, projects) -> None:
    alpha, _ = projects
    backend.index([make_doc(alpha, 1, "sso", kind="highlight", stage="Onboarding", codes=("SSO",))])
    results = ask(
        backend, Term("sso"), projects, Filters(values={"stage": ("ONBOARDING",), "code": ("Sso",)})
    )
    assert hit_ids(results) == ["highlight:1"]
    assert results.facets["stage"] == {"onboarding": 1}
    assert results.facets["code"] == {"sso": 1}


@postgres_only
def test_filters_in_the_query_apply_too(backend, projects) -> None:
    alpha, _ = projects
    backend.index(
        [
            make_doc(alpha, 1, "sso", kind="highlight", stage="onboarding"),
            make_doc(alpha, 2, "sso", kind="highlight", stage="adoption"),
        ]
    )
    results = backend.search(
        Query(root=Term("sso"), filters=Filters(values={"stage": ("adoption",)})),
        project_ids=[alpha.pk],
        filters=Filters(),
    )
    assert hit_ids(results) == ["highlight:2"]


@postgres_only
def test_pages_share_one_total(backend, projects) -> None:
    alpha, _ = projects
    backend.index([make_doc(alpha, number, f"sso number {number}") for number in range(1, 8)])
    first = ask(backend, Term("sso"), projects, limit=3)
    last = ask(backend, Term("sso"), projects, offset=6, limit=3)
    beyond = ask(backend, Term("sso"), projects, offset=9, limit=3)
    assert (first.total, last.total, beyond.total) == (7, 7, 7)
    assert len(first.hits) == 3
    assert len(last.hits) == 1
    assert beyond.hits == []


@postgres_only
def test_a_search_is_one_query(backend, projects, django_assert_num_queries) -> None:
    alpha, _ = projects
    backend.index([make_doc(alpha, number, f"sso {number}") for number in range(1, 4)])
    for root in [Term("sso"), Term("nothing"), None, Not(Term("sso"))]:
        # 1. savepoint (the test's transaction is open), 2. the time limit with the matches,
        # total, facet counts and the page of hits with snippets, 3. release the savepoint
        with django_assert_num_queries(3):
            ask(backend, root, projects)
    # Nothing to search for: no query at all.
    with django_assert_num_queries(0):
        assert ask(backend, Term("the"), projects).total == 0
        assert ask(backend, Term("sso"), []).total == 0


@postgres_only
def test_a_search_past_its_time_limit_is_stopped_and_the_connection_recovers(projects) -> None:
    alpha, _ = projects
    slow = PostgresBackend(time_limit=0.001)
    words = "team rollout licence renewal pricing onboarding security review"
    slow.index([make_doc(alpha, number, f"{words} {number}") for number in range(3000)])
    root = Or(tuple(Term(word) for word in words.split()))
    with pytest.raises(SearchTimeout):
        ask(slow, root, projects)
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        assert cursor.fetchone()[0] != "1ms"
    assert ask(PostgresBackend(time_limit=30), root, projects).total == 3000


@postgres_only
def test_a_search_is_never_jit_compiled(backend, projects) -> None:
    alpha, _ = projects
    backend.index([make_doc(alpha, number, f"sso {number}") for number in range(1, 4)])
    with CaptureQueriesContext(connection) as captured:
        ask(backend, Term("sso"), projects)
    (sent,) = [query["sql"] for query in captured.captured_queries if "matches" in query["sql"]]
    search_settings, search = sent.split(";\n", 1)

    def plan(*statements: str) -> str:
        with transaction.atomic(), connection.cursor() as cursor:
            # On, as the test's transaction has the first search's settings; and any plan
            # costs enough to be compiled.
            cursor.execute("SET LOCAL jit = on")
            cursor.execute("SET LOCAL jit_above_cost = 0")
            for statement in statements:
                cursor.execute(statement)
            cursor.execute(f"EXPLAIN (ANALYZE) {search}")
            return "\n".join(row[0] for row in cursor.fetchall())

    if "JIT:" not in plan():
        pytest.skip("this PostgreSQL compiles no plan (jit is off or llvmjit is missing)")
    assert "JIT:" not in plan(search_settings)


def search_statement(captured: CaptureQueriesContext) -> str:
    """The search itself, without the time limit sent before it and the savepoint around."""
    (sql,) = [query["sql"] for query in captured.captured_queries if "matches" in query["sql"]]
    limit, search = sql.split(";\n", 1)
    assert "statement_timeout" in limit
    return search


def explain(sql: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {SearchEntry._meta.db_table}")
        cursor.execute("SET LOCAL enable_seqscan = off")  # a test's few rows would be scanned
        cursor.execute(f"EXPLAIN {sql}")
        return "\n".join(row[0] for row in cursor.fetchall())


@postgres_only
def test_searches_can_use_the_gin_index(backend, projects) -> None:
    alpha, _ = projects
    backend.index([make_doc(alpha, number, f"renewal {number}") for number in range(1, 50)])
    backend.index([make_doc(alpha, 50, "sso onboarding")])
    with CaptureQueriesContext(connection) as captured:
        assert ask(backend, Term("sso"), projects).total == 1
    with connection.cursor() as cursor:
        # Which index the planner prefers on a test's few rows depends on how bloated earlier
        # tests left them; without the btree, the GIN index is the one way that is no scan.
        # (DDL is transactional: the test's rollback brings the index back.)
        cursor.execute("DROP INDEX search_entry_project_kind")
    plan = explain(search_statement(captured))
    assert "Bitmap Index Scan on search_entry_vector_gin" in plan, plan


def search_statements(captured: CaptureQueriesContext) -> list[str]:
    """Each search's statement, in order, without the time limit sent before it."""
    return [
        query["sql"].split(";\n", 1)[1]
        for query in captured.captured_queries
        if "matches" in query["sql"]
    ]


def scans_by_words(sql: str) -> list[tuple[int, str]]:
    """The plan's reads of search entries by their words (a condition with @@), each with how
    many times it ran (EXPLAIN ANALYZE; 0: never) and its conditions with its index scans'."""

    def conditions(node: dict[str, Any]) -> str:
        own = " ".join(str(node.get(key, "")) for key in ("Filter", "Recheck Cond", "Index Cond"))
        below = [
            conditions(child)
            for child in node.get("Plans", [])
            if "Relation Name" not in child and "Bitmap" in child["Node Type"]
        ]
        return " ".join([own, *below])

    def walk(node: dict[str, Any]) -> Iterator[tuple[int, str]]:
        if node.get("Relation Name") == SearchEntry._meta.db_table and "@@" in conditions(node):
            yield node["Actual Loops"], conditions(node)
        for child in node.get("Plans", []):
            yield from walk(child)

    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}")
        (explained,) = cursor.fetchone()
    if isinstance(explained, str):  # Django loads json as text
        explained = json.loads(explained)
    return list(walk(explained[0]["Plan"]))


@postgres_only
def test_a_search_of_every_project_has_no_project_condition(backend, projects) -> None:
    # The planner misjudges `project_id = ANY(<every project>)` and would AND the matches with
    # a bitmap of the whole project index; with every project there is nothing to filter.
    alpha, beta = projects
    gamma = make_project(slug="gamma")
    backend.index([make_doc(alpha, 1, "sso"), make_doc(beta, 2, "sso"), make_doc(gamma, 3, "sso")])
    with CaptureQueriesContext(connection) as captured:
        every = ask(backend, Term("sso"), [alpha, beta, gamma])
        some = ask(backend, Term("sso"), [alpha, gamma])
    assert sorted(hit_ids(every)) == ["utterance:1", "utterance:2", "utterance:3"]
    assert sorted(hit_ids(some)) == ["utterance:1", "utterance:3"]
    every_sql, some_sql = search_statements(captured)
    ran_for_every = [found for runs, found in scans_by_words(every_sql) if runs]
    ran_for_some = [found for runs, found in scans_by_words(some_sql) if runs]
    assert ran_for_every and all("project_id" not in found for found in ran_for_every)
    assert ran_for_some and all("project_id" in found for found in ran_for_some)


@postgres_only
def test_a_score_is_the_text_rank_times_the_rank_weight(backend, projects) -> None:
    alpha, _ = projects
    today = timezone.localdate()
    session_date = today - dt.timedelta(days=100)
    backend.index(
        [
            make_doc(
                alpha,
                1,
                "renewal pricing renewal",
                kind="highlight",
                pain_severity=2,
                session_date=session_date,
            )
        ]
    )
    (hit,) = ask(backend, Term("renewal"), projects).hits
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT ts_rank_cd(search_vector, plainto_tsquery('cxresearch_english', 'renewal'))"
            "::float8 FROM insights_searchentry"
        )
        (text_rank,) = cursor.fetchone()
    weight = rank_weight(2, session_date, today)
    assert weight > 1.5
    assert hit.score == pytest.approx(text_rank * weight, rel=1e-15)


@postgres_only
def test_a_compound_query_is_folded_into_one_constant_tsquery(backend, projects) -> None:
    # A constant is what lets the planner use (and estimate) the GIN index.
    alpha, _ = projects
    backend.index([make_doc(alpha, 1, "sso onboarding")])
    query = And((Term("sso"), Term("onboard", prefix=True), Not(Phrase(("a", "b")))))
    with CaptureQueriesContext(connection) as captured:
        assert ask(backend, query, projects).total == 1
    plan = explain(search_statement(captured))
    # The prefix's two forms are the same here, so it is there once.
    folded = "'''sso'' & ''onboard'':* & !''b'''::tsquery"
    assert f"search_vector @@ {folded}" in plan, plan


# --- Writing -------------------------------------------------------------------------------------


@postgres_only
def test_index_upserts_by_doc_id(backend, projects) -> None:
    alpha, beta = projects
    backend.index([make_doc(alpha, 1, "first words")])
    backend.index(
        [
            make_doc(beta, 1, "second words", stage="onboarding"),
            make_doc(beta, 1, "third words"),  # the last of a doc_id in one call wins
        ]
    )
    (entry,) = SearchEntry.objects.all()
    assert (entry.project_id, entry.text, entry.stage) == (beta.pk, "third words", "")
    assert ask(backend, Term("third"), projects).total == 1
    assert ask(backend, Term("first"), projects).total == 0


@postgres_only
def test_remove_remove_source_clear(backend, projects) -> None:
    alpha, _ = projects
    backend.index(
        [
            make_doc(alpha, 1, "a"),
            make_doc(alpha, 12, "b"),
            make_doc(alpha, 2, "c"),
            make_doc(alpha, 3, "d", kind="highlight"),
        ]
    )
    backend.remove_source("utt%")  # LIKE wildcards are escaped, so this is no prefix
    assert len(backend.document_ids()) == 4
    backend.remove_source("utterance:1")
    assert backend.document_ids() == {"utterance:2", "highlight:3"}
    backend.remove(["utterance:2", "utterance:999"])
    assert backend.document_ids() == {"highlight:3"}
    with pytest.raises(ValueError, match="clear"):
        backend.remove_source("")
    backend.clear()
    assert backend.document_ids() == set()


@postgres_only
def test_rebuild_replaces_everything_and_the_raw_floor_counts_with_to_tsquery(
    backend, projects
) -> None:
    alpha, _ = projects
    backend.index([make_doc(alpha, 1, "old sso"), make_doc(alpha, 2, "old pricing")])
    documents = [make_doc(alpha, number, f"new sso {number}") for number in range(3, 6)]
    assert backend.rebuild([*documents, make_doc(alpha, 3, "a second utterance:3")]) == 3
    assert backend.document_ids() == {"utterance:3", "utterance:4", "utterance:5"}
    assert SearchEntry.objects.get(doc_id="utterance:3").text == "new sso 3"  # the first wins
    assert backend.raw_search("sso") == 3
    assert backend.raw_search("old") == 0
    assert backend.raw_search("sso & !4") == 2
    assert backend.raw_search("sso", stage="onboarding") == 0


@postgres_only
def test_a_rebuild_leaves_the_planner_statistics_of_the_new_rows(backend, projects) -> None:
    alpha, _ = projects
    backend.rebuild([make_doc(alpha, number, f"sso {number}") for number in range(1, 8)])
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT reltuples FROM pg_class WHERE oid = %s::regclass",
            [SearchEntry._meta.db_table],
        )
        assert cursor.fetchone()[0] == 7  # ANALYZE ran: without it -1 (never analysed)


@postgres_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_rebuild_leaves_no_index_entries_of_the_rows_it_replaced(projects) -> None:
    alpha, _ = projects
    backend = PostgresBackend()
    backend.index([make_doc(alpha, number, f"sso old {number}") for number in range(1, 6)])
    backend.rebuild([make_doc(alpha, number, f"sso new {number}") for number in range(1, 4)])

    def index_entries(word: str) -> int:
        """How many row versions the GIN index gives for the word, dead ones included."""
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute(
                "EXPLAIN (ANALYZE, FORMAT JSON) SELECT count(*) FROM insights_searchentry"
                " WHERE search_vector @@ plainto_tsquery('cxresearch_english', %s)",
                [word],
            )
            (explained,) = cursor.fetchone()
        if isinstance(explained, str):
            explained = json.loads(explained)
        node = explained[0]["Plan"]
        while node["Node Type"] != "Bitmap Index Scan":
            (node,) = node["Plans"]
        return node["Actual Rows"]

    # Without VACUUM the five replaced rows would still be found: 8 and 5.
    assert (index_entries("sso"), index_entries("old")) == (3, 0)


@postgres_only
def test_deleting_a_project_deletes_its_entries(backend, projects) -> None:
    alpha, beta = projects
    backend.index([make_doc(alpha, 1, "a"), make_doc(beta, 2, "b")])
    alpha.delete()
    assert backend.document_ids() == {"utterance:2"}


def in_another_connection(work):
    """Run work in a thread, which Django gives its own database connection (another server)."""
    results: list[object] = []

    def run() -> None:
        try:
            results.append(work())
        except Exception as error:  # noqa: BLE001  # the test inspects it
            results.append(error)
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    return results[0]


@postgres_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_during_a_rebuild_others_search_the_old_index_and_wait_to_write(projects) -> None:
    alpha, _ = projects
    backend = PostgresBackend()
    backend.index([make_doc(alpha, 1, "old words"), make_doc(alpha, 2, "old words")])
    seen: dict[str, object] = {}

    def write_with_timeout() -> None:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL lock_timeout = '200ms'")
            PostgresBackend().index([make_doc(alpha, 9, "written mid-rebuild")])

    def documents():
        yield make_doc(alpha, 3, "new words")
        seen["ids"] = in_another_connection(lambda: PostgresBackend().document_ids())
        seen["write"] = in_another_connection(write_with_timeout)
        yield make_doc(alpha, 4, "new words")

    assert backend.rebuild(documents()) == 2
    assert seen["ids"] == {"utterance:1", "utterance:2"}
    assert isinstance(seen["write"], OperationalError)
    assert "lock timeout" in str(seen["write"])
    assert in_another_connection(lambda: PostgresBackend().document_ids()) == {
        "utterance:3",
        "utterance:4",
    }


@postgres_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_outside_a_transaction_a_search_is_one_round_trip_and_its_limit_stays_its_own(
    projects, django_assert_num_queries
) -> None:
    alpha, _ = projects
    backend = PostgresBackend(time_limit=0.25)
    backend.index([make_doc(alpha, number, f"sso {number}") for number in range(1, 4)])

    def settings() -> tuple[str, str]:
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_setting('statement_timeout'), current_setting('jit')")
            return cursor.fetchone()

    before = settings()
    with django_assert_num_queries(1):
        assert ask(backend, Term("sso"), projects).total == 3
    assert settings() == before
    words = "team rollout licence renewal pricing onboarding security review"
    backend.index([make_doc(alpha, number, f"{words} {number}") for number in range(10, 3010)])
    with pytest.raises(SearchTimeout):
        ask(PostgresBackend(time_limit=0.001), Or(tuple(map(Term, words.split()))), projects)
    assert ask(backend, Term("sso"), projects).total == 3  # the connection goes on


@postgres_only
def test_a_drain_writes_the_index_and_deletes_its_outbox_rows_in_one_transaction(
    db: None, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One commit for a batch (insights.search.indexing._one_transaction): when deleting the
    rows fails, the documents written for them are rolled back with it, and the rows stay."""
    from insights.models import IndexOutbox
    from insights.search import indexing, scheduling
    from insights.search.backends import reset_backend
    from interviews.models import FieldNote
    from tests.factories import make_session

    settings.SEARCH_BACKEND = "postgres"
    reset_backend()
    with scheduling.suspended():
        note = FieldNote.objects.create(
            session=make_session(make_project(slug="gamma")), text="Badge reader jams."
        )
    IndexOutbox.objects.create(source="field_note", source_id=note.pk)

    def fails(outbox_ids: object) -> None:
        raise OperationalError("the connection dropped")

    monkeypatch.setattr(indexing, "outbox_settle", fails)
    with pytest.raises(OperationalError):
        indexing.drain_outbox()
    assert not SearchEntry.objects.filter(doc_id=f"field_note:{note.pk}").exists()
    assert IndexOutbox.objects.filter(source_id=note.pk).exists()

    monkeypatch.undo()
    assert indexing.drain_outbox().done == 1
    assert SearchEntry.objects.filter(doc_id=f"field_note:{note.pk}").exists()
    assert not IndexOutbox.objects.exists()
    reset_backend()
