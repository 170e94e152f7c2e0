"""The PostgreSQL full-text backend: one index shared by every web server and worker.

Documents live in insights.SearchEntry. On PostgreSQL, migration 0005_search_vector gives that
table a generated tsvector column, `search_vector`, with a GIN index, and creates the text
search configuration it uses, "cxresearch_english": PostgreSQL's english (Snowball stemmer)
without its stop-word list. Stop words are left out of queries here instead, with Whoosh's
short list (STOP_WORDS), so both backends find the same words.

Text is indexed with the punctuation that PostgreSQL's parser would glue words with
(- / . @ :) turned into separators, so "sign-on", "v2.0" or "and/or" are words side by side,
as the query language reads them; < and > too, so "<enter>" is the word "enter", not an
HTML tag that the parser and ts_headline would drop.

Queries are built without putting user text into SQL: each word is a bound parameter of
plainto_tsquery / phraseto_tsquery / to_tsquery (prefixes are reduced to letters and digits
first, since to_tsquery parses its input), and the query's structure is written with the
tsquery operators &&, ||, !! and tsquery_phrase(). Every statement is in the SQL section
below, with the index it relies on.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import html
import json
import re
import secrets
import unicodedata
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db import DEFAULT_DB_ALIAS, OperationalError, connections, transaction
from django.utils import timezone

from insights.models import SearchEntry
from insights.search.base import (
    FACETS,
    PAIN_WEIGHT,
    RECENCY_WEIGHT,
    UNDATED_AGE_DAYS,
    And,
    Cleared,
    Filters,
    Kind,
    Node,
    Not,
    Or,
    Phrase,
    Query,
    SearchDocument,
    SearchHit,
    SearchResults,
    SearchTimeout,
    Term,
)
from interviews.models import ResearchProject

# What the SQL here passes as a parameter: words, numbers, dates, and arrays of ids or words.
type SqlParam = str | int | float | bool | dt.date | list[int] | list[str] | None

BATCH_SIZE = 500
SNIPPET_CHARS = 200  # a text this long or shorter is its own snippet (as with Whoosh)
FRAGMENT_DELIMITER = " … "
STOP_WORDS_ONLY = "Only very common words ({words}) were searched for; try other words."

# The text search configuration made by migration 0005_search_vector.
TS_CONFIG = "cxresearch_english"
# Characters that the indexed text (and ts_headline's copy of it) has replaced by private-use
# characters, which PostgreSQL's parser takes for spaces; see the module docstring. Must match
# the generated column's expression in migration 0005_search_vector.
SEPARATED = "<>-/.@:"
STANDINS = "\ue000\ue001\ue002\ue003\ue004\ue005\ue006"
_PUT_BACK = tuple(zip(STANDINS, SEPARATED, strict=True))

# --- SQL -----------------------------------------------------------------------------------------
# Placeholders in braces are filled with fixed SQL fragments from this module; every value a user
# typed is a %s parameter.

TABLE = SearchEntry._meta.db_table
# The projects' table, which the entries' project_id refers to (deleted with the project).
_PROJECTS_TABLE = ResearchProject._meta.db_table

# Matching documents. Uses the GIN index search_entry_vector_gin for `search_vector @@ query`
# (the tsquery expression has only constant inputs, so the planner folds it into a constant it
# can look up and estimate) and the btree search_entry_project_kind for `project_id = ANY(...)`
# (in _SCOPE, or here with consent limits); PostgreSQL combines them with a BitmapAnd when both
# are selective.
_PROJECTS = "{table}.project_id = ANY(%s)"
# A project searched within what consent clears (base.Cleared): its cleared sessions, where no
# participant speaks or a cleared one does.
_CLEARED = (
    "({table}.project_id = %s AND {table}.session_id = ANY(%s)"
    " AND ({table}.speaker_participant_id IS NULL OR {table}.speaker_participant_id = ANY(%s)))"
)

# Blind coding (own_codings): leaves out a project's highlights of any other coder.
_OTHERS_CODINGS = (
    "NOT ({table}.project_id = %s AND {table}.kind = %s AND {table}.coder_id IS DISTINCT FROM %s)"
)

# Every search runs under a time limit (settings.SEARCH_TIME_LIMIT_MS), set for its transaction
# in the same message as the search (see search()), and without JIT compilation: the plan of a
# search over many documents can cost enough for PostgreSQL to compile it (jit_above_cost; the
# branch of _SCOPE that does not run is costed too), which takes ~100 ms, more than it saves.
_SEARCH_SETTINGS_SQL = (
    "SELECT set_config('statement_timeout', %s, true), set_config('jit', 'off', true)"
)

# A whole search in one statement, so the matches are found (index scans, heap reads, rank)
# once: `matches` is materialised, then counted (total), counted per facet value, and sorted
# for one page. Facets are counted in two steps: matches are first grouped by their whole
# profile of single-valued facets (a search's thousands of matches share a few hundred), then
# each profile's count goes to its facet values (GROUPING SETS); codes, a jsonb list, are
# counted once per code. Only the page's rows are joined back (primary key) for their text,
# and only they pay for ts_headline, which re-parses the text. The LEFT JOIN keeps one row
# (total and facets, no hit) when the page is empty. The facets come as text, decoded once
# rather than on every row, most frequent values first, ties by code point (COLLATE "C", as
# Python compares strings).
_SEARCH_SQL = """
WITH matches AS MATERIALIZED (
    SELECT DISTINCT ON ({passage})
           id, doc_id, project_slug, kind, stage, segment, region, tier, speaker_kind, codes,
           {rank} AS rank
    FROM {scope}
    WHERE {where}
    ORDER BY {passage}, rank DESC, doc_id
),
profiles AS (
    SELECT project_slug, kind, stage, segment, region, tier, speaker_kind, count(*) AS n
    FROM matches
    GROUP BY project_slug, kind, stage, segment, region, tier, speaker_kind
),
facet_counts AS (
    SELECT CASE
               WHEN GROUPING(project_slug) = 0 THEN 'project'
               WHEN GROUPING(kind) = 0 THEN 'kind'
               WHEN GROUPING(stage) = 0 THEN 'stage'
               WHEN GROUPING(segment) = 0 THEN 'segment'
               WHEN GROUPING(region) = 0 THEN 'region'
               WHEN GROUPING(tier) = 0 THEN 'tier'
               ELSE 'speaker_kind'
           END AS facet,
           coalesce(project_slug, kind, stage, segment, region, tier, speaker_kind) AS value,
           sum(n) AS n
    FROM profiles
    GROUP BY GROUPING SETS (
        (project_slug), (kind), (stage), (segment), (region), (tier), (speaker_kind)
    )
    UNION ALL
    SELECT 'code', code, count(*)
    FROM (SELECT jsonb_array_elements_text(codes) AS code FROM matches) AS coded
    GROUP BY code
),
page AS (
    SELECT id, doc_id, rank FROM matches ORDER BY rank DESC, doc_id LIMIT %s OFFSET %s
)
SELECT (SELECT count(*) FROM matches) AS total,
       (SELECT json_agg(
            json_build_array(facet, value, n) ORDER BY facet COLLATE "C", n DESC, value COLLATE "C"
        )::text FROM facet_counts) AS facets,
       e.doc_id, e.kind, e.url, e.title, e.speaker, e.project_slug, e.stage_name,
       e.code_names, e.time_ms, page.rank, e.text, {headline} AS headline
