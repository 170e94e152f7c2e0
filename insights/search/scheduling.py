"""Scheduling search index work for committed changes (the signal handlers in
insights.search.signals call this module).

Each change writes an IndexOutbox row (the source, and for a deleted one the documents to
remove) in the same transaction as the change, so what is committed is never forgotten. Once
the transaction commits:

- With a broker (a team deployment), the change asks for one drain of the outbox
  (insights.tasks.index_pending) a moment later, unless one is asked for already that has not
  begun (indexing.claim_drain): a burst of changes is indexed in one batch.
- Without one (Celery eager), in a server that runs the index writer (`make run`), the writer
  is woken; it drains the outbox in batches too (insights.search.writer).
- Otherwise (the tests, `make dev`, management commands) one task per changed source (a
  transcript, a field note, a batch of highlights, a batch of removals) runs inline, each only
  once per transaction, carrying the outbox ids it settles.

Publishing never breaks the save that caused it: a broker that is down or never answers fails
fast (the socket timeouts and publish retry policy in settings), is logged, and publishing
pauses for BROKER_PAUSE_SECONDS so later saves do not each wait for it.

The tasks (insights.tasks) call insights.search.indexing to do the work; this module imports
the tasks and indexing imports neither, so there is no import cycle.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import chain
from typing import Any

from django.db import DEFAULT_DB_ALIAS, transaction

from insights import tasks
from insights.models import IndexOutbox
from insights.search.indexing import (
    DRAIN_DELAY_SECONDS,
    FIELD_NOTE,
    HIGHLIGHT,
    HIGHLIGHTS_PER_TASK,
    SOURCES,
    TRANSCRIPT,
    claim_drain,
    release_drain_claim,
)
from insights.search.writer import running_writer

log = logging.getLogger("insights.search")

REMOVALS_PER_TASK = 1000
# After a publish fails, leave the work in the outbox for this long instead of trying again on
# every save: a broker that never answers would otherwise cost each save the full timeout.
BROKER_PAUSE_SECONDS = 30.0


@dataclass
class _Changes:
    """What one transaction changed, and the outbox rows written for it; queued on commit."""

    index: dict[str, set[int]] = field(default_factory=lambda: {s: set() for s in SOURCES})
    deleted: dict[str, set[int]] = field(default_factory=lambda: {s: set() for s in SOURCES})
    # (source, pk) → the outbox rows written for it, and the marker callback of their write:
    # a rolled-back savepoint drops both the rows and the marker (see _still_registered).
    outbox: dict[tuple[str, int], list[int]] = field(default_factory=dict)
    markers: dict[tuple[str, int], Callable[[], None]] = field(default_factory=dict)
    # Outbox rows of deletions: (row id, the documents it removes).
    removal_rows: list[tuple[int, list[str]]] = field(default_factory=list)
    flushed: bool = False
    callback: Callable[[], None] | None = None

    def flush(self) -> None:
        self.flushed = True
        _enqueue(self)


def schedule_index(source: str, pks: Iterable[int], *, using: str = DEFAULT_DB_ALIAS) -> None:
    """Reindex these transcripts, field notes or highlights once the transaction commits."""
    pks = [pk for pk in pks if pk is not None]
    if pks:
        _record(source, pks, removals=None, using=using)


def schedule_removal(
    source: str, pk: int, doc_ids: Iterable[str], *, using: str = DEFAULT_DB_ALIAS
) -> None:
    """Remove a deleted source's documents once the transaction commits (and skip reindexing it)."""
    _record(source, [pk], removals=list(doc_ids), using=using)


_suspended = threading.local()


@contextmanager
def suspended() -> Iterator[None]:
    """Queue no index updates for changes made inside, in this thread.

    For bulk loads (seed_demo, large imports, restore) that run `rebuild_index` afterwards:
    one rebuild is much cheaper than an index commit per saved row.
    """
    before = getattr(_suspended, "on", False)
    _suspended.on = True
    try:
        yield
    finally:
        _suspended.on = before


