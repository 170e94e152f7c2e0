"""Keeping the search index in step with the database.

Two halves:

- Scheduling, called by the signal handlers in insights.search.signals: note what changed in
  the current transaction and, once it commits, queue one task per changed source (a
  transcript, a field note, a batch of highlights, a batch of removals), each only once per
  transaction. Queueing never breaks the save that caused it: a broker that is down, or an
  inline (eager) task that fails, is logged, and `manage.py rebuild_index` catches up.
- Reindexing, called by the thin tasks in insights.tasks: load by id, build the documents
  (insights.search.documents), write them to the backend. A source that no longer exists
  has its documents removed, so running a task twice, or late, is harmless.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import chain
from typing import Any

from django.db import DEFAULT_DB_ALIAS, transaction

from insights.models import Highlight
from insights.search.backends import get_backend
from insights.search.base import Kind
from insights.search.documents import (
    doc_id,
    field_note_documents,
    highlight_documents,
    source_highlight_documents,
    transcript_documents,
)
from interviews.models import FieldNote, Transcript, Utterance

log = logging.getLogger("insights.search")

TRANSCRIPT = "transcript"
FIELD_NOTE = Kind.FIELD_NOTE
HIGHLIGHT = Kind.HIGHLIGHT

HIGHLIGHTS_PER_TASK = 500
REMOVALS_PER_TASK = 1000


# --- Scheduling ---------------------------------------------------------------------------------


@dataclass
class _Changes:
    """What one transaction changed, queued once it commits."""

    index: dict[str, set[int]] = field(
        default_factory=lambda: {TRANSCRIPT: set(), FIELD_NOTE: set(), HIGHLIGHT: set()}
    )
    deleted: dict[str, set[int]] = field(
        default_factory=lambda: {TRANSCRIPT: set(), FIELD_NOTE: set(), HIGHLIGHT: set()}
    )
    removals: set[str] = field(default_factory=set)
    flushed: bool = False
    callback: Callable[[], None] | None = None

    def flush(self) -> None:
        self.flushed = True
        _enqueue(self)


def schedule_index(source: str, pks: Iterable[int], *, using: str = DEFAULT_DB_ALIAS) -> None:
    """Reindex these transcripts, field notes or highlights once the transaction commits."""
    pks = [pk for pk in pks if pk is not None]
    if pks:
        _record(lambda changes: changes.index[source].update(pks), using)


def schedule_removal(
    source: str, pk: int, doc_ids: Iterable[str], *, using: str = DEFAULT_DB_ALIAS
) -> None:
    """Remove a deleted source's documents once the transaction commits (and skip reindexing it)."""
    doc_ids = list(doc_ids)

    def update(changes: _Changes) -> None:
        changes.deleted[source].add(pk)
        changes.removals.update(doc_ids)

    _record(update, using)


_suspended = threading.local()


@contextmanager
def suspended() -> Iterator[None]:
    """Queue no index updates for changes made inside, in this thread.

    For bulk loads (seed_demo, large imports) that run `rebuild_index` afterwards: one
    rebuild is much cheaper than an index commit per saved row.
    """
    before = getattr(_suspended, "on", False)
    _suspended.on = True
    try:
        yield
    finally:
        _suspended.on = before


def _record(update: Callable[[_Changes], None], using: str) -> None:
    if getattr(_suspended, "on", False):
        return
    connection = transaction.get_connection(using)
    if not connection.in_atomic_block:
        # Autocommit: the change is already committed.
        changes = _Changes()
        update(changes)
        _safe(changes.flush)()
        return
    changes: _Changes | None = getattr(connection, "_search_changes", None)
    if changes is None or changes.flushed or not _still_registered(connection, changes):
        # The first change of this transaction (or the last one's callback was discarded by
        # a rollback): start a new set and queue it on commit.
        changes = _Changes()
        changes.callback = _safe(changes.flush)
        connection._search_changes = changes  # type: ignore[attr-defined]
        update(changes)
        transaction.on_commit(changes.callback, using=using, robust=True)
        return
    update(changes)


def _still_registered(connection: object, changes: _Changes) -> bool:
    # A rolled-back savepoint drops the callbacks registered inside it from run_on_commit.
    pending = getattr(connection, "run_on_commit", [])
    return any(callback is changes.callback for _sids, callback, _robust in pending)


def _safe(flush: Callable[[], None]) -> Callable[[], None]:
    def flush_search_changes() -> None:
        try:
            flush()
        except Exception:
            log.exception("Search index: could not queue the index updates of a change.")

    return flush_search_changes


