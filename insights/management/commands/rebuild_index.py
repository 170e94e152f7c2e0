"""Rebuild the search index from the database: `manage.py rebuild_index`.

The database is the source of truth; this reads every utterance, field note and highlight
in batches and hands them to the backend's rebuild(), which builds a new index and swaps it
in, so searches keep working meanwhile. Run it after a deploy that changes the index's
fields, or when the index fell behind.

`rebuild_index --pending` only does the work waiting in the search outbox (changes whose
index task was never published, e.g. while the broker was down, or failed): what the
periodic drain does, for a deployment without Celery beat.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterable, Iterator
from typing import Any, Protocol

from django.core.management.base import BaseCommand, CommandError, CommandParser, OutputWrapper

from insights.search.backends import get_backend
from insights.search.base import IndexBusy, Kind, SearchDocument
from insights.search.documents import DEFAULT_BATCH_SIZE, all_documents, count_documents
from insights.search.indexing import drain_outbox

BAR_WIDTH = 30


class Rebuildable(Protocol):
    def rebuild(self, documents: Iterable[SearchDocument]) -> object: ...


class Progress:
    """`[#####.....] 12,000/50,000 documents`: redrawn in place on a terminal, else one line
    per batch (logs of a cron job or a deploy script stay readable)."""

    def __init__(self, out: OutputWrapper, total: int) -> None:
        self.out = out
        self.total = total
        self.tty = out.isatty()
        self.shown: int | None = None

    def show(self, done: int) -> None:
        if done == self.shown:
            return
        self.shown = done
        total = max(self.total, done)
        filled = BAR_WIDTH * done // total if total else BAR_WIDTH
        line = f"[{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {done:,}/{total:,} documents"
        if self.tty:
            self.out.write(f"\r{line}", ending="")
            self.out.flush()
        else:
            self.out.write(line)

    def finish(self, done: int) -> None:
        self.show(done)
        if self.tty:
            self.out.write("")


class Command(BaseCommand):
    help = "Rebuild the search index from the database (utterances, field notes, highlights)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--batch-size",
            type=int,
            default=DEFAULT_BATCH_SIZE,
            help=f"Rows read per query (default {DEFAULT_BATCH_SIZE:,}).",
        )
        parser.add_argument(
            "--pending",
            action="store_true",
            help="Only index the changes waiting in the outbox (not published or failed).",
        )

    def handle(self, *args: Any, batch_size: int, pending: bool, **options: Any) -> None:
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        if pending:
            self.drain()
            return
        backend: Rebuildable = get_backend()  # type: ignore[assignment]
        started = time.monotonic()
        progress = Progress(self.stdout, count_documents())
        kinds: Counter[str] = Counter()

        def documents() -> Iterator[SearchDocument]:
            for document in all_documents(batch_size=batch_size):
                kinds[document.kind] += 1
                done = kinds.total()
                if done % batch_size == 0:
                    progress.show(done)
                yield document

        progress.show(0)
        try:
            backend.rebuild(documents())
        except IndexBusy as error:
            raise CommandError(f"{error} Try again when it is done.") from error
        done = kinds.total()
        progress.finish(done)
        seconds = time.monotonic() - started
        counts = ", ".join(
            plural(kinds[kind], word)
            for kind, word in (
                (Kind.UTTERANCE, "utterance"),
                (Kind.FIELD_NOTE, "field note"),
                (Kind.HIGHLIGHT, "highlight"),
            )
        )
        self.stdout.write(
            self.style.SUCCESS(f"Indexed {plural(done, 'document')} ({counts}) in {seconds:.1f} s.")
        )

    def drain(self) -> None:
        result = drain_outbox()
        message = f"Indexed the pending changes of {plural(result.done, 'outbox row')}."
        if result.failed:
            raise CommandError(
                f"{message} {plural(result.failed, 'row')} failed again and stay in the outbox; "
                "the log says why."
            )
        self.stdout.write(self.style.SUCCESS(message))


def plural(count: int, word: str) -> str:
    return f"{count:,} {word}{'' if count == 1 else 's'}"
