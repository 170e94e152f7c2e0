"""The embedded set-up's index writer: a commit wakes it, it indexes outside the request.

Without a broker, a server running the writer (make run) leaves each change's index work in
the outbox and wakes the writer, a process of its own, which drains the outbox. Nothing is
lost when a process stops before the writer ran: the next writer's first drain does it.

The tests' database lives in this process (in memory), so the writer's loop (serve) runs in a
thread here, fed through a pipe as the real one is; the process handling (WriterProcess) is
tested with a stand-in command.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from typing import Any

import pytest
from django.core.management import call_command
from pytest_django import DjangoCaptureOnCommitCallbacks, Settings

from cxresearch import gunicorn_embedded
from cxresearch.celery import app as celery_app
from insights.models import IndexOutbox
from insights.search import backends
from insights.search import writer as writer_module
from insights.search.backends import get_backend, reset_backend
from insights.search.base import Filters
from insights.search.query import parse_query
from insights.search.whoosh import docsets
from insights.search.writer import (
    SearcherWarmer,
    WriterProcess,
    running_warmer,
    running_writer,
    serve,
)
from interviews.models import FieldNote, ResearchProject, Session
from tests.factories import make_session

Committed = Callable[[], AbstractContextManager[list[Callable[[], object]]]]
# Only a bound on a wait, never asserted as a speed: a stuck writer fails the test instead of
# hanging it.
WAIT_SECONDS = 30


@pytest.fixture(autouse=True)
def whoosh(settings: Settings) -> None:
    settings.SEARCH_BACKEND = "whoosh"
    reset_backend()


@pytest.fixture(autouse=True)
def eager() -> Iterator[None]:
    conf = celery_app.conf
    before = conf.task_always_eager
    conf.task_always_eager = True
    yield
    conf.task_always_eager = before


@pytest.fixture(autouse=True)
def no_writer_left() -> Iterator[None]:
    yield
    writer_module.stop_writer()


@pytest.fixture
def committed(django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks) -> Committed:
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def session(project: ResearchProject) -> Session:
    return make_session(project)


def found(words: str) -> set[str]:
    results = get_backend().search(
        parse_query(words),
        project_ids=list(ResearchProject.objects.values_list("pk", flat=True)),
        filters=Filters(),
        limit=100,
    )
    return {hit.doc_id for hit in results.hits}


def pending() -> list[tuple[str, int]]:
    return list(IndexOutbox.objects.order_by("pk").values_list("source", "source_id"))


def wait_for_empty_outbox() -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while pending():
        if time.monotonic() > deadline:
            pytest.fail(f"the writer left {pending()} in the outbox")
        time.sleep(0.05)


class Woken:
    """Stands in for the writer process: counts its wake-ups."""

    def __init__(self) -> None:
        self.wakes = 0

    def wake(self) -> None:
        self.wakes += 1

    def stop(self) -> None:
        pass


# Reads its standard input until it closes, as the real writer does, then exits.
UNTIL_STDIN_CLOSES = [sys.executable, "-c", "import sys; sys.stdin.buffer.read()"]


def test_a_commit_wakes_the_writer_and_the_request_writes_no_index(
    session: Session, committed: Committed, monkeypatch: pytest.MonkeyPatch
) -> None:
    woken = Woken()
    monkeypatch.setattr(writer_module, "_writer", woken)
    with committed():
        note = FieldNote.objects.create(session=session, text="Badge reader jams.")
    assert pending() == [("field_note", note.pk)]
    assert found("badge") == set()
    assert woken.wakes == 1

    result = writer_module.drain()
    assert result is not None and (result.done, result.failed) == (1, 0)
    assert pending() == []
    assert found("badge") == {f"field_note:{note.pk}"}


def test_without_a_writer_the_index_is_written_inline(
    session: Session, committed: Committed
) -> None:
    assert running_writer() is None
    with committed():
        note = FieldNote.objects.create(session=session, text="Badge reader jams.")
    assert pending() == []
    assert found("badge") == {f"field_note:{note.pk}"}


def test_a_failed_drain_keeps_the_rows_for_the_next(
    session: Session, committed: Committed, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(writer_module, "_writer", Woken())
    with committed():
        note = FieldNote.objects.create(session=session, text="Badge reader jams.")

    def locked(*args: object) -> int:
        raise OSError("the index is on a full disk")

    with monkeypatch.context() as patch:
        patch.setattr("insights.search.indexing.reindex_field_note", locked)
        result = writer_module.drain()
    assert result is not None and result.failed == 1
    assert IndexOutbox.objects.get().attempts == 1

    writer_module.drain()
    assert pending() == []
    assert found("badge") == {f"field_note:{note.pk}"}


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_writer_catches_up_indexes_each_wake_up_and_ends_with_its_pipe(
    project: ResearchProject, monkeypatch: pytest.MonkeyPatch
) -> None:
    session = make_session(project)
    # A server that stopped before its writer drained: the change is committed, not indexed.
    with monkeypatch.context() as patch:
        patch.setattr(writer_module, "_writer", Woken())
        left = FieldNote.objects.create(session=session, text="Badge reader jams.")
    assert pending() == [("field_note", left.pk)]
    assert found("badge") == set()

    # The writer's loop, fed through a pipe as manage.py index_writer is: its first drain
    # indexes what was left.
    wakes, wake_end = os.pipe()
    loop = threading.Thread(target=serve, args=(wakes,), daemon=True)
    loop.start()
    wait_for_empty_outbox()
    assert found("badge") == {f"field_note:{left.pk}"}

    # A change and its wake-up: indexed by the writer, not the saving thread.
    with monkeypatch.context() as patch:
        patch.setattr(writer_module, "_writer", Woken())
        new = FieldNote.objects.create(session=session, text="Printer is slow.")
    assert pending() == [("field_note", new.pk)]
    os.write(wake_end, writer_module.WAKE)
    wait_for_empty_outbox()
    assert found("printer") == {f"field_note:{new.pk}"}

    # A change committed just before the server closes the pipe is still indexed.
    with monkeypatch.context() as patch:
        patch.setattr(writer_module, "_writer", Woken())
        last = FieldNote.objects.create(session=session, text="Scanner is offline.")
    os.close(wake_end)
    loop.join(WAIT_SECONDS)
    assert not loop.is_alive()
    assert pending() == []
    assert found("scanner") == {f"field_note:{last.pk}"}
    os.close(wakes)


def test_the_writer_process_stops_when_its_pipe_closes(settings: Settings) -> None:
    writer = WriterProcess(UNTIL_STDIN_CLOSES)
    writer.start()
    writer.wake()
    process = writer._process
    assert process is not None and process.poll() is None
    writer.stop()
    assert process.returncode == 0
    writer.wake()  # stopped: nothing to wake, nothing started
    assert writer._process is None


def test_a_writer_process_that_died_is_started_again_by_the_next_wake_up() -> None:
    writer = WriterProcess([sys.executable, "-c", "pass"])
    writer.start()
    first = writer._process
    assert first is not None
    first.wait(WAIT_SECONDS)
    writer._command = UNTIL_STDIN_CLOSES
    writer.wake()
    assert writer._process is not first and writer.pid != first.pid
    writer.stop()


def test_the_server_starts_its_writer_and_warms_its_searcher(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(writer_module, "writer_command", lambda: UNTIL_STDIN_CLOSES)
    warmed: list[bool] = []
    monkeypatch.setattr(backends, "warm_backend", lambda: warmed.append(True))

    gunicorn_embedded.post_worker_init(worker=None)
    writer = running_writer()
    assert writer is not None and writer.pid is not None
    assert warmed == [True]
    process = writer._process
    gunicorn_embedded.worker_exit(server=None, worker=None)
    assert running_writer() is None
    assert process is not None and process.returncode == 0


def test_the_warmer_waits_for_a_pause_between_requests(monkeypatch: pytest.MonkeyPatch) -> None:
    warmed: list[bool] = []
    monkeypatch.setattr(backends, "warm_backend", lambda: warmed.append(True))
    warmer = SearcherWarmer()
    warmer.request_started()
    assert not warmer.warm_if_idle()  # a request is running
    warmer.request_finished()
    assert not warmer.warm_if_idle()  # it just ended: another may follow at once
    warmer.IDLE_SECONDS = 0.0
    assert warmer.warm_if_idle()
    assert warmed == [True]


def test_the_server_counts_its_requests_for_the_warmer(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(writer_module, "writer_command", lambda: UNTIL_STDIN_CLOSES)
    monkeypatch.setattr(backends, "warm_backend", lambda: None)
    gunicorn_embedded.post_worker_init(worker=None)
    warmer = running_warmer()
    assert warmer is not None
    warmer.IDLE_SECONDS = 0.0
    gunicorn_embedded.pre_request(worker=None, req=None)
    assert not warmer.idle()
    gunicorn_embedded.post_request(worker=None, req=None, environ=None, resp=None)
    assert warmer.idle()
    gunicorn_embedded.worker_exit(server=None, worker=None)
    assert running_warmer() is None


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_after_the_writer_commits_the_warmer_builds_what_the_next_search_needs(
    project: ResearchProject, monkeypatch: pytest.MonkeyPatch
) -> None:
    session = make_session(project)
    first = FieldNote.objects.create(session=session, text="Badge reader jams.")
    assert found("badge") == {f"field_note:{first.pk}"}  # this process's searcher is open
    # The writer process commits a change: this process's searcher is now out of date.
    with monkeypatch.context() as patch:
        patch.setattr(writer_module, "_writer", Woken())
        second = FieldNote.objects.create(session=session, text="Badge printer is slow.")
    writer_module.drain()

    built: list[object] = []
    bits_of = docsets.bits_of

    def counting_bits_of(docnums: Any) -> int:
        built.append(docnums)
        return bits_of(docnums)

    monkeypatch.setattr(docsets, "bits_of", counting_bits_of)
    warmer = SearcherWarmer()
    warmer.IDLE_SECONDS = 0.0
    assert warmer.warm_if_idle()
    assert built != []  # the new searcher's document sets, built between requests
    built.clear()
    assert found("badge") == {f"field_note:{first.pk}", f"field_note:{second.pk}"}
    assert built == []  # so the search built none


def test_the_writer_command_lowers_its_priority_before_it_serves(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from insights.management.commands import index_writer

    calls: list[tuple[str, int]] = []
    monkeypatch.setattr(os, "nice", lambda by: calls.append(("nice", by)))
    monkeypatch.setattr(index_writer, "serve", lambda fd: calls.append(("serve", fd)))

    class Pipe:
        def fileno(self) -> int:
            return 7

    monkeypatch.setattr(sys, "stdin", Pipe())

    call_command("index_writer")

    assert calls == [("nice", writer_module.NICENESS), ("serve", 7)]
    assert writer_module.NICENESS > 0