FROM (SELECT 1) AS one
LEFT JOIN (page JOIN {table} AS e ON e.id = page.id) ON true
ORDER BY page.rank DESC, page.doc_id
"""
# Where `matches` looks when the searcher's projects are given as a plain list (no consent
# limits): the entries of those projects, or, when they are every project there is, the whole
# table, with no project condition at all. Only one branch runs: each starts with a one-time
# test of the same constant condition. Why not always `project_id = ANY(...)`: for a list of
# every project, the planner's estimate of that condition breaks (it adds up the projects'
# shares of the rows; when the sum comes out a hair above 1 it falls back to treating them
# as independent, about 64% for 20 projects) and it ANDs the GIN index's matches with a
# bitmap of the whole (project, kind) index, which at 380,000 entries took 26 ms of a 55 ms
# search ("sso migration"). For a few projects that bitmap is what keeps a search fast.
_SCOPE = """(
    SELECT * FROM {table} WHERE {every}
    UNION ALL
    SELECT * FROM {table} WHERE NOT {every} AND {table}.project_id = ANY(%s)
) AS {table}"""
_EVERY_PROJECT = "(SELECT NOT EXISTS (SELECT FROM {projects} WHERE id <> ALL(%s)))"
# ts_rank_cd (cover density) scores words that stand close together higher than scattered
# ones; for an AND of plain words, 1 more when they stand side by side in the order typed.
_RANK = "ts_rank_cd({table}.search_vector, {query})"
_PHRASE_BONUS = " + CASE WHEN {table}.search_vector @@ {phrase} THEN 1 ELSE 0 END"
# A prefix, stemmed and as typed (see _node); constant inputs, so folded at planning.
_PREFIX = f"""(CASE
    WHEN to_tsquery('{TS_CONFIG}', %s) = to_tsquery('simple', %s) THEN to_tsquery('simple', %s)
    ELSE to_tsquery('{TS_CONFIG}', %s) || to_tsquery('simple', %s)
END)"""
# The text's rank times base.rank_weight, written in SQL: pain severity and recency, with
# today's date as the two parameters. In double precision, as base.rank_weight computes it
# (numeric arithmetic cost 1 µs a match).
_WEIGHT = (
    " * (1 + {pain}::float8 * coalesce({table}.pain_severity, 0))"
    " * (1 + {recency}::float8 / (1 + greatest(%s::date"
    " - coalesce({table}.session_date, %s::date - {undated}), 0) / 365::float8))"
)
_NO_RANK = "0.0::real"  # no words to rank by (filters only, or only NOT): doc_id order
# Several coders' highlights of one passage are one match, the best-ranked (base.SearchDocument
# .passage); every other document is its own passage.
# Compared byte by byte (COLLATE "C"): only equal keys matter here, and C sorts fastest.
_PASSAGE = "coalesce(nullif({table}.passage, ''), {table}.doc_id) COLLATE \"C\""


def _as_indexed(column: str) -> str:
    """SQL for a text column as it was indexed, SEPARATED turned into STANDINS: replace() seven
    times, which is ten times faster than translate() (15 µs for a 300-character text)."""
    sql = column
    for separated, standin in zip(SEPARATED, STANDINS, strict=True):
        sql = f"replace({sql}, '{separated}', '{standin}')"
    return sql


# A short text is shown whole with every match marked (HighlightAll); a long one as up to two
# fragments around the best matches. The text goes in as it was indexed (see SEPARATED).
_HEADLINE = f"""ts_headline(
    '{TS_CONFIG}', {_as_indexed("e.text")}, {{query}},
    CASE WHEN length(e.text) <= %s THEN %s ELSE %s END
)"""

# The benchmark's floor: the plainest ranked page over the same GIN index. Every match ranked
# by ts_rank_cd, the top 20 with the fields a hit shows, and the total by count(*) OVER ().
_RAW_TOP_SQL = """
SELECT doc_id, kind, url, title, speaker, project_slug, stage_name, code_names, time_ms, text,
       ts_rank_cd(search_vector, to_tsquery('{config}', %s)) AS rank, count(*) OVER () AS total
