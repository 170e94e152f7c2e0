"""The embedded set-up's index writer: a process of its own beside the web server's, which does
the index work of committed changes a moment after the request, in batches, instead of inside
it.

Without a broker (Celery eager) each change's index task would run inside the request that
made it, and a Whoosh commit costs tens to hundreds of milliseconds (a merge). The server of
`make run` (cxresearch.gunicorn_embedded) starts the writer from its worker (start_writer); from
then on scheduling._enqueue only wakes it. Management commands, `make dev` and the tests start
none and keep indexing inline.

Why a process and not a thread of the worker: a thread's indexing held the GIL while the next
request waited for it, which doubled the highlight POST's p95 over HTTP.

1. The worker starts `manage.py index_writer` with a pipe as its standard input. Waking it is
   writing a byte to that pipe (no waiting: a full pipe has a wake-up pending already).
2. The writer (serve) drains the outbox (indexing.drain_outbox), then waits for a byte; on one,
   it waits BATCH_SECONDS more so a burst of saves becomes one index commit, and drains again.
   With nothing new it drains every IDLE_SECONDS anyway: rows whose indexing failed are tried
   again.
3. When the pipe closes (the worker stops, or dies: the kernel closes it), the writer drains
   once more and exits, so it never outlives its server. A writer that died is started again
   by the next wake-up.

The work itself is the outbox's: every change wrote its IndexOutbox rows in its own
transaction, and the writer drains them, so nothing committed is lost when either process stops
first: the next writer's first drain indexes it. The web process's searcher notices a commit
by itself (WhooshBackend._searcher checks the index is up to date) and opens the new one; a
SearcherWarmer does that between requests, so a search rarely has to.
"""

from __future__ import annotations

import contextlib
import logging
import os
import select
import subprocess
import sys
import threading
import time

from django.conf import settings
from django.db import connection

from insights.search import backends, indexing

log = logging.getLogger("insights.search")

# After a wake-up, wait this long so a burst of saves becomes one index commit: as long as a
# deployment with a broker waits before its drain (what is saved is searchable about this long
# later, plus the commit: "within a second or two"). A commit is then rarely under way while
# the next click's request runs: under 0.25 s, a burst of clicks met four commits a second.
BATCH_SECONDS = indexing.DRAIN_DELAY_SECONDS
# With nothing new, drain this often anyway: rows whose indexing failed are tried again.
IDLE_SECONDS = 30.0
# How long a stopping server waits for the writer's last drain.
STOP_SECONDS = 10.0
WAKE = b"w"
# The writer runs at a lower CPU priority than the server: when the machine is busy (a laptop
# with its browser, a second import), the next request goes first and indexing waits.
NICENESS = 10


def drain() -> indexing.DrainResult | None:
    """Index everything committed to the outbox; None if it failed (the rows stay)."""
    try:
        return indexing.drain_outbox()
    except Exception:
        log.exception("Search index: the writer could not drain the outbox.")
        return None


def _drain_and_disconnect() -> None:
    drain()
    # The connection is not held between drains: idle, it would keep a PostgreSQL session
    # open for nothing.
    connection.close()


def _read_wakes(fd: int) -> bool:
    """Swallow the wake-ups waiting in the pipe; False when it is closed (the server left)."""
    try:
        return bool(os.read(fd, 65536))
    except BlockingIOError:
        return True


def serve(fd: int, *, idle_seconds: float = IDLE_SECONDS) -> None:
    """The writer's loop (manage.py index_writer): drain, wait for a wake-up on `fd`, drain…
    until `fd` reaches its end; then drain once more and return."""
    os.set_blocking(fd, False)
    while True:
        _drain_and_disconnect()
        ready, _, _ = select.select([fd], [], [], idle_seconds)
        if not ready:
            continue  # the idle drain
        open_ = _read_wakes(fd)
        if open_:
            time.sleep(BATCH_SECONDS)
            # Changes that woke the writer meanwhile are committed already: this drain
            # takes them too.
            open_ = _read_wakes(fd)
        if not open_:
            _drain_and_disconnect()
            return


def writer_command() -> list[str]:
    return [sys.executable, str(settings.BASE_DIR / "manage.py"), "index_writer"]


