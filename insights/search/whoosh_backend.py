"""The Whoosh search backend: the only module in the project that imports whoosh.

    backend = WhooshBackend(settings.SEARCH_INDEX_DIR)
    backend.index(documents)
    backend.search(query, project_ids=[project.pk], filters=Filters())

Whoosh keeps an index in files in one directory, allows one writer at a time (a file lock
that works across processes) and costs tens of milliseconds to open. So, per process and
per index directory, this module keeps:

- one open index and one searcher, checked before each search (one directory listing) and
  replaced after a commit, or when rebuild() swapped the directory;
- a lock around searching: a whoosh searcher is not thread-safe (its files are read by
  seek-and-read), and replacing it closes the old one's files, so a thread must not
  search while another replaces it;
- a lock around writing, so threads of one process queue for the index's file lock instead
  of timing out on each other; other processes wait on the file lock (WRITE_TIMEOUT), and
  past that a write raises IndexBusy, which the indexing task retries.

A forked child (gunicorn --preload, Celery prefork) starts without this state: it never
reads through file handles it shares with its parent.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import html
import math
import os
import shutil
import signal
import threading
import time
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.utils import timezone
from whoosh import columns, fields, highlight
from whoosh import query as wq
from whoosh.analysis import LowercaseFilter, RegexTokenizer, StemmingAnalyzer
from whoosh.collectors import FilterCollector, UnlimitedCollector
from whoosh.filedb.filestore import FileStorage
from whoosh.idsets import DocIdSet
from whoosh.index import EmptyIndexError, FileIndex, LockError
from whoosh.lang.porter2 import stem
from whoosh.qparser import QueryParser
from whoosh.searching import Searcher
from whoosh.writing import CLEAR, IndexWriter

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
    SearchDocument,
    SearchHit,
    SearchResults,
    SearchTimeout,
    Term,
    rank_weight,
)

INDEX_NAME = "MAIN"
# An incremental write waits this long for another process's writer before giving up with
# IndexBusy (the indexing task retries). A rebuild waits longer: it is run by hand.
WRITE_TIMEOUT = 10.0
REBUILD_LOCK_TIMEOUT = 120.0
# "A phrase match outranks scattered words": the score a document gets on top of its AND
# score when the AND-ed words also stand side by side, in the order typed.
PHRASE_BOOST = 2.0
SNIPPET_CHARS = 200

# The Snowball English stemmer (Porter2), the one PostgreSQL's "english" configuration uses,
# so both backends find the same words ("running" → "run"; Whoosh's Porter gives "runn").
# Whoosh's short stop list: every word it drops is one a query can't find.
_ANALYZER = StemmingAnalyzer(stemfn=stem)
# Words as typed, lower-cased, for prefixes (which must not be stemmed: "onboard*").
_WORDS = RegexTokenizer() | LowercaseFilter()

# Document field → index field, for the facets of base.FACETS.
_FACET_FIELDS = {
    "project": "project_slug",
    "kind": "kind",
    "stage": "stage",
    "code": "codes",
    "segment": "segment",
    "region": "region",
    "tier": "tier",
    "speaker_kind": "speaker_kind",
}


def _schema() -> fields.Schema:
    # Facet values are exact, lower-case terms; filters and counts read their postings.
    return fields.Schema(
        doc_id=fields.ID(unique=True, stored=True),
        kind=fields.ID(stored=True),
        project_slug=fields.ID(stored=True),
        stage=fields.ID(stored=True),
        segment=fields.ID(stored=True),
        region=fields.ID(stored=True),
        tier=fields.ID(stored=True),
        speaker_kind=fields.ID(stored=True),
        # Only ever matched exactly: no range terms (shift_step=0).
        project_id=fields.NUMERIC(int, bits=64, stored=True, shift_step=0),
        # For consent (Cleared): 0 when a document has no session or no speaking participant.
        session_id=fields.NUMERIC(int, bits=64, shift_step=0),
        speaker_participant_id=fields.NUMERIC(int, bits=64, shift_step=0),
        # For blind coding (own_codings): a highlight's coder, 0 for other documents.
        coder_id=fields.NUMERIC(int, bits=64, shift_step=0),
        codes=fields.KEYWORD(stored=True, lowercase=True, commas=True),
        text=fields.TEXT(analyzer=_ANALYZER, stored=True),
        # A day number (date.toordinal()) so a date range is a numeric range; one term per
        # document (shift_step=0): a range expands to the few hundred session days it spans.
        session_date=fields.NUMERIC(int, stored=True, shift_step=0),
        # What the ranking weighs besides the text (base.rank_weight), as columns: read per
        # match without loading its stored fields. 0 is none (no severity, no session date).
        pain_severity=fields.COLUMN(columns.NumericColumn("B", default=0)),
        rank_day=fields.COLUMN(columns.NumericColumn("I", default=0)),
        passage=fields.COLUMN(columns.VarBytesColumn()),  # base.SearchDocument.passage
        url=fields.STORED(),
        title=fields.STORED(),
        speaker=fields.STORED(),
        stage_name=fields.STORED(),
        code_names=fields.STORED(),
        time_ms=fields.STORED(),
        sentiment=fields.STORED(),
    )


SCHEMA = _schema()


class IndexOutdated(Exception):
    """The index on disk has other fields than this code writes: run manage.py rebuild_index."""


# --- Process-wide state -------------------------------------------------------------------------


@dataclass
class _Shared:
    """The open index of one directory in this process, and the locks around it."""

    search_lock: threading.Lock = field(default_factory=threading.Lock)
    write_lock: threading.Lock = field(default_factory=threading.Lock)
    index: FileIndex | None = None
    searcher: Searcher | None = None
    inode: int | None = None  # of the directory the searcher was opened in
    docsets: _DocSets | None = None  # of this searcher
    # (segment id, field, value) → the segment's documents with that value; a segment's
    # documents never change (deletions are masked at search), so this outlives searchers.
    segment_bits: dict[tuple[str, str, object], int] = field(default_factory=dict)


_shared: dict[Path, _Shared] = {}
_shared_lock = threading.Lock()


def _shared_for(path: Path) -> _Shared:
    with _shared_lock:
        state = _shared.get(path)
        if state is None:
            state = _shared[path] = _Shared()
        return state


def _forget_after_fork() -> None:
    # A forked child must not read through its parent's file handles nor wait on a lock
    # another parent thread held at the fork: it starts with no state.
    global _shared_lock
    _shared.clear()
    _shared_lock = threading.Lock()


os.register_at_fork(after_in_child=_forget_after_fork)


# --- The backend --------------------------------------------------------------------------------


class WhooshBackend:
    """SearchBackend over a Whoosh index in index_dir (created by the first write)."""

    def __init__(self, index_dir: Path, *, time_limit: float = 1.0) -> None:
        self.index_dir = Path(index_dir).absolute()
        self.time_limit = time_limit  # seconds a search may take (SearchTimeout after)

    # Writing

    def index(self, documents: Iterable[SearchDocument]) -> None:
        """Add or replace documents by doc_id, in one commit.

        A doc_id given twice is written once, the last version: whoosh replaces only
        committed documents, so two updates in one writer would leave two copies.
        """
        latest = {doc.doc_id: doc for doc in documents}
        if not latest:
            return
        with self._writer() as writer:
            for doc in latest.values():
                writer.update_document(**_fields(doc))

    def remove(self, doc_ids: Iterable[str]) -> None:
        ids = set(doc_ids)
        if not ids:
            return
        with self._writer() as writer, writer.searcher() as searcher:
            for doc_id in ids:
                writer.delete_by_term("doc_id", doc_id, searcher=searcher)

    def remove_source(self, prefix: str) -> None:
        """Remove every document whose doc_id starts with prefix."""
        if not prefix:
            raise ValueError("remove_source() needs a prefix; use clear() to remove everything.")
        with self._writer() as writer:
            writer.delete_by_query(wq.Prefix("doc_id", prefix))

    def clear(self) -> None:
        with self._writer(mergetype=CLEAR):
            pass

    def rebuild(self, documents: Iterable[SearchDocument]) -> int:
        """Write documents into a new index beside the live one, then swap it in.

        1. Take the live index's write lock for the whole rebuild, so incremental writes
           wait (and their tasks retry) instead of landing in an index about to be dropped;
           a change made while the documents are read is re-indexed into the new index.
        2. Write every document into "<dir>.new" with one writer (a doc_id seen twice is
           written once, the first time).
        3. Rename the live directory to "<dir>.old" and "<dir>.new" to the live name, then
           delete the old one. Searchers notice the new directory and reopen.
        If writing fails, the live index is untouched. Returns the number of documents.
        """
        new_dir = self.index_dir.with_name(self.index_dir.name + ".new")
        old_dir = self.index_dir.with_name(self.index_dir.name + ".old")
        state = _shared_for(self.index_dir)
        with state.write_lock, self._live_write_lock(REBUILD_LOCK_TIMEOUT):
            shutil.rmtree(new_dir, ignore_errors=True)
            storage = FileStorage(str(new_dir))
            storage.create()
            ix = storage.create_index(SCHEMA, indexname=INDEX_NAME)
            writer = ix.writer(procs=1, limitmb=256)
            seen: set[str] = set()
            try:
                for doc in documents:
                    if doc.doc_id not in seen:
                        seen.add(doc.doc_id)
                        writer.add_document(**_fields(doc))
            except BaseException:
                writer.cancel()
                shutil.rmtree(new_dir, ignore_errors=True)
                raise
            writer.commit()
            ix.close()
            shutil.rmtree(old_dir, ignore_errors=True)
            if self.index_dir.exists():
                os.rename(self.index_dir, old_dir)
            os.rename(new_dir, self.index_dir)
        shutil.rmtree(old_dir, ignore_errors=True)
        return len(seen)

    # Reading

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
        """Ranked hits among project_ids only, filtered by filters and the query's own.

        1. The allowed documents: the projects' (within what `cleared` allows of a project in
           it, and only its coder's highlights of a project in `own_codings`) and the
           filters' (sets cached per searcher).
        2. The matches among them: every one scored and ranked by whoosh (BM25F), or, with no
           free text or only negations, all allowed documents (but the excluded) in index
           order with score 0.
        3. Total and facet counts over every match; stored fields and snippets for the page.
        Past self.time_limit the search stops and raises SearchTimeout (see _time_limit).
        """
        translation = _translate(query.root)
        message = " ".join([*query.notes, *filter(None, [translation.message])])
        if not project_ids or translation.query is wq.NullQuery or limit < 1:
            return _no_results(message)
        state = _shared_for(self.index_dir)
        with state.search_lock:
            try:
                with _time_limit(self.time_limit):
                    deadline = time.monotonic() + self.time_limit
                    return self._search(
                        state,
                        translation,
                        query,
                        project_ids,
                        filters,
                        offset,
                        limit,
                        message,
                        deadline=deadline,
                        cleared=cleared,
                        own_codings=own_codings,
                    )
            except SearchTimeout:
                # Stopped mid-search: start the next one from a freshly opened searcher.
                self._forget(state)
                raise SearchTimeout(f"The search took longer than {self.time_limit:g} s.") from None

    def _search(
        self,
        state: _Shared,
        translation: _Translation,
        query: Query,
        project_ids: Sequence[int],
        filters: Filters,
        offset: int,
        limit: int,
        message: str,
        *,
        deadline: float,
        cleared: Mapping[int, Cleared] | None = None,
        own_codings: Mapping[int, int] | None = None,
    ) -> SearchResults:
        searcher = self._searcher(state)
        if searcher is None or state.docsets is None:
            return _no_results(message)
        docsets = state.docsets
        allowed = docsets.allowed(
            project_ids, query.filters.merged_with(filters), cleared or {}, own_codings or {}
        )
        if not allowed:
            # Also a guard: whoosh ignores an empty filter, it would let everything through.
            return _no_results(message)
        page: list[tuple[int, float]]
        if translation.ranked:
            # Checks the clock between matches, in any thread; _time_limit's alarm also
            # stops a matcher that spends long between two matches (main thread only).
            collector = _AllowedBefore(deadline, UnlimitedCollector(), _BitsDocIdSet(allowed))
            searcher.search_with_collector(translation.query, collector)
            results = collector.results()
            weighted = _ranked(
                searcher, docsets, results.top_n, translation.phrase_boost, offset + limit
            )
            page = [(docnum, score) for score, docnum in weighted[offset:][:limit]]
            matched = _bits(docnum for _, docnum in weighted)
        else:
            matched = allowed & docsets.live()
            if translation.excluded is not None:
                matched &= ~docsets.of_query(translation.excluded)
            matched = _without_repeated_passages(
                docsets, matched, docsets.term("kind", Kind.HIGHLIGHT)
            )
            page = [(docnum, 0.0) for docnum in _first_docnums(matched, offset, limit)]
        terms = translation.highlight_terms(searcher)
        hits = [_hit(searcher.stored_fields(docnum), score, terms) for docnum, score in page]
        return SearchResults(
            hits=hits,
            total=matched.bit_count(),
            facets=docsets.facet_counts(matched),
            message=message,
        )

    def document_ids(self) -> set[str]:
        state = _shared_for(self.index_dir)
        with state.search_lock:
            searcher = self._searcher(state)
            if searcher is None:
                return set()
            ids: set[str] = set()
            for leaf, _ in searcher.leaf_searchers():
                reader = leaf.reader()
                terms = reader.lexicon("doc_id")
                if reader.has_deletions():  # a deleted document's terms stay until a merge
                    terms = (t for t in terms if reader.postings("doc_id", t).is_active())
                ids.update(term.decode("utf-8") for term in terms)
            return ids

    def close(self) -> None:
        """Close this process's searcher of the index (backends.reset_backend calls it)."""
        state = _shared_for(self.index_dir)
        with state.search_lock:
            self._forget(state)

    # The floor for benchmarks: plain Whoosh on the same index and searcher, without
    # translation, filters, facets, passages or snippets.

    def raw_search(self, query_string: str) -> int:
        """Run query_string through whoosh's own QueryParser on text and load the top 20 hits'
        stored fields; the number of matches.

        optimize=False scores and counts every match in one pass (the app ranks every match
        too); with block skipping, len() would count the matches again in a second pass.
        """
        state = _shared_for(self.index_dir)
        with state.search_lock:
            searcher = self._searcher(state)
            if searcher is None:
                return 0
            parsed = QueryParser("text", SCHEMA).parse(query_string)
            results = searcher.search(parsed, limit=20, optimize=False)
            for hit in results:
                hit.fields()
            return len(results)

    def raw_add(self, documents: Iterable[SearchDocument]) -> None:
        """add_document for each document in one commit: no replacing, no de-duplication."""
        with self._writer() as writer:
            for doc in documents:
                writer.add_document(**_fields(doc))

    # Internals

    def _searcher(self, state: _Shared) -> Searcher | None:
        """The process's searcher, brought up to date; None if there is no index yet.

        Call with state.search_lock held.
        """
        try:
            inode = os.stat(self.index_dir).st_ino
        except FileNotFoundError:
            # No index yet, or rebuild() is between its two renames: keep what is open.
            return state.searcher
        if state.searcher is not None and state.inode == inode:
            # Not Searcher.refresh(): in whoosh-reloaded 2.7.5 it reuses segment readers by
            # segment id, so it misses deletions in a segment it keeps and keeps segments a
            # merge or clear() dropped. A fresh searcher is only needed after a commit.
            if state.searcher.up_to_date():
                return state.searcher
            self._forget(state)
        ix = _open_index(FileStorage(str(self.index_dir)))
        if ix is None:
            return state.searcher
        self._forget(state)
        state.index, state.searcher, state.inode = ix, ix.searcher(), inode
        state.docsets = _DocSets(state.searcher, state.segment_bits)
        return state.searcher

    @staticmethod
    def _forget(state: _Shared) -> None:
        """Close and drop the searcher; the next search opens the index again."""
        if state.searcher is not None:
            with contextlib.suppress(Exception):
                state.searcher.close()
        state.searcher = state.index = state.inode = state.docsets = None

    @contextmanager
    def _writer(self, **commit_args: Any) -> Iterator[IndexWriter]:
        """The index's one writer, committed once on leaving (cancelled on an exception)."""
        state = _shared_for(self.index_dir)
        with state.write_lock:
            ix = self._open_for_writing()
            try:
                writer = ix.writer(timeout=WRITE_TIMEOUT)
            except LockError as exc:
                raise IndexBusy(f"Another process is writing to {self.index_dir}.") from exc
            try:
                yield writer
            except BaseException:
                writer.cancel()
                raise
            writer.commit(**commit_args)

    def _open_for_writing(self) -> FileIndex:
        """The index, created if this is the first write. Call with state.write_lock held."""
        if not self.index_dir.exists():
            swap_dirs = (".new", ".old")
            if any(self.index_dir.with_name(self.index_dir.name + s).exists() for s in swap_dirs):
                # rebuild() is between its renames (or died there: rebuild again).
                raise IndexBusy(f"{self.index_dir} is being rebuilt.")
        storage = FileStorage(str(self.index_dir))
        storage.create()
        ix = _open_index(storage)
        if ix is None:
            # Under the file lock: creating an index deletes the files of an existing one,
            # so two processes must not both decide to create it.
            with self._file_lock(storage, WRITE_TIMEOUT):
                if _open_index(storage) is None:
                    storage.create_index(SCHEMA, indexname=INDEX_NAME)
            ix = _open_index(storage)
            assert ix is not None
        return ix

    @contextmanager
    def _live_write_lock(self, timeout: float) -> Iterator[None]:
        """Hold the live index's write lock, if there is a live index."""
        if not self.index_dir.exists():
            yield
            return
        with self._file_lock(FileStorage(str(self.index_dir)), timeout):
            yield

    @contextmanager
    def _file_lock(self, storage: FileStorage, timeout: float) -> Iterator[None]:
        # The lock SegmentWriter takes (Index.lock("WRITELOCK") is "<indexname>_WRITELOCK").
        lock = storage.lock(f"{INDEX_NAME}_WRITELOCK")
        deadline = time.monotonic() + timeout
        while not lock.acquire():
            if time.monotonic() > deadline:
                raise IndexBusy(f"Another process is writing to {self.index_dir}.")
            time.sleep(0.1)
        try:
            yield
        finally:
            lock.release()


