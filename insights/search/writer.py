"""The embedded set-up's index writer: one thread per server process that does the index work
of committed changes a moment after the request, in batches, instead of inside it.

Without a broker (Celery eager) each change's index task would run inside the request that
made it, and a Whoosh commit costs tens of milliseconds. The server of `make run`
(cxresearch.gunicorn_embedded) starts this writer in its worker process; from then on
scheduling._enqueue only wakes it. Management commands, `make dev` and the tests start none and
keep indexing inline.

The work itself is the outbox's: every change wrote its IndexOutbox rows in its own
transaction, and the writer drains them (indexing.drain_outbox), so nothing committed is lost
when the process stops first: the next start's first drain indexes it. A drain that fails
keeps its rows (attempts + 1) and the writer tries them again every IDLE_SECONDS.

After each drain the writer also warms the searcher (WhooshBackend.warm): it opens the index
and builds the document sets a search needs, so the first search of a new process, or after
a commit, does not spend its time limit on them.
"""

from __future__ import annotations

import logging
import threading

from django.db import close_old_connections, connection

from insights.search import backends, indexing

log = logging.getLogger("insights.search")

# After a wake-up, wait this long so a burst of saves becomes one index commit. What is saved
# is searchable about this long later (plus the commit), well within "a second or two".
BATCH_SECONDS = 0.25
# With nothing new, drain this often anyway: rows whose indexing failed are tried again.
IDLE_SECONDS = 30.0
STOP_SECONDS = 10.0


class IndexWriter:
    """Drains the outbox in a thread of its own whenever a change is committed."""

    def __init__(self) -> None:
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="search-index-writer", daemon=True)
        self._thread.start()

    def wake(self) -> None:
        """A change was committed: drain the outbox soon."""
        self._wake.set()

    def stop(self, timeout: float = STOP_SECONDS) -> None:
        """Drain what is committed once more, then end the thread."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def drain(self) -> indexing.DrainResult | None:
        """Index everything committed to the outbox, in the calling thread; None if it failed."""
        self._wake.clear()  # a wake-up from here on asks for another drain
        try:
            return indexing.drain_outbox()
        except Exception:
            log.exception("Search index: the writer could not drain the outbox.")
            return None

    def _run(self) -> None:
        try:
            while True:
                self._drain_and_disconnect()
                self._wake.wait(IDLE_SECONDS)
                if self._stop.is_set():
                    self._drain_and_disconnect()
                    return
                self._stop.wait(BATCH_SECONDS)
        finally:
            close_old_connections()

    def warm(self) -> None:
        """Prepare the searcher for the next search (backends.warm_backend), so the first
        search after the process starts, or after a commit, does not pay for opening it."""
        try:
            backends.warm_backend()
        except Exception:
            log.exception("Search index: the writer could not prepare the searcher.")

    def _drain_and_disconnect(self) -> None:
        self.drain()
        self.warm()
        # The thread's connection is not held between drains: idle, it would keep SQLite's
        # snapshot (WAL) or a PostgreSQL session open for nothing.
        connection.close()


_writer: IndexWriter | None = None


def start_writer() -> IndexWriter:
    """Start this process's writer (once); from now on committed changes only wake it."""
    global _writer
    if _writer is None:
        _writer = IndexWriter()
        _writer.start()
    return _writer


def stop_writer() -> None:
    global _writer
    if _writer is not None:
        writer, _writer = _writer, None
        writer.stop()


def running_writer() -> IndexWriter | None:
    return _writer