class WriterProcess:
    """The server's handle on its writer process: start it, wake it, stop it."""

    def __init__(self, command: list[str] | None = None) -> None:
        self._command = command or writer_command()
        self._process: subprocess.Popen[bytes] | None = None
        self._restart_lock = threading.Lock()

    def start(self) -> None:
        self._process = subprocess.Popen(  # noqa: S603 - our own command, no shell
            self._command,
            stdin=subprocess.PIPE,
            cwd=settings.BASE_DIR,
            # Out of the terminal's process group: Ctrl-C stops the server, whose pipe then
            # closes, and the writer drains once more instead of dying half-way.
            start_new_session=True,
        )
        assert self._process.stdin is not None
        os.set_blocking(self._process.stdin.fileno(), False)

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

    def wake(self) -> None:
        """A change was committed: have the writer drain the outbox soon (never blocks on
        the writer; a restart waits for the server's other threads)."""
        process = self._process
        if process is None or process.stdin is None:
            return
        if process.poll() is not None:
            with self._restart_lock:  # two request threads may find it dead at once
                if self._process is process:
                    log.warning(
                        "Search index: the writer process ended (%s); starting it again.",
                        process.returncode,
                    )
                    self._close_pipe(process)
                    self.start()
            return  # a new writer drains everything first
        # A full pipe holds wake-ups the writer has not read yet; a broken one, a writer that
        # is ending: the next wake-up starts a new one.
        with contextlib.suppress(BlockingIOError, BrokenPipeError):
            os.write(process.stdin.fileno(), WAKE)

    def stop(self, timeout: float = STOP_SECONDS) -> None:
        """Close the pipe: the writer drains what is committed once more, then exits."""
        process, self._process = self._process, None
        if process is None:
            return
        self._close_pipe(process)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            log.warning("Search index: the writer did not stop in time; killing it.")
            process.kill()
            process.wait()

    @staticmethod
    def _close_pipe(process: subprocess.Popen[bytes]) -> None:
        if process.stdin is not None:
            with contextlib.suppress(BrokenPipeError):
                process.stdin.close()


class SearcherWarmer:
    """Keeps the web process's searcher ready for the next search, between requests.

    The writer process commits to the index; this process's searcher is then out of date,
    and the next search would open the new one and build its document sets (about 15 ms at
    small scale). A thread checks every CHECK_SECONDS and does that work when no request
    has run for IDLE_SECONDS, so it never takes the GIL from a request in a burst of clicks.
    With nothing new, the check costs well under a millisecond.
    """

    CHECK_SECONDS = 1.0
    IDLE_SECONDS = 0.5

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._running = 0
        self._last_end = 0.0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def request_started(self) -> None:
        with self._lock:
            self._running += 1

    def request_finished(self) -> None:
        with self._lock:
            self._running -= 1
            self._last_end = time.monotonic()

    def idle(self) -> bool:
        with self._lock:
            return not self._running and time.monotonic() - self._last_end >= self.IDLE_SECONDS

    def warm_if_idle(self) -> bool:
        if not self.idle():
            return False
        try:
            backends.warm_backend()
        except Exception:
            log.exception("Search index: could not prepare the searcher.")
        return True

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="search-warmer", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(STOP_SECONDS)

    def _run(self) -> None:
        while not self._stop.wait(self.CHECK_SECONDS):
            self.warm_if_idle()


_writer: WriterProcess | None = None
_warmer: SearcherWarmer | None = None


def start_writer(command: list[str] | None = None) -> WriterProcess:
    """Start this server's writer process (once); from now on committed changes only wake it.

    Also prepares this process's searcher, so the first search after the start is not the
    one that opens the index."""
    global _writer, _warmer
    if _writer is None:
        _writer = WriterProcess(command)
        _writer.start()
        try:
            backends.warm_backend()
        except Exception:
            log.exception("Search index: could not prepare the searcher.")
        _warmer = SearcherWarmer()
        _warmer.start()
    return _writer


def stop_writer() -> None:
    global _writer, _warmer
    if _warmer is not None:
        warmer, _warmer = _warmer, None
        warmer.stop()
    if _writer is not None:
        writer, _writer = _writer, None
        writer.stop()


def running_warmer() -> SearcherWarmer | None:
    return _warmer


def running_writer() -> WriterProcess | None:
    return _writer