@contextmanager
def _time_limit(seconds: float) -> Iterator[None]:
    """Raise SearchTimeout inside the block once `seconds` have passed, where a signal can.

    Signals reach only the main thread, which is where gunicorn's sync workers serve requests;
    elsewhere (threaded servers) the block runs to the end and _AllowedBefore's check between
    matches is the limit. (Whoosh's TimeLimitCollector alarm installs its handler for good and
    calls signal.signal, which fails outside the main thread.) Here the timer is cancelled
    before the old handler comes back, so a late alarm can only raise inside this block's own
    clean-up, as a SearchTimeout the caller handles.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def on_alarm(signum: int, frame: object) -> None:
        raise SearchTimeout(f"The search took longer than {seconds:g} s.")

    previous = signal.signal(signal.SIGALRM, on_alarm)
    try:
        signal.setitimer(signal.ITIMER_REAL, seconds)
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _open_index(storage: FileStorage) -> FileIndex | None:
    """The index in storage (None if there is none), its schema checked.

    Each commit deletes the previous table of contents; opening can find its name just
    before it goes (a commit in another thread or process). Try again, as whoosh's own
    Index.reader() does.
    """
    for attempt in range(20):
        try:
            ix = storage.open_index(INDEX_NAME)
            _check_schema(ix)  # reads the table of contents again
        except EmptyIndexError:
            return None
        except FileNotFoundError:
            if attempt == 19:
                raise
            time.sleep(0.05)
        else:
            return ix
    raise AssertionError("unreachable")


def _check_schema(ix: FileIndex) -> None:
    def shape(schema: fields.Schema) -> dict[str, str]:
        return {name: type(schema[name]).__name__ for name in schema.names()}

    if shape(ix.schema) != shape(SCHEMA):
        raise IndexOutdated(
            f"The search index in {ix.storage.folder} was built by an older version: "
            "run manage.py rebuild_index."
        )


def _fields(doc: SearchDocument) -> dict[str, Any]:
    # None leaves a field out: an empty facet value is no value (and no empty term).
    values: dict[str, Any] = {
        "doc_id": doc.doc_id,
        "kind": doc.kind.lower() or None,
        "project_slug": doc.project_slug.lower() or None,
        "stage": doc.stage.lower() or None,
        "segment": doc.segment.lower() or None,
        "region": doc.region.lower() or None,
        "tier": doc.tier.lower() or None,
        "speaker_kind": doc.speaker_kind.lower() or None,
        "project_id": doc.project_id,
        "session_id": doc.session_id or 0,
        "speaker_participant_id": doc.speaker_participant_id or 0,
        "coder_id": doc.coder_id or 0,
        "codes": ",".join(code for code in doc.codes if code) or None,
        # A highlight's code names are searched as its words are, but only its text is shown.
        "text": "\n".join([doc.text, *doc.code_names]),
        "_stored_text": doc.text,
        "url": doc.url,
        "title": doc.title,
        "speaker": doc.speaker,
        "stage_name": doc.stage_name,
        "code_names": tuple(doc.code_names),
        "time_ms": doc.time_ms,
        "sentiment": doc.sentiment,
        "pain_severity": doc.pain_severity or 0,
        "rank_day": doc.session_date.toordinal() if doc.session_date else 0,
        "passage": doc.passage.encode("utf-8"),
    }
    if doc.session_date is not None:
        values["session_date"] = doc.session_date.toordinal()
    return values


# --- Document sets ------------------------------------------------------------------------------
# A set of document numbers is a Python int with bit n set for document n: & | ~ and
# bit_count() run in C over a few kilobytes, where whoosh's own filters and facet counts walk
# postings in Python on every search (at 50,000 documents, hundreds of milliseconds).


class _DocSets:
    """The document sets one searcher needs: per facet value, per filter, the live documents.

    Built on first use and kept with the searcher; a term's set is built per segment and kept
    across searchers (state.segment_bits), so after a commit only the new segment is read.
    """

    MAX_FILTERS = 64

    def __init__(self, searcher: Searcher, segment_bits: dict[tuple[str, str, object], int]):
        self.searcher = searcher
        self.leaves = [(leaf.reader(), offset) for leaf, offset in searcher.leaf_searchers()]
        segment_ids = {_segment_id(reader) for reader, _ in self.leaves}
        for key in [key for key in segment_bits if key[0] not in segment_ids]:
            del segment_bits[key]  # segments merged away
        self.segment_bits = segment_bits
        self._terms: dict[tuple[str, object], int] = {}
        self._filters: OrderedDict[tuple[object, ...], int] = OrderedDict()
        self._values: dict[str, list[str]] = {}
        self._live: int | None = None
        self._columns: dict[str, Any] = {}

    def column(self, fieldname: str) -> Any:
        """The searcher's reader of a column field. Opening one reads the whole column's offsets
        (a VarBytesColumn's, for "passage": milliseconds), so it is kept with the searcher."""
        reader = self._columns.get(fieldname)
        if reader is None:
            reader = self._columns[fieldname] = self.searcher.reader().column_reader(fieldname)
        return reader

    def term(self, fieldname: str, value: object) -> int:
        """The documents with value in fieldname (deleted ones too: mask with live())."""
        key = (fieldname, value)
        bits = self._terms.get(key)
        if bits is None:
            bits = 0
            for reader, offset in self.leaves:
                bits |= self._segment_term(reader, fieldname, value) << offset
            self._terms[key] = bits
        return bits

    def _segment_term(self, reader: Any, fieldname: str, value: object) -> int:
        key = (_segment_id(reader), fieldname, value)
        bits = self.segment_bits.get(key)
        if bits is None:
            bits = 0
            if (fieldname, value) in reader:
                bits = _bits(reader.postings(fieldname, value).all_ids())
            self.segment_bits[key] = bits
        return bits

    def live(self) -> int:
        """Every document not deleted."""
        if self._live is None:
            live = 0
            for reader, offset in self.leaves:
                deleted = _bits(reader.deleted_docs_set) if reader.has_deletions() else 0
                live |= (((1 << reader.doc_count_all()) - 1) & ~deleted) << offset
            self._live = live
        return self._live

    def of_query(self, q: wq.Query) -> int:
        return _bits(self.searcher.docs_for_query(q))

    def allowed(
        self,
        project_ids: Sequence[int],
        filters: Filters,
        cleared: Mapping[int, Cleared],
        own_codings: Mapping[int, int],
    ) -> int:
        """The documents of these projects that pass the filters: projects OR-ed, a facet's
        values OR-ed, facets and dates AND-ed. A project in `cleared` gives only the
        documents of its cleared sessions with no speaker or a cleared one; a project in
        `own_codings` only its coder's highlights."""
        key = (
            frozenset(project_ids),
            frozenset((facet, frozenset(values)) for facet, values in filters.values.items()),
            filters.session_from,
            filters.session_to,
            frozenset((pk, c.session_ids, c.participant_ids) for pk, c in cleared.items()),
            frozenset(own_codings.items()),
        )
        bits = self._filters.get(key)
        if bits is not None:
            self._filters.move_to_end(key)
            return bits
        bits = self._any("project_id", {pk for pk in project_ids if pk not in cleared})
        for pk in set(project_ids) & set(cleared):
            within = self.term("project_id", pk) & self._any("session_id", cleared[pk].session_ids)
            if within:
                speakers = self.term("speaker_participant_id", 0)
                within &= speakers | self._any(
                    "speaker_participant_id", cleared[pk].participant_ids
                )
            bits |= within
        for pk in set(project_ids) & set(own_codings):
            others = self.term("project_id", pk) & self.term("kind", Kind.HIGHLIGHT)
            bits &= ~(others & ~self.term("coder_id", own_codings[pk]))
        for facet in FACETS:
            if bits and (values := filters.get(facet)):
                bits &= self._any(_FACET_FIELDS[facet], {value.lower() for value in values})
        if bits and (filters.session_from or filters.session_to):
            start, end = filters.session_from, filters.session_to
            bits &= self.of_query(
                wq.NumericRange(
                    "session_date",
                    start.toordinal() if start else None,
                    end.toordinal() if end else None,
                )
            )
        self._filters[key] = bits
        if len(self._filters) > self.MAX_FILTERS:
            self._filters.popitem(last=False)
        return bits

    def _any(self, fieldname: str, values: Iterable[object]) -> int:
        bits = 0
        for value in values:
            bits |= self.term(fieldname, value)
        return bits

    def facet_counts(self, matched: int) -> dict[str, dict[str, int]]:
        """facet → value → number of matched documents with it, most frequent first."""
        counts: dict[str, dict[str, int]] = {}
        for facet in FACETS:
            fieldname = _FACET_FIELDS[facet]
            pairs = [
                (value, (matched & self.term(fieldname, value)).bit_count())
                for value in self._facet_values(fieldname)
            ]
            pairs.sort(key=lambda pair: (-pair[1], pair[0]))
            counts[facet] = {value: count for value, count in pairs if count}
        return counts

    def _facet_values(self, fieldname: str) -> list[str]:
        values = self._values.get(fieldname)
        if values is None:
            values = self._values[fieldname] = [
                btext.decode("utf-8") for btext in self.searcher.lexicon(fieldname)
            ]
        return values


def _segment_id(reader: Any) -> str:
    segment = reader.segment()
    return segment.segment_id() if segment is not None else ""


def _rank_weights(docsets: _DocSets, docnums: Iterable[int]) -> dict[int, float]:
    """docnum → base.rank_weight (pain severity, recency), read from the columns once."""
    pains = docsets.column("pain_severity")
    days = docsets.column("rank_day")
    today = timezone.localdate()
    weights = {}
    for docnum in docnums:
        day = days[docnum]
        session_date = dt.date.fromordinal(day) if day else None
        weights[docnum] = rank_weight(pains[docnum], session_date, today)
    return weights


def _weighted(
    top_n: Iterable[tuple[float, int]],
    weights: Mapping[int, float],
    bonus: Mapping[int, float] | None = None,
) -> list[tuple[float, int]]:
    """Every match's text score (plus its phrase bonus, if any) times its rank weight, best
    first."""
    bonus = bonus or {}
    weighted = [
        ((score + bonus[docnum] if docnum in bonus else score) * weights[docnum], docnum)
        for score, docnum in top_n
    ]
    weighted.sort(key=lambda pair: (-pair[0], pair[1]))
    return weighted


def _ranked(
    searcher: Searcher,
    docsets: _DocSets,
    top_n: Sequence[tuple[float, int]],
    phrase: wq.Phrase | None,
    wanted: int,
) -> list[tuple[float, int]]:
    """The matches ranked, one per passage (base.SearchDocument.passage), with the phrase
    bonus where it decides anything.

    Checking the phrase means reading word positions: done for every match, it cost as
    much again as finding the matches. A match gains at most PHRASE_BOOST times its score,
    so only matches that could still reach the first `wanted` are checked, best first,
    until every unchecked one falls short; and every highlight of a passage matched more
    than once, so the passage's best-ranked highlight is the one kept. The order of the rest
    (past the page) may lack a bonus; the total and facets do not depend on it.
    """
    weights = _rank_weights(docsets, (docnum for _, docnum in top_n))
    column = docsets.column("passage")
    passages = {docnum: column[docnum] for _, docnum in top_n}
    plain = _weighted(top_n, weights)
    if phrase is None or not plain:
        return _one_per_passage(plain, passages)
    scores = {docnum: score for score, docnum in top_n}
    members: dict[bytes, list[int]] = {}
    for _, docnum in plain:
        if passage := passages[docnum]:
            members.setdefault(passage, []).append(docnum)
    to_check = {docnum for group in members.values() if len(group) > 1 for docnum in group}
    to_check.update(docnum for _, docnum in plain[:wanted])
    bonus: dict[int, float] = {}
    checked: set[int] = set()
    # The most a bonus multiplies a score by (a word typed twice is scored twice), and some.
    repeats = len(phrase.words) - len(set(phrase.words))
    reach = 1 + PHRASE_BOOST * (1 + repeats) + 1e-9
    while to_check:
        bonus.update(_phrase_scores(searcher, phrase, sorted(to_check)))
        checked |= to_check
        best = _one_per_passage(
            _weighted(((scores[d], d) for d in checked), weights, bonus), passages
        )
        bar = best[wanted - 1][0] if len(best) >= wanted else -math.inf
        to_check = set()
        for weighted, docnum in plain:
            if weighted * reach < bar:
                break  # the rest score less still
            if docnum not in checked:
                to_check.add(docnum)
    return _one_per_passage(_weighted(top_n, weights, bonus), passages)


def _phrase_scores(searcher: Searcher, phrase: wq.Phrase, docnums: list[int]) -> dict[int, float]:
    """docnum → the phrase's score, for those of docnums (ascending) that have the phrase.

    What whoosh's Phrase matcher scores (its words' scores, times its boost), found with one
    matcher per word moved straight to each document asked: the Phrase matcher's skip_to
    reads the positions of every document on its way to the next one with the phrase.
    """
    scores: dict[int, float] = {}
    context = searcher.context()
    position = 0
    for leaf, offset in searcher.leaf_searchers():
        end = offset + leaf.doc_count_all()
        mine = []
        while position < len(docnums) and docnums[position] < end:
            mine.append(docnums[position] - offset)
            position += 1
        if not mine:
            continue
        matchers = [wq.Term(phrase.fieldname, word).matcher(leaf, context) for word in phrase.words]
        for local in mine:
            if not all(_moved_to(matcher, local) for matcher in matchers):
                continue
            positions = [set(matcher.value_as("positions")) for matcher in matchers]
            if any(
                all(start + i in at for i, at in enumerate(positions[1:], 1))
                for start in positions[0]
            ):
                scores[offset + local] = sum(m.score() for m in matchers) * phrase.boost
    return scores


def _moved_to(matcher: Any, docnum: int) -> bool:
    """Move a matcher forward to docnum; whether it matches there."""
    if matcher.is_active() and matcher.id() < docnum:
        matcher.skip_to(docnum)
    return bool(matcher.is_active() and matcher.id() == docnum)


def _one_per_passage(
    ranked: list[tuple[float, int]], passages: Mapping[int, bytes]
) -> list[tuple[float, int]]:
    """The ranked matches with only the first of each passage (base.SearchDocument.passage)."""
    seen: set[bytes] = set()
    kept = []
    for score, docnum in ranked:
        passage = passages[docnum]
        if passage:
            if passage in seen:
                continue
            seen.add(passage)
        kept.append((score, docnum))
    return kept


def _without_repeated_passages(docsets: _DocSets, matched: int, highlights: int) -> int:
    """Unranked matches without the second and later highlights of one passage."""
    candidates = matched & highlights
    if not candidates:
        return matched
    passages = docsets.column("passage")
    seen: set[bytes] = set()
    for docnum in _first_docnums(candidates, 0, candidates.bit_count()):
        passage = passages[docnum]
        if passage in seen:
            matched &= ~(1 << docnum)
        elif passage:
            seen.add(passage)
    return matched


def _bits(docnums: Iterable[int]) -> int:
    """The set of docnums as an int (bit n for document n)."""
    bits = bytearray()
    for docnum in docnums:
        byte = docnum >> 3
        if byte >= len(bits):
            bits.extend(bytes(byte + 1 - len(bits) + 1024))
        bits[byte] |= 1 << (docnum & 7)
    return int.from_bytes(bits, "little")


def _first_docnums(bits: int, offset: int, limit: int) -> list[int]:
    """Documents offset … offset+limit-1 of the set, in document order."""
    found: list[int] = []
    skip = offset
    for byte_index, byte in enumerate(bits.to_bytes((bits.bit_length() + 7) // 8, "little")):
        if not byte:
            continue
        if skip >= 8 and (ones := byte.bit_count()) <= skip:
            skip -= ones
            continue
        for bit in range(8):
            if byte >> bit & 1:
                if skip:
                    skip -= 1
                    continue
                found.append(byte_index * 8 + bit)
                if len(found) == limit:
                    return found
    return found


class _BitsDocIdSet(DocIdSet):
    """An int set as whoosh's filter= wants it: only membership is asked."""

    def __init__(self, bits: int) -> None:
        self._bytes = bits.to_bytes((bits.bit_length() + 7) // 8, "little")

    def __contains__(self, docnum: object) -> bool:
        assert isinstance(docnum, int)
        byte = docnum >> 3
        return byte < len(self._bytes) and bool(self._bytes[byte] >> (docnum & 7) & 1)

    def __bool__(self) -> bool:
        return any(self._bytes)

    def __len__(self) -> int:
        return int.from_bytes(self._bytes, "little").bit_count()

    def __iter__(self) -> Iterator[int]:
        for byte_index, byte in enumerate(self._bytes):
            for bit in range(8):
                if byte >> bit & 1:
                    yield byte_index * 8 + bit


class _AllowedBefore(FilterCollector):
    """Collects the allowed matches (what search(filter=…) does) until a deadline.

    whoosh's TimeLimitCollector cannot wrap a filter: it hands every match to the collector
    inside, past the filter's check. The clock is read every 256 matches.
    """

    def __init__(self, deadline: float, child: Any, allow: DocIdSet) -> None:
        super().__init__(child, allow=allow)
        self.deadline = deadline

    def collect_matches(self) -> None:
        child, allow, offset = self.child, self._allow, self.offset
        for count, sub_docnum in enumerate(child.matches()):
            if not count & 255 and time.monotonic() > self.deadline:
                raise SearchTimeout("The search ran out of time while ranking its matches.")
            if offset + sub_docnum in allow:
                child.collect(sub_docnum)


def _any_of(queries: list[wq.Query]) -> wq.Query:
    return queries[0] if len(queries) == 1 else wq.Or(queries)


def _no_results(message: str = "") -> SearchResults:
    return SearchResults(hits=[], total=0, facets={facet: {} for facet in FACETS}, message=message)


# --- Query translation --------------------------------------------------------------------------


@dataclass
class _Translation:
    query: wq.Query  # wq.NullQuery: nothing can match; wq.Every(): no free text
    excluded: wq.Query | None = None  # a root of negations only: everything but this
    words: set[str] = field(default_factory=set)  # stemmed words to mark in snippets
    prefixes: set[str] = field(default_factory=set)  # prefixes to mark, expanded at search
    dropped: list[str] = field(default_factory=list)  # typed words too common to search
    # A root that ANDs plain words: those words side by side score this on top (see _ranked).
    phrase_boost: wq.Phrase | None = None

    @property
    def ranked(self) -> bool:
        return self.excluded is None and not isinstance(self.query, wq.Every)

    @property
    def message(self) -> str:
        if self.query is wq.NullQuery and self.dropped:
            words = ", ".join(f"“{word}”" for word in dict.fromkeys(self.dropped))
            return f"Only very common words ({words}) were searched for; try other words."
        return ""

    def highlight_terms(self, searcher: Searcher) -> frozenset[str]:
        words = set(self.words)
        reader = searcher.reader()
        for prefix in self.prefixes:
            for i, btext in enumerate(reader.expand_prefix("text", prefix)):
                if i >= 1000:  # "a*" on a big index: marking the first thousand is plenty
                    break
                words.add(btext.decode("utf-8"))
        return frozenset(words)


def _translate(root: Node | None) -> _Translation:
    """The whoosh query for an AST root, and what to mark in snippets.

    No root (filters only) matches every document. A root whose every word was dropped
    (stop words, punctuation) matches nothing.
    """
    if root is None:
        return _Translation(query=wq.Every())
    translation = _Translation(query=wq.NullQuery)
    q = _node(root, translation, negated=False)
    if q is None:
        return translation
    if isinstance(q, wq.Not):
        translation.excluded = q.query  # "everything except …"
        q = wq.AndNot(wq.Every(), q.query)
    elif isinstance(root, And):
        translation.phrase_boost = _phrase_boost(root)
    translation.query = q
    return translation


def _node(node: Node, tr: _Translation, *, negated: bool) -> wq.Query | None:
    """Translate one node; None when nothing searchable is left of it."""
    match node:
        case Term(word=word, prefix=True):
            return _prefix(word, tr, negated=negated)
        case Term(word=word):
            words = _analyse(word)
            if not words:
                if not negated:
                    tr.dropped.append(word)
                return None
            return _words(words, tr, negated=negated)
        case Phrase(words=typed):
            words = _analyse(" ".join(typed))
            if not words:
                if not negated:
                    tr.dropped.append(" ".join(typed))
                return None
            return _words(words, tr, negated=negated)
        case Not(node=child):
            q = _node(child, tr, negated=not negated)
            return None if q is None else wq.Not(q)
        case And(nodes=nodes):
            parts = _flatten(wq.And, [_node(n, tr, negated=negated) for n in nodes])
            return _conjunction(parts)
        case Or(nodes=nodes):
            parts = _flatten(wq.Or, [_node(n, tr, negated=negated) for n in nodes])
            if not parts:
                return None
            return parts[0] if len(parts) == 1 else wq.Or(parts)
    raise TypeError(f"Not a query node: {node!r}")


def _words(words: list[str], tr: _Translation, *, negated: bool) -> wq.Query:
    """A word (one token) or a phrase (a word that punctuation splits: "e-mail")."""
    if not negated:
        tr.words.update(words)
    if len(words) == 1:
        return wq.Term("text", words[0])
    return wq.Phrase("text", words)


def _prefix(word: str, tr: _Translation, *, negated: bool) -> wq.Query | None:
    """onboard*: words starting with the typed letters, or with their stem.

    The index holds stems, and a stem is usually a prefix of its word ("onboard" for
    "onboarding"), but not always: "happy" is stored as "happi", so "happy*" also looks
    for the stem "happi". Letters typed into a suffix ("onboardi*") find nothing.
    """
    typed = [t.text for t in _WORDS(word)]
    if not typed:
        return None
    last = typed[-1]
    stems = sorted({last, stem(last)})
    if not negated:
        tr.prefixes.update(stems)
    prefix_q = _any_of([wq.Prefix("text", s) for s in stems])
    leading = _analyse(" ".join(typed[:-1]))  # "sign-u*": the phrase before the prefix
    if not leading:
        return prefix_q
    if not negated:
        tr.words.update(leading)
    return wq.And([*(wq.Term("text", w) for w in leading), prefix_q])


def _flatten(cls: type[wq.CompoundQuery], parts: list[wq.Query | None]) -> list[wq.Query]:
    """Drop None, and splice children of the same operator in (a AND (b AND c)): keeps a
    long chain of one operator from nesting a matcher per level."""
    flat: list[wq.Query] = []
    for part in parts:
        if part is None:
            continue
        if type(part) is cls:
            flat.extend(part.subqueries)
        else:
            flat.append(part)
    return flat


def _conjunction(parts: list[wq.Query]) -> wq.Query | None:
    """AND of parts, with the negated ones subtracted (AndNot skips them, where a Not inside
    an And would walk every document)."""
    if not parts:
        return None
    positive = [p for p in parts if not isinstance(p, wq.Not)]
    negative = [p.query for p in parts if isinstance(p, wq.Not)]
    if not negative:
        return positive[0] if len(positive) == 1 else wq.And(positive)
    excluded = _any_of(negative)
    if not positive:
        return wq.Not(excluded)
    included = positive[0] if len(positive) == 1 else wq.And(positive)
    return wq.AndNot(included, excluded)


def _phrase_boost(root: And) -> wq.Phrase | None:
    """For a root that ANDs two or more plain words, documents where those words stand
    side by side (in the order typed) score a phrase match on top: same matches, adjacency
    ranked first. The phrase's score is PHRASE_BOOST times its words' own scores, which the
    root's score already holds, so a match gains at most PHRASE_BOOST times its score."""
    words: list[str] = []
    for node in root.nodes:
        if isinstance(node, Term) and not node.prefix:
            analysed = _analyse(node.word)
            if len(analysed) == 1:
                words.append(analysed[0])
    if len(words) < 2:
        return None
    return wq.Phrase("text", words, boost=PHRASE_BOOST)


def _analyse(text: str) -> list[str]:
    """The index's tokens for text: lower-cased, stop words dropped, stemmed."""
    return [t.text for t in _ANALYZER(text)]


# --- Hits and snippets --------------------------------------------------------------------------


class _MarkFormatter(highlight.Formatter):
    """HTML-escapes everything and wraps each matched word in <mark>."""

    between = " … "

    def _text(self, text: str) -> str:
        return html.escape(text)

    def format_token(self, text: str, token: Any, replace: bool = False) -> str:
        return f"<mark>{html.escape(highlight.get_text(text, token, replace))}</mark>"

    def format_fragment(self, fragment: highlight.Fragment, replace: bool = False) -> str:
        inner: str = super().format_fragment(fragment, replace=replace).strip()
        before = "… " if fragment.startchar > 0 else ""
        after = " …" if fragment.endchar < len(fragment.text) else ""
        return before + inner + after


# A text that fits is shown whole (ContextFragmenter ends a fragment at its last word and
# would drop trailing punctuation); a longer one by its best passage.
_WHOLE = highlight.WholeFragmenter()
_CONTEXT = highlight.ContextFragmenter(maxchars=SNIPPET_CHARS, surround=60)
_FORMATTER = _MarkFormatter()


def _snippet(text: str, terms: frozenset[str]) -> str:
    """The best ~200 characters around the matched words; the start of the text if none."""
    if terms:
        fragmenter = _WHOLE if len(text) <= SNIPPET_CHARS else _CONTEXT
        marked: str = highlight.highlight(
            text, terms, _ANALYZER, fragmenter, _FORMATTER, top=1, mode="index"
        )
        if marked:
            return marked
    if len(text) <= SNIPPET_CHARS:
        return html.escape(text)
    words = text[:SNIPPET_CHARS].rsplit(None, 1)  # don't end in the middle of a word
    cut = words[0] if len(words) == 2 else text[:SNIPPET_CHARS]
    return html.escape(cut.rstrip()) + " …"


def _hit(stored: dict[str, Any], score: float, terms: frozenset[str]) -> SearchHit:
    return SearchHit(
        doc_id=stored["doc_id"],
        kind=stored.get("kind", ""),
        score=float(score),
        snippet_html=_snippet(stored.get("text", ""), terms),
        url=stored.get("url", ""),
        title=stored.get("title", ""),
        speaker=stored.get("speaker", ""),
        project_slug=stored.get("project_slug", ""),
        stage_name=stored.get("stage_name", ""),
        code_names=tuple(stored.get("code_names") or ()),
        time_ms=stored.get("time_ms"),
    )
