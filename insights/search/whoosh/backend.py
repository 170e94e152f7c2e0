"""The Whoosh search backend: the class, and the open index it shares per process.

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
import os
import shutil
import signal
import threading
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from whoosh import query as wq
from whoosh.filedb.filestore import FileStorage
from whoosh.index import FileIndex, LockError
from whoosh.qparser import QueryParser
from whoosh.searching import Searcher
from whoosh.writing import CLEAR, IndexWriter

from insights.search.base import (
    FACETS,
    Cleared,
    Filters,
    IndexBusy,
    Kind,
    Query,
    SearchDocument,
    SearchResults,
    SearchTimeout,
)
from insights.search.whoosh.docsets import (
    AllowedBefore,
    BitsDocIdSet,
    DocSets,
    ScoredMatches,
    first_docnums,
)
from insights.search.whoosh.ranking import (
    PhraseBonus,
    PhraseProbe,
    ranked,
    without_repeated_passages,
)
from insights.search.whoosh.schema import INDEX_NAME, SCHEMA, document_fields, open_index
from insights.search.whoosh.snippets import hit
from insights.search.whoosh.translate import Translation, translate
from insights.search.whoosh.word_pair import match_pair, word_pair

# An incremental write waits this long for another process's writer before giving up with
# IndexBusy (the indexing task retries). A rebuild waits longer: it is run by hand.
WRITE_TIMEOUT = 10.0
REBUILD_LOCK_TIMEOUT = 120.0


@dataclass
class _Shared:
    """The open index of one directory in this process, and the locks around it."""

    search_lock: threading.Lock = field(default_factory=threading.Lock)
    write_lock: threading.Lock = field(default_factory=threading.Lock)
    index: FileIndex | None = None
    searcher: Searcher | None = None
    inode: int | None = None  # of the directory the searcher was opened in
    docsets: DocSets | None = None  # of this searcher
    # (segment id, field, value) → the segment's documents with that value; a segment's
    # documents never change (deletions are masked at search), so this outlives searchers.
    segment_bits: dict[tuple[str, str, object], int] = field(default_factory=dict)
    # (segment id, name, day) → the segment's rank weights or passages, by its docnums.
    segment_values: dict[tuple[str, str, object], Sequence[Any]] = field(default_factory=dict)


_shared: dict[Path, _Shared] = {}
_shared_lock = threading.Lock()


def shared_for(path: Path) -> _Shared:
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
                writer.update_document(**document_fields(doc))

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
        state = shared_for(self.index_dir)
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
                        writer.add_document(**document_fields(doc))
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
        translation = translate(query.root)
        message = " ".join([*query.notes, *filter(None, [translation.message])])
        if not project_ids or translation.query is wq.NullQuery or limit < 1:
            return _no_results(message)
        state = shared_for(self.index_dir)
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
        translation: Translation,
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
            pair = word_pair(translation.query, translation.phrase_boost)
            matches = None
            if pair is not None:
                live = allowed & docsets.live()
                matches = match_pair(searcher, pair, live, docsets.text_lengths(), deadline)
            probe: PhraseBonus | None
            if matches is not None and pair is not None:
                items, probe = matches.items, None if pair.side_by_side else matches
            else:
                probe = None
                if translation.phrase_boost is not None:
                    probe = PhraseProbe(searcher, translation.phrase_boost)
                scored = ScoredMatches()
                collector = AllowedBefore(deadline, scored, BitsDocIdSet(allowed), on_match=probe)
                searcher.search_with_collector(translation.query, collector)
                items = scored.items
            ranking = ranked(searcher, docsets, items, probe, offset + limit)
            page = [(docnum, score) for score, docnum in ranking.best[offset:]]
            matched = ranking.kept
        else:
            matched = allowed & docsets.live()
            if translation.excluded is not None:
                matched &= ~docsets.of_query(translation.excluded)
            matched = without_repeated_passages(
                docsets, matched, docsets.term("kind", Kind.HIGHLIGHT)
            )
            page = [(docnum, 0.0) for docnum in first_docnums(matched, offset, limit)]
        terms = translation.highlight_terms(searcher)
        hits = [hit(searcher.stored_fields(docnum), score, terms) for docnum, score in page]
        return SearchResults(
            hits=hits,
            total=matched.bit_count(),
            facets=docsets.facet_counts(matched),
            message=message,
        )

    def document_ids(self) -> set[str]:
        state = shared_for(self.index_dir)
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
        state = shared_for(self.index_dir)
        with state.search_lock:
            self._forget(state)

    def warm(self) -> None:
        """Open this process's searcher and build the document sets, rank weights and passages
        its first search would (DocSets.warm), so that search is not the slow one."""
        state = shared_for(self.index_dir)
        with state.search_lock:
            self._searcher(state)
            if state.docsets is not None:
                state.docsets.warm()

    # The floor for benchmarks: plain Whoosh on the same index and searcher, without
    # translation, filters, facets, passages or snippets.

    def raw_search(self, query_string: str) -> int:
        """Run query_string through whoosh's own QueryParser on text and load the top 20 hits'
        stored fields; the number of matches.

        optimize=False scores and counts every match in one pass (the app ranks every match
        too); with block skipping, len() would count the matches again in a second pass.
        """
        state = shared_for(self.index_dir)
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
                writer.add_document(**document_fields(doc))

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
        ix = open_index(FileStorage(str(self.index_dir)))
        if ix is None:
            return state.searcher
        self._forget(state)
        state.index, state.searcher, state.inode = ix, ix.searcher(), inode
        state.docsets = DocSets(state.searcher, state.segment_bits, state.segment_values)
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
        state = shared_for(self.index_dir)
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
        ix = open_index(storage)
        if ix is None:
            # Under the file lock: creating an index deletes the files of an existing one,
            # so two processes must not both decide to create it.
            with self._file_lock(storage, WRITE_TIMEOUT):
                if open_index(storage) is None:
                    storage.create_index(SCHEMA, indexname=INDEX_NAME)
            ix = open_index(storage)
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
    elsewhere (threaded servers) the block runs to the end and AllowedBefore's check between
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


def _no_results(message: str = "") -> SearchResults:
    return SearchResults(hits=[], total=0, facets={facet: {} for facet in FACETS}, message=message)


# --- Query translation --------------------------------------------------------------------------
