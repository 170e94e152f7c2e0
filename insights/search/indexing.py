"""Keeping the search index in step with the database: the work itself.

Scheduling that work when a change commits lives in insights.search.scheduling, which
publishes the tasks of insights.tasks; the tasks call this module, which imports neither, so
the three never form an import cycle (an import-linter contract in pyproject.toml, run by
`make check`, forbids it). Parts here:

- What a change affects: the one-query lookups the signal handlers use to name sources.
- Reindexing, called by the thin tasks in insights.tasks: load by id, build the documents
  (insights.search.documents), write them to the backend, delete the outbox rows. A source
  that no longer exists has its documents removed, so running a task twice, or late, is
  harmless.
- Draining: drain_outbox() does the work the outbox holds: for a deployment with a broker, a
  moment after a change commits (insights.tasks.index_pending, which scheduling asks for);
  for the embedded set-up's writer (insights.search.writer); and what was left behind (never
  published, or failed) for the periodic task insights.tasks.drain_index_outbox and
  `manage.py rebuild_index --pending`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from functools import partial
from itertools import chain

from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import F, Max
from django.utils import timezone

from insights.models import Highlight, IndexOutbox
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

TRANSCRIPT = IndexOutbox.Source.TRANSCRIPT.value
FIELD_NOTE = IndexOutbox.Source.FIELD_NOTE.value
HIGHLIGHT = IndexOutbox.Source.HIGHLIGHT.value
SOURCES = (TRANSCRIPT, FIELD_NOTE, HIGHLIGHT)

# Highlights per task, and per batch of the drain.
HIGHLIGHTS_PER_TASK = 500
# The periodic drain leaves younger rows to the tasks that were published for them.
DRAIN_GRACE = dt.timedelta(minutes=2)


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


def outbox_settle(outbox_ids: Sequence[int]) -> None:
    """Delete the outbox rows of work that is done (a task calls this after it succeeded)."""
    if outbox_ids:
        IndexOutbox.objects.filter(pk__in=list(outbox_ids)).delete()


# --- Asking for a drain (a deployment with a broker) -------------------------------------------
# A committed change asks for insights.tasks.index_pending, DRAIN_DELAY_SECONDS later, unless
# a drain was asked for already and has not begun: that one takes the change's rows too. A
# burst of clicks is then indexed in one batch, one commit, instead of a task and two commits
# each, while the next click's request runs. The claim lives in the cache (Redis, shared by
# every web process and worker of a team deployment).

DRAIN_CLAIM_KEY = "insights:search:drain-asked"
# A change is searchable about this long after it commits (plus the drain): "found by search
# within a second or two".
DRAIN_DELAY_SECONDS = 1.0
# How long a claim holds if its task is never run (a worker lost it): after this the next
# change asks again. A drain still queued behind long work is not harmed: a second one, asked
# for meanwhile, finds little or nothing to do.
DRAIN_CLAIM_SECONDS = 10


def claim_drain() -> bool:
    """True when this change must ask for a drain: none is asked for that has not begun."""
    return bool(cache.add(DRAIN_CLAIM_KEY, 1, timeout=DRAIN_CLAIM_SECONDS))


def release_drain_claim() -> None:
    """A drain begins (before it reads the outbox): later changes ask for one of their own."""
    cache.delete(DRAIN_CLAIM_KEY)


# --- Draining what was left in the outbox --------------------------------------------------------


@dataclass(frozen=True)
class DrainResult:
    done: int  # outbox rows whose work was done and which were deleted
    failed: int  # rows whose work failed again: kept, with one more attempt counted


def drain_outbox(
    *,
    older_than: dt.timedelta = dt.timedelta(0),
    batch_size: int = HIGHLIGHTS_PER_TASK,
    retry_failed: bool = True,
) -> DrainResult:
    """Do the work of every outbox row at least `older_than` old, oldest first, in batches.

    Rows written while this runs are left for the next drain, so it always ends. A source
    whose indexing fails keeps its rows (attempts + 1, last_error) and the rest go on.
    `retry_failed=False` leaves rows that failed before to the periodic drain: the drain a
    change asks for (insights.tasks.index_pending) then never repeats a failure each time.

    Without `older_than` the rows are bounded by id, not by time: a row is taken when it was
    committed before the drain read it, whatever the clock of the process that wrote it said.
    """
    rows_to_do = IndexOutbox.objects.all()
    if older_than:
        rows_to_do = rows_to_do.filter(created_at__lte=timezone.now() - older_than)
    else:
        newest = IndexOutbox.objects.aggregate(newest=Max("pk"))["newest"]
        if newest is None:
            return DrainResult(done=0, failed=0)
        rows_to_do = rows_to_do.filter(pk__lte=newest)
    if not retry_failed:
        rows_to_do = rows_to_do.filter(attempts=0)
    done = failed = 0
    last = 0
    while True:
        rows = list(rows_to_do.filter(pk__gt=last).order_by("pk")[:batch_size])
        if not rows:
            return DrainResult(done=done, failed=failed)
        last = rows[-1].pk
        batch_done, batch_failed = _work_off(rows)
        done += batch_done
        failed += batch_failed


def _one_transaction() -> AbstractContextManager[object]:
    """The transaction a batch's index writes and outbox deletes share, on PostgreSQL: one
    commit (a WAL flush, ~4 ms on a small server) for the batch instead of two per source.

    SQLite has one write lock for the whole database, taken when a transaction begins
    (settings.DATABASES): held while the batch is read and a Whoosh index commits, it would
    stop every request that writes. There each statement commits on its own, as before.
    """
    if connection.vendor == "sqlite":
        return contextlib.nullcontext()
    return transaction.atomic()


def _savepoint() -> AbstractContextManager[object]:
    """One source's work inside the batch's transaction: a failure rolls back only its own."""
    if connection.in_atomic_block:
        return transaction.atomic()
    return contextlib.nullcontext()


def _work_off(rows: Sequence[IndexOutbox]) -> tuple[int, int]:
    """Remove, reindex and settle a batch of outbox rows; returns (done, failed)."""
    with _one_transaction():
        return _work_off_rows(rows)


def _work_off_rows(rows: Sequence[IndexOutbox]) -> tuple[int, int]:
    errors: dict[int, str] = {}

    def attempt(work: Callable[[], object], row_ids: Iterable[int]) -> None:
        try:
            with _savepoint():
                work()
        except Exception as error:
            log.exception("Search index: outbox work for rows %s failed.", sorted(row_ids))
            for row_id in row_ids:
                errors[row_id] = f"{type(error).__name__}: {error}"[:300]

    removal_rows = [row for row in rows if row.removals]
    if removal_rows:
        doc_ids = list(dict.fromkeys(chain.from_iterable(row.removals for row in removal_rows)))
        attempt(lambda: get_backend().remove(doc_ids), [row.pk for row in removal_rows])
    by_source: dict[str, dict[int, list[int]]] = defaultdict(lambda: defaultdict(list))
    for row in rows:
        by_source[row.source][row.source_id].append(row.pk)
    for pk, row_ids in sorted(by_source[TRANSCRIPT].items()):
        attempt(partial(reindex_transcript, pk), row_ids)
    for pk, row_ids in sorted(by_source[FIELD_NOTE].items()):
        attempt(partial(reindex_field_note, pk), row_ids)
    highlights = sorted(by_source[HIGHLIGHT])
    if highlights:
        row_ids = list(chain.from_iterable(by_source[HIGHLIGHT].values()))
        attempt(lambda: reindex_highlights(highlights), row_ids)

    finished = [row.pk for row in rows if row.pk not in errors]
    outbox_settle(finished)
    by_error: dict[str, list[int]] = defaultdict(list)
    for row_id, message in errors.items():
        by_error[message].append(row_id)
    for message, row_ids in by_error.items():
        IndexOutbox.objects.filter(pk__in=row_ids).update(
            attempts=F("attempts") + 1, last_error=message
        )
    return len(finished), len(errors)