FROM {table}
WHERE search_vector @@ to_tsquery('{config}', %s){stage}
ORDER BY rank DESC
LIMIT 20
"""

# Rebuild holds this lock until it commits: other writers (index, remove) wait, so no
# concurrent change is lost between the DELETE and the INSERTs, while readers (ACCESS SHARE)
# go on searching the old rows until the new ones are committed.
_LOCK_FOR_REBUILD_SQL = "LOCK TABLE {table} IN SHARE ROW EXCLUSIVE MODE"
# After a rebuild, so the first searches do not wait for autovacuum (or never get it, where it
# is off): VACUUM removes the replaced rows and their index entries, which every search would
# otherwise read as well (after a rebuild of 380,000 documents the GIN index gives each search
# twice its matches, and their rows fill twice the pages), and moves the GIN index's pending
# list (where fastupdate parks new entries, which every search scans one by one) into the
# index proper; ANALYZE gives the planner statistics of the new rows. VACUUM cannot run in a
# transaction: inside one (a caller's atomic block) the pending list is cleaned and the table
# analysed, and the old rows are left to autovacuum.
_AFTER_REBUILD_SQL = ("VACUUM (ANALYZE) {table}",)
_AFTER_REBUILD_IN_TRANSACTION_SQL = (
    "SELECT gin_clean_pending_list('search_entry_vector_gin'::regclass)",
    "ANALYZE {table}",
)

# Facet → column; "code" is the jsonb list and handled apart.
_FACET_COLUMNS = {
    "project": "project_slug",
    "kind": "kind",
    "stage": "stage",
    "segment": "segment",
    "region": "region",
    "tier": "tier",
    "speaker_kind": "speaker_kind",
}

_UPDATE_FIELDS = [
    "kind",
    "project",
    "project_slug",
    "text",
    "url",
    "title",
    "speaker",
    "speaker_kind",
    "stage",
    "stage_name",
    "codes",
    "code_names",
    "code_text",
    "sentiment",
    "pain_severity",
    "segment",
    "region",
    "tier",
    "session_date",
    "time_ms",
    "session_id",
    "speaker_participant_id",
    "coder_id",
    "passage",
]


# --- Query translation ---------------------------------------------------------------------------

# The words a query leaves out: whoosh.analysis.STOP_WORDS, so both backends drop the same
# words (the index keeps them: PostgreSQL's own english list of 127 words would make "was",
# "what", "why" or "how" unsearchable, and phrases such as "pricing was" unmatchable).
# fmt: off
STOP_WORDS = frozenset({
    "a", "an", "and", "are", "as", "at", "be", "by", "can", "for", "from", "have", "if", "in",
    "is", "it", "may", "not", "of", "on", "or", "tbd", "that", "the", "this", "to", "us", "we",
    "when", "will", "with", "yet", "you", "your",
})
# fmt: on
_LETTERS_AND_DIGITS = re.compile(r"[^\W_]+")


@dataclass(frozen=True)
class TsQuery:
    """An SQL expression that evaluates to a tsquery, and its parameters (in order)."""

    sql: str
    params: tuple[SqlParam, ...]


@dataclass
class Translation:
    tsquery: TsQuery | None  # None: nothing searchable is left
    dropped: list[str] = field(default_factory=list)  # typed words too common to search

    @property
    def message(self) -> str:
        if self.tsquery is None and self.dropped:
            words = ", ".join(f"“{word}”" for word in dict.fromkeys(self.dropped))
            return STOP_WORDS_ONLY.format(words=words)
        return ""


def translate(root: Node) -> Translation:
    """The tsquery expression for a parsed query, and the stop words it left out.

    Every word reaches PostgreSQL as a parameter, split into runs of letters and digits (as
    the query language and the indexed text split them); the operators are SQL: && || !!
    and tsquery_phrase(a, b, distance).
    """
    translation = Translation(tsquery=None)
    translation.tsquery = _node(root, translation, negated=False)
    return translation


def to_tsquery(node: Node) -> TsQuery | None:
    return translate(node).tsquery


def _node(node: Node, translation: Translation, *, negated: bool) -> TsQuery | None:
    match node:
        case Term(word=word, prefix=True):
            pattern = prefix_pattern(word)
            if not pattern:
                return None
            # The stemmed form finds words whose stem is not what was typed ("happy*" →
            # 'happi':*), the form as typed finds the rest ("the*" → "theme"): both, as the
            # Whoosh backend does, but once when they are the same ("onboard*"), which the
            # planner folds into a constant: an OR of a prefix with itself looks twice as
            # common to it, and makes it scan the table instead of the GIN index.
            return TsQuery(_PREFIX, (pattern,) * 5)
        case Term(word=word):
            found = _words(_tokens(word))
            if found is None and not negated and _tokens(word):
                translation.dropped.append(word)
            return found
        case Phrase(words=typed):
            return _words([token for word in typed for token in _tokens(word)])
        case Not(node=child):
            inner = _node(child, translation, negated=not negated)
            return TsQuery(f"(!! {inner.sql})", inner.params) if inner else None
        case And(nodes=nodes) | Or(nodes=nodes):
            parts = [
                part for child in nodes if (part := _node(child, translation, negated=negated))
            ]
            if len(parts) <= 1:
                return parts[0] if parts else None
            operator = " && " if isinstance(node, And) else " || "
            return TsQuery(
                "(" + operator.join(part.sql for part in parts) + ")",
                tuple(param for part in parts for param in part.params),
            )
    raise TypeError(f"not a query node: {node!r}")


def _tokens(text: str) -> list[str]:
    """Runs of letters and digits, lower-cased: how the query language splits words."""
    return [run.lower() for run in _LETTERS_AND_DIGITS.findall(unicodedata.normalize("NFC", text))]


def _words(tokens: Sequence[str]) -> TsQuery | None:
    """One word, or words side by side in order; stop words leave a gap of one position.

    "single sign on" is 'singl' <-> 'sign'; "price of seats" is 'price' <2> 'seat'.
    """
    kept: list[tuple[str, int]] = []  # (token, distance from the previous kept token)
    gap = 0
    for token in tokens:
        if token in STOP_WORDS:
            gap += 1 if kept else 0
            continue
        kept.append((token, gap + 1))
        gap = 0
    if not kept:
        return None
    if len(kept) == 1:
        return TsQuery(f"plainto_tsquery('{TS_CONFIG}', %s)", (kept[0][0],))
    if all(distance == 1 for _token, distance in kept):
        text = " ".join(token for token, _distance in kept)
        return TsQuery(f"phraseto_tsquery('{TS_CONFIG}', %s)", (text,))
    sql = f"phraseto_tsquery('{TS_CONFIG}', %s)"
    params: list[SqlParam] = [kept[0][0]]
    for token, distance in kept[1:]:
        sql = f"tsquery_phrase({sql}, phraseto_tsquery('{TS_CONFIG}', %s), %s)"
        params += [token, distance]
    return TsQuery(sql, tuple(params))


def prefix_pattern(word: str) -> str:
    """The to_tsquery input for a prefix: its runs of letters and digits, nothing else.

    to_tsquery parses its input (quotes, & | ! <-> : * \\ are syntax), so only letters and
    digits of the typed word reach it, with operators this function adds: "onboard" gives
    "onboard:*", and a word punctuation splits ("sign-u") "sign <-> u:*".
    """
    runs = _tokens(word)
    return " <-> ".join([*runs[:-1], f"{runs[-1]}:*"]) if runs else ""


def phrase_bonus(root: Node | None) -> TsQuery | None:
    """For a top-level AND of plain words, those words side by side in the order typed.

    Documents that have them so rank first ("renewal price" above "renewal … the price").
    """
    if not isinstance(root, And):
        return None
    tokens = [
        token
        for child in root.nodes
        if isinstance(child, Term) and not child.prefix
        for token in _tokens(child.word)
    ]
    if len([token for token in tokens if token not in STOP_WORDS]) < 2:
        return None
    return _words(tokens)


@dataclass(frozen=True)
class _Where:
    sql: str
    params: tuple[SqlParam, ...]
    scope: str  # what the search reads from: the table, or _SCOPE
    scope_params: tuple[SqlParam, ...]


class PostgresBackend:
    """SearchBackend over PostgreSQL full text; see the module docstring."""

    def __init__(self, using: str = DEFAULT_DB_ALIAS, *, time_limit: float = 1.0) -> None:
        connection = connections[using]
        if connection.vendor != "postgresql":
            raise ImproperlyConfigured(
                "SEARCH_BACKEND='postgres' needs a PostgreSQL database (DATABASE_URL=postgres://…);"
                f" the {using!r} database is {connection.vendor}. Use SEARCH_BACKEND='whoosh'."
            )
        self.using = using
        self.time_limit = time_limit  # seconds a search may take (SearchTimeout after)
        # Markers ts_headline puts around matched words. Letters and digits only, so HTML
        # escaping leaves them alone; random, so a document cannot contain them.
        token = secrets.token_hex(8)
        self._start_mark = f"hlstart{token}"
        self._stop_mark = f"hlstop{token}"
        marks = f"StartSel={self._start_mark}, StopSel={self._stop_mark}"
        self._whole_text_options = f"{marks}, HighlightAll=true"
        self._fragments_options = (
            f"{marks}, MaxFragments=2, MaxWords=35, MinWords=15,"
            f' FragmentDelimiter="{FRAGMENT_DELIMITER}"'
        )

    # --- writes ----------------------------------------------------------------------------------

    def index(self, documents: Iterable[SearchDocument]) -> None:
        """Insert or update by doc_id (INSERT … ON CONFLICT (doc_id) DO UPDATE), all or nothing."""
        with transaction.atomic(using=self.using):
            for batch in _batches(documents, BATCH_SIZE):
                self._upsert(batch)

    def remove(self, doc_ids: Iterable[str]) -> None:
        entries = SearchEntry.objects.using(self.using)
        with transaction.atomic(using=self.using):
            for batch in _batches(doc_ids, BATCH_SIZE):
                # Uses the unique index on doc_id.
                entries.filter(doc_id__in=batch).delete()

    def remove_source(self, prefix: str) -> None:
        if not prefix:
            raise ValueError("remove_source needs a prefix; use clear() to remove everything")
        # LIKE 'prefix%' (wildcards in the prefix escaped) uses the varchar_pattern_ops index
        # Django adds next to the unique index on doc_id.
        SearchEntry.objects.using(self.using).filter(doc_id__startswith=prefix).delete()

    def clear(self) -> None:
        # DELETE rather than TRUNCATE: TRUNCATE would block every reader until commit.
        SearchEntry.objects.using(self.using).all().delete()

    def rebuild(self, documents: Iterable[SearchDocument]) -> int:
        """Replace the whole index in one transaction; searches see the old index until commit.

        1. Lock out other writers (_LOCK_FOR_REBUILD_SQL) until commit.
        2. Delete every entry.
        3. Insert the documents in batches: plain INSERTs into the emptied table, so a doc_id
           given twice is written once, the first time (as the Whoosh backend does).
        4. After the commit, VACUUM and ANALYZE the table (see _AFTER_REBUILD_SQL).
        Returns the number of documents written.
        """
        entries = SearchEntry.objects.using(self.using)
        written: set[str] = set()
        with transaction.atomic(using=self.using):
            with connections[self.using].cursor() as cursor:
                cursor.execute(_LOCK_FOR_REBUILD_SQL.format(table=TABLE))
            entries.all().delete()
            for batch in _batches(documents, BATCH_SIZE):
                new = []
                for document in batch:
                    if document.doc_id not in written:
                        written.add(document.doc_id)
                        new.append(_entry(document))
                entries.bulk_create(new)
        connection = connections[self.using]
        after = (
            _AFTER_REBUILD_IN_TRANSACTION_SQL if connection.in_atomic_block else _AFTER_REBUILD_SQL
        )
        with connection.cursor() as cursor:
            for statement in after:
                cursor.execute(statement.format(table=TABLE))
        return len(written)

    def _upsert(self, documents: Sequence[SearchDocument]) -> None:
        # ON CONFLICT cannot touch one row twice in a statement: keep the last of a doc_id.
        latest = {document.doc_id: document for document in documents}
        SearchEntry.objects.using(self.using).bulk_create(
            [_entry(document) for document in latest.values()],
            update_conflicts=True,
            unique_fields=["doc_id"],
            update_fields=_UPDATE_FIELDS,
        )

    # --- reads -----------------------------------------------------------------------------------

    def document_ids(self) -> set[str]:
        return set(SearchEntry.objects.using(self.using).values_list("doc_id", flat=True))

    def raw_search(self, tsquery_text: str, *, stage: str = "") -> int:
        """The top 20 of to_tsquery(text) by ts_rank_cd (of one stage, if given) and the number
        of matches: the plainest ranked page, for benchmarks. The text is to_tsquery syntax."""
        params: list[SqlParam] = [_text(tsquery_text), _text(tsquery_text)]
        if stage:
            params.append(stage)
        sql = _RAW_TOP_SQL.format(
            table=TABLE, config=TS_CONFIG, stage=" AND stage = %s" if stage else ""
        )
        with connections[self.using].cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        return int(rows[0][-1]) if rows else 0

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
        """Ranked hits among the given projects, with the total and facet counts of all matches.

        A project in `cleared` is searched only within its cleared sessions and speakers; a
        project in `own_codings` gives only its coder's highlights.

        One statement (_SEARCH_SQL); none when there are no projects or no searchable words.
        """
        no_facets: dict[str, dict[str, int]] = {facet: {} for facet in FACETS}
        translation = translate(query.root) if query.root is not None else None
        tsquery = translation.tsquery if translation else None
        message = " ".join(filter(None, [*query.notes, translation.message if translation else ""]))
        if not project_ids or (translation and tsquery is None):
            return SearchResults(hits=[], total=0, facets=no_facets, message=message)

        where = self._where(
            project_ids=project_ids,
            filters=query.filters.merged_with(filters),
            tsquery=tsquery,
            cleared=cleared or {},
            own_codings=own_codings or {},
        )
        rank_sql, headline_sql = _NO_RANK, "NULL"
        rank_params: list[SqlParam] = []
        headline_params: list[SqlParam] = []
        # A query of only NOT has nothing to rank or mark: every match would score 0.
        if tsquery is not None and not isinstance(query.root, Not):
            rank_sql = _RANK.format(table=TABLE, query=tsquery.sql)
            rank_params += tsquery.params
            if bonus := phrase_bonus(query.root):
                rank_sql += _PHRASE_BONUS.format(table=TABLE, phrase=bonus.sql)
                rank_params += bonus.params
            rank_sql = f"({rank_sql})" + _WEIGHT.format(
                table=TABLE, pain=PAIN_WEIGHT, recency=RECENCY_WEIGHT, undated=UNDATED_AGE_DAYS
            )
            today = timezone.localdate()
            rank_params += [today, today]
            headline_sql = _HEADLINE.format(query=tsquery.sql)
            headline_params = [
                *tsquery.params,
                SNIPPET_CHARS,
                self._whole_text_options,
                self._fragments_options,
            ]
        sql = _SEARCH_SQL.format(
            table=TABLE,
            scope=where.scope,
            where=where.sql,
            rank=rank_sql,
            headline=headline_sql,
            passage=_PASSAGE.format(table=TABLE),
        )
        params = [
            *rank_params,
            *where.scope_params,
            *where.params,
            max(limit, 0),
            max(offset, 0),
            *headline_params,
        ]
        connection = connections[self.using]
        # The settings and the search go in one round trip (two statements in one message,
        # which PostgreSQL runs as one transaction): they are local to that transaction, so
        # the pooled connection keeps its own. In a caller's transaction (where it lasts
        # until that one ends) a savepoint lets the caller go on after a timeout.
        # At least 1 ms: a statement_timeout of 0 means none. 57014: query_canceled.
        timeout = f"{max(1, round(self.time_limit * 1000))}ms"
        guard = (
            transaction.atomic(using=self.using)
            if connection.in_atomic_block
            else contextlib.nullcontext()
        )
        try:
            with guard, connection.cursor() as cursor:
                cursor.execute(f"{_SEARCH_SETTINGS_SQL};\n{sql}", [timeout, *params])
                cursor.nextset()
                rows = cursor.fetchall()
        except OperationalError as error:
            if getattr(error.__cause__, "sqlstate", None) == "57014":
                raise SearchTimeout(f"The search took longer than {self.time_limit:g} s.") from None
            raise
        total, facet_rows = rows[0][0], rows[0][1]
        if isinstance(facet_rows, str):
            facet_rows = json.loads(facet_rows)
        hits = [self._hit(row[2:]) for row in rows if row[2] is not None]
        return SearchResults(
            hits=hits, total=total, facets=_facet_counts(facet_rows or []), message=message
        )

    def _where(
        self,
        *,
        project_ids: Sequence[int],
        filters: Filters,
        tsquery: TsQuery | None,
        cleared: Mapping[int, Cleared],
        own_codings: Mapping[int, int],
    ) -> _Where:
        clauses: list[str] = []
        params: list[SqlParam] = []
        scope, scope_params = TABLE, []
        if set(project_ids) & set(cleared):
            plain = [pk for pk in project_ids if pk not in cleared]
            projects = [_PROJECTS.format(table=TABLE)]
            params.append(plain)
            for pk in sorted(set(project_ids) & set(cleared)):
                projects.append(_CLEARED.format(table=TABLE))
                params += [pk, sorted(cleared[pk].session_ids), sorted(cleared[pk].participant_ids)]
            clauses.append("(" + " OR ".join(projects) + ")")
        else:
            every = _EVERY_PROJECT.format(projects=_PROJECTS_TABLE)
            scope = _SCOPE.format(table=TABLE, every=every)
            ids = list(project_ids)
            scope_params = [ids, ids, ids]
        for pk, coder_id in sorted(own_codings.items()):
            if pk in project_ids:
                clauses.append(_OTHERS_CODINGS.format(table=TABLE))
                params += [pk, Kind.HIGHLIGHT, coder_id]
        for facet, column in _FACET_COLUMNS.items():
            if values := filters.get(facet):
                clauses.append(f"{TABLE}.{column} = ANY(%s)")
                params.append(_facet_values(values))
        if codes := filters.get("code"):
            # jsonb ?| text[]: the list holds any of these strings.
            clauses.append(f"{TABLE}.codes ?| %s::text[]")
            params.append(_facet_values(codes))
        if filters.session_from:
            clauses.append(f"{TABLE}.session_date >= %s")
            params.append(filters.session_from)
        if filters.session_to:
            clauses.append(f"{TABLE}.session_date <= %s")
            params.append(filters.session_to)
        if tsquery is not None:
            clauses.append(f"{TABLE}.search_vector @@ {tsquery.sql}")
            params.extend(tsquery.params)
        return _Where(
            sql=" AND ".join(clauses) or "true",
            params=tuple(params),
            scope=scope,
            scope_params=tuple(scope_params),
        )

    def _hit(self, row: Sequence[object]) -> SearchHit:
        (
            doc_id,
            kind,
            url,
            title,
            speaker,
            project_slug,
            stage_name,
            code_names,
            time_ms,
            rank,
            text,
            headline,
        ) = row
        if isinstance(code_names, str):  # Django loads jsonb as text and leaves decoding to us
            code_names = json.loads(code_names)
        return SearchHit(
            doc_id=str(doc_id),
            kind=str(kind),
            score=float(rank),  # type: ignore[arg-type]  # a real from ts_rank_cd
            snippet_html=self._snippet(str(text), headline),
            url=str(url),
            title=str(title),
            speaker=str(speaker),
            project_slug=str(project_slug),
            stage_name=str(stage_name),
            code_names=tuple(code_names),  # type: ignore[arg-type]  # a list from jsonb
            time_ms=time_ms,  # type: ignore[arg-type]  # bigint or NULL
        )

    def _snippet(self, text: str, headline: object) -> str:
        """Escape everything, then turn ts_headline's markers into <mark> tags.

        Fragments not at the text's start or end get "… " / " …", as the Whoosh backend's do.
        """
        if not isinstance(headline, str) or self._start_mark not in headline:
            return _text_start(text)
        for standin, character in _PUT_BACK:  # not str.translate(): 30 µs a snippet, not 1
            headline = headline.replace(standin, character)
        if len(text) > SNIPPET_CHARS:
            plain = headline.replace(self._start_mark, "").replace(self._stop_mark, "").strip()
            fragments = plain.split(FRAGMENT_DELIMITER)
            before = "" if text.lstrip().startswith(fragments[0]) else "… "
            after = "" if text.rstrip().endswith(fragments[-1]) else " …"
            headline = before + headline.strip() + after
        escaped = html.escape(headline)
        return escaped.replace(self._start_mark, "<mark>").replace(self._stop_mark, "</mark>")


def _text_start(text: str) -> str:
    """The snippet when no word is marked: the text, or its first 200 characters to a word."""
    if len(text) <= SNIPPET_CHARS:
        return html.escape(text)
    cut = text[:SNIPPET_CHARS].rsplit(None, 1)[0] or text[:SNIPPET_CHARS]
    return html.escape(cut) + " …"


def _facet_counts(rows: Sequence[Sequence[Any]]) -> dict[str, dict[str, int]]:
    """Facet → value → count, the most frequent values first; rows come sorted (_SEARCH_SQL)."""
    counts: dict[str, dict[str, int]] = {facet: {} for facet in FACETS}
    for facet, value, count in rows:
        if facet in counts and value:  # "": the document has none
            counts[facet][value] = count
    return counts


def _text(value: str) -> str:
    """A value as a parameter: PostgreSQL text cannot hold NUL, so it would raise."""
    return value.replace("\x00", " ").strip()


def _facet_values(values: Iterable[str]) -> list[str]:
    """Facet values are stored and matched lower-case (as the Whoosh backend does)."""
    return list(dict.fromkeys(_text(value).lower() for value in values))


def _entry(document: SearchDocument) -> SearchEntry:
    return SearchEntry(
        doc_id=document.doc_id,
        kind=document.kind.lower(),
        project_id=document.project_id,
        project_slug=document.project_slug.lower(),
        text=document.text,
        url=document.url,
        title=document.title,
        speaker=document.speaker,
        speaker_kind=document.speaker_kind.lower(),
        stage=document.stage.lower(),
        stage_name=document.stage_name,
        # Counted once per code in the facets, so no repeats.
        codes=_facet_values(code for code in document.codes if code),
        code_names=list(document.code_names),
        pain_severity=document.pain_severity,
        code_text=_text("\n".join(document.code_names)),
        passage=document.passage,
        sentiment=document.sentiment,
        segment=document.segment.lower(),
        region=document.region.lower(),
        tier=document.tier.lower(),
        session_date=document.session_date,
        time_ms=document.time_ms,
        session_id=document.session_id,
        speaker_participant_id=document.speaker_participant_id,
        coder_id=document.coder_id,
    )


def _batches[T](items: Iterable[T], size: int) -> Iterator[list[T]]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


__all__ = ["STOP_WORDS", "PostgresBackend", "TsQuery", "translate"]