def _enqueue(changes: _Changes) -> None:
    """Queue the tasks for a committed set of changes; log, never raise, when that fails."""
    from insights import tasks

    removals = sorted(changes.removals)
    transcripts = sorted(changes.index[TRANSCRIPT] - changes.deleted[TRANSCRIPT])
    notes = sorted(changes.index[FIELD_NOTE] - changes.deleted[FIELD_NOTE])
    highlights = sorted(changes.index[HIGHLIGHT] - changes.deleted[HIGHLIGHT])
    calls: list[tuple[Any, tuple[object, ...]]] = [
        *((tasks.remove_documents, (chunk,)) for chunk in _chunks(removals, REMOVALS_PER_TASK)),
        *((tasks.index_transcript, (pk,)) for pk in transcripts),
        *((tasks.index_field_note, (pk,)) for pk in notes),
    ]
    if len(highlights) == 1:
        calls.append((tasks.index_highlight, (highlights[0],)))
    else:
        calls.extend(
            (tasks.index_highlights, (chunk,)) for chunk in _chunks(highlights, HIGHLIGHTS_PER_TASK)
        )

    eager = bool(tasks.index_transcript.app.conf.task_always_eager)
    for done, (task, args) in enumerate(calls):
        name = task.name
        try:
            task.delay(*args)
        except Exception:
            if eager:
                # The task ran inline (no broker) and failed, e.g. the index stayed locked.
                log.exception(
                    "Search index: %s%r failed; the index may be stale until the source "
                    "changes again or `manage.py rebuild_index` runs.",
                    name,
                    args,
                )
                continue
            # The broker is unreachable; the rest would fail the same way, slowly.
            log.exception(
                "Search index: could not queue %d index update(s), starting with %s%r; the "
                "index is stale until `manage.py rebuild_index` runs.",
                len(calls) - done,
                name,
                args,
            )
            return


# --- What a change affects (signal handlers call these; each is one query) ---------------------


def utterance_doc_ids(transcript_id: int) -> list[str]:
    """The documents of a transcript's utterances: read before it is deleted."""
    pks = Utterance.objects.filter(transcript_id=transcript_id).values_list("pk", flat=True)
    return [doc_id(Kind.UTTERANCE, pk) for pk in pks]


def highlight_ids(**lookup: object) -> list[int]:
    """Ids of highlights matching a lookup, e.g. coded_items__tag_id=3 or stage_id=2."""
    return list(Highlight.objects.filter(**lookup).values_list("pk", flat=True).distinct())


def transcript_ids(**lookup: object) -> list[int]:
    return list(Transcript.objects.filter(**lookup).values_list("pk", flat=True).distinct())


def field_note_ids(**lookup: object) -> list[int]:
    return list(FieldNote.objects.filter(**lookup).values_list("pk", flat=True).distinct())


# --- Reindexing (the tasks call these) ----------------------------------------------------------


def reindex_transcript(transcript_id: int) -> int:
    """Index a transcript's utterances and its highlights. Returns the number of documents.

    A transcript that is gone has nothing to index: its documents were listed before the
    delete and are removed by their own task.
    """
    if not Transcript.objects.filter(pk=transcript_id).exists():
        log.info("Search index: transcript %s no longer exists; nothing to index.", transcript_id)
        return 0
    documents = list(
        chain(
            transcript_documents([transcript_id]),
            source_highlight_documents(transcript_id=transcript_id),
        )
    )
    get_backend().index(documents)
    return len(documents)


def reindex_field_note(note_id: int) -> int:
    """Index a field note and its highlights, or remove the note's document if it is gone."""
    documents = list(field_note_documents([note_id]))
    if not documents:
        get_backend().remove([doc_id(Kind.FIELD_NOTE, note_id)])
        return 0
    documents.extend(source_highlight_documents(field_note_id=note_id))
    get_backend().index(documents)
    return len(documents)


def reindex_highlights(ids: Sequence[int]) -> int:
    """Index the highlights that exist and remove the documents of those that don't."""
    documents = list(highlight_documents(ids))
    found = {document.doc_id for document in documents}
    missing = [doc_id(Kind.HIGHLIGHT, pk) for pk in ids if doc_id(Kind.HIGHLIGHT, pk) not in found]
    backend = get_backend()
    if missing:
        backend.remove(missing)
    if documents:
        backend.index(documents)
    return len(documents)


def remove_documents(doc_ids: Sequence[str]) -> None:
    get_backend().remove(doc_ids)


def _chunks[T](items: Sequence[T], size: int) -> Iterable[list[T]]:
    for start in range(0, len(items), size):
        yield list(items[start : start + size])