def _record(source: str, pks: list[int], *, removals: list[str] | None, using: str) -> None:
    if getattr(_suspended, "on", False):
        return
    connection = transaction.get_connection(using)
    if not connection.in_atomic_block:
        # Autocommit: the change is already committed; note it and publish at once.
        committed = _Changes()
        _write_outbox(committed, source, pks, removals, using=using, connection=None)
        _safe(committed.flush)()
        return
    changes: _Changes | None = getattr(connection, "_search_changes", None)
    if changes is None or changes.flushed or not _still_registered(connection, changes.callback):
        # The first change of this transaction (or the last one's callback was discarded by
        # a rollback): start a new set and queue it on commit.
        changes = _Changes()
        changes.callback = _safe(changes.flush)
        connection._search_changes = changes
        transaction.on_commit(changes.callback, using=using, robust=True)
    _write_outbox(changes, source, pks, removals, using=using, connection=connection)


def _write_outbox(
    changes: _Changes,
    source: str,
    pks: list[int],
    removals: list[str] | None,
    *,
    using: str,
    connection: Any,
) -> None:
    """Write the outbox rows of a change in the current transaction, and note them in changes.

    A source already written in this transaction gets no second row, unless the savepoint
    that wrote it was rolled back. A deletion always gets its own row with its documents.
    """
    if removals is not None:
        (pk,) = pks
        row = IndexOutbox.objects.using(using).create(
            source=source, source_id=pk, removals=removals
        )
        changes.deleted[source].add(pk)
        changes.removal_rows.append((row.pk, removals))
        return
    new = [
        pk
        for pk in dict.fromkeys(pks)
        if (source, pk) not in changes.markers
        or not _still_registered(connection, changes.markers[(source, pk)])
    ]
    changes.index[source].update(pks)
    if not new:
        return
    rows = IndexOutbox.objects.using(using).bulk_create(
        IndexOutbox(source=source, source_id=pk) for pk in new
    )
    marker = _marker() if connection is not None else None
    if marker is not None:
        transaction.on_commit(marker, using=using)
    for pk, row in zip(new, rows, strict=True):
        changes.outbox.setdefault((source, pk), []).append(row.pk)
        if marker is not None:
            changes.markers[(source, pk)] = marker


def _marker() -> Callable[[], None]:
    def outbox_rows_written() -> None:
        """Does nothing on commit: while it is registered, the rows it marks still exist."""

    return outbox_rows_written


def _still_registered(connection: object, callback: Callable[[], None] | None) -> bool:
    # A rolled-back savepoint drops the callbacks registered inside it from run_on_commit.
    if connection is None:
        return True
    pending = getattr(connection, "run_on_commit", [])
    return any(registered is callback for _sids, registered, _robust in pending)


def _safe(flush: Callable[[], None]) -> Callable[[], None]:
    def flush_search_changes() -> None:
        try:
            flush()
        except Exception:
            log.exception("Search index: could not queue the index updates of a change.")

    return flush_search_changes


_paused_until = 0.0


def resume_publishing() -> None:
    """Forget an earlier publish failure, so the next change publishes at once (tests)."""
    global _paused_until
    _paused_until = 0.0


def _enqueue(changes: _Changes) -> None:
    """Have the index work of a committed set of changes done; log, never raise, on failure.

    With a broker, ask for a drain (_ask_for_drain). Without one, in a server that runs the
    index writer (insights.search.writer), wake the writer: it indexes the outbox rows these
    changes wrote, outside the request. Otherwise run each source's task inline.
    """
    if not tasks.index_transcript.app.conf.task_always_eager:
        _ask_for_drain(changes)
        return
    writer = running_writer()
    if writer is not None:
        writer.wake()
        return

    def outbox_of(source: str, pks: Iterable[int]) -> list[int]:
        return sorted(chain.from_iterable(changes.outbox.get((source, pk), []) for pk in pks))

    transcripts = sorted(changes.index[TRANSCRIPT] - changes.deleted[TRANSCRIPT])
    notes = sorted(changes.index[FIELD_NOTE] - changes.deleted[FIELD_NOTE])
    highlights = sorted(changes.index[HIGHLIGHT] - changes.deleted[HIGHLIGHT])
    # A deleted source's own index rows are settled by its removal.
    deleted_rows = sorted(
        chain.from_iterable(outbox_of(source, changes.deleted[source]) for source in SOURCES)
    )
    calls: list[tuple[Any, tuple[object, ...], list[int]]] = []
    for number, (doc_ids, outbox) in enumerate(_removal_batches(changes.removal_rows)):
        if number == 0:
            outbox = sorted(outbox + deleted_rows)
        calls.append((tasks.remove_documents, (doc_ids,), outbox))
    calls += [(tasks.index_transcript, (pk,), outbox_of(TRANSCRIPT, [pk])) for pk in transcripts]
    calls += [(tasks.index_field_note, (pk,), outbox_of(FIELD_NOTE, [pk])) for pk in notes]
    if len(highlights) == 1:
        calls.append((tasks.index_highlight, (highlights[0],), outbox_of(HIGHLIGHT, highlights)))
    else:
        calls.extend(
            (tasks.index_highlights, (chunk,), outbox_of(HIGHLIGHT, chunk))
            for chunk in _chunks(highlights, HIGHLIGHTS_PER_TASK)
        )

    for task, args, outbox in calls:
        try:
            task.delay(*args, outbox=outbox)
        except Exception:
            # The task ran inline (no broker) and failed, e.g. the index stayed locked.
            log.exception(
                "Search index: %s%r failed; its outbox rows stay until "
                "`manage.py rebuild_index --pending` runs.",
                task.name,
                args,
            )


def _ask_for_drain(changes: _Changes) -> None:
    """Publish insights.tasks.index_pending, to run DRAIN_DELAY_SECONDS from now, unless a drain
    is asked for already and has not begun reading the outbox: it will read these rows, which
    are committed. Most changes of a burst so cost the request one cache round trip."""
    global _paused_until
    rows = len(list(chain.from_iterable(changes.outbox.values()))) + len(changes.removal_rows)
    if time.monotonic() < _paused_until:
        log.warning(
            "Search index: the broker was unreachable a moment ago; the index work of %d "
            "change(s) waits in the outbox for the periodic drain.",
            rows,
        )
        return
    claimed = False
    try:
        claimed = claim_drain()
        if claimed:
            tasks.index_pending.apply_async(countdown=DRAIN_DELAY_SECONDS)
    except Exception:
        if claimed:
            # No drain is coming: the next change (after the pause) must ask again.
            with contextlib.suppress(Exception):
                release_drain_claim()
        _paused_until = time.monotonic() + BROKER_PAUSE_SECONDS
        log.exception(
            "Search index: could not queue the index work of %d change(s); it waits in the "
            "outbox for the periodic drain.",
            rows,
        )


def _removal_batches(rows: list[tuple[int, list[str]]]) -> Iterator[tuple[list[str], list[int]]]:
    """Removal rows grouped into tasks of about REMOVALS_PER_TASK documents, never splitting a
    row: a row is settled only by the task that removes all of its documents."""
    doc_ids: list[str] = []
    outbox: list[int] = []
    for row_id, removals in rows:
        if doc_ids and len(doc_ids) + len(removals) > REMOVALS_PER_TASK:
            yield doc_ids, outbox
            doc_ids, outbox = [], []
        doc_ids.extend(removals)
        outbox.append(row_id)
    if outbox:
        yield doc_ids, outbox


def _chunks[T](items: Sequence[T], size: int) -> Iterable[list[T]]:
    for start in range(0, len(items), size):
        yield list(items[start : start + size])
