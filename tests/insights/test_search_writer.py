"""The embedded set-up's index writer: a commit wakes it, it indexes outside the request.

Without a broker, a server running the writer (make run) leaves each change's index work in
the outbox and wakes the writer; the writer drains the outbox in its own thread. Nothing is
lost when the process stops before the writer ran: the next writer's first drain does it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from typing import Any

import pytest
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
from insights.search.writer import IndexWriter, running_writer
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


def test_a_commit_wakes_the_writer_and_the_request_writes_no_index(
    session: Session, committed: Committed, monkeypatch: pytest.MonkeyPatch
) -> None:
    writer = IndexWriter()  # not started: this test drains it by hand
    monkeypatch.setattr(writer_module, "_writer", writer)
    with committed():
        note = FieldNote.objects.create(session=session, text="Badge reader jams.")
    assert pending() == [("field_note", note.pk)]
    assert found("badge") == set()
    assert writer._wake.is_set()

    result = writer.drain()
    assert result is not None and (result.done, result.failed) == (1, 0)
    assert pending() == []
    assert found("badge") == {f"field_note:{note.pk}"}
    assert not writer._wake.is_set()


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
    writer = IndexWriter()
    monkeypatch.setattr(writer_module, "_writer", writer)
    with committed():
        note = FieldNote.objects.create(session=session, text="Badge reader jams.")

    def locked(*args: object) -> int:
        raise OSError("the index is on a full disk")

    with monkeypatch.context() as patch:
        patch.setattr("insights.search.indexing.reindex_field_note", locked)
        result = writer.drain()
    assert result is not None and result.failed == 1
    assert IndexOutbox.objects.get().attempts == 1

    writer.drain()
    assert pending() == []
    assert found("badge") == {f"field_note:{note.pk}"}


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_served_app_indexes_in_its_writer_and_a_restart_catches_up(
    project: ResearchProject, monkeypatch: pytest.MonkeyPatch
) -> None:
    session = make_session(project)
    # A process that stopped before its writer drained: the change is committed, not indexed.
    with monkeypatch.context() as patch:
        patch.setattr(writer_module, "_writer", IndexWriter())
        left = FieldNote.objects.create(session=session, text="Badge reader jams.")
    assert pending() == [("field_note", left.pk)]
    assert found("badge") == set()

    # gunicorn's worker starts the writer (make run): its first drain indexes what was left.
    gunicorn_embedded.post_worker_init(worker=None)
    assert running_writer() is not None
    wait_for_empty_outbox()
    assert found("badge") == {f"field_note:{left.pk}"}

    # A change committed while it runs is indexed by the writer, not the saving thread.
    new = FieldNote.objects.create(session=session, text="Printer is slow.")
    wait_for_empty_outbox()
    assert found("printer") == {f"field_note:{new.pk}"}

    gunicorn_embedded.worker_exit(server=None, worker=None)
    assert running_writer() is None


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_writer_warms_the_searcher_so_the_first_search_builds_nothing(
    project: ResearchProject, monkeypatch: pytest.MonkeyPatch
) -> None:
    session = make_session(project)
    with monkeypatch.context() as patch:
        patch.setattr(writer_module, "_writer", IndexWriter())
        left = FieldNote.objects.create(session=session, text="Badge reader jams.")
    warmed = threading.Event()
    warm_backend = backends.warm_backend

    def warm_and_tell() -> None:
        warm_backend()
        warmed.set()

    monkeypatch.setattr(backends, "warm_backend", warm_and_tell)
    built: list[object] = []
    bits_of = docsets.bits_of

    def counting_bits_of(docnums: Any) -> int:
        built.append(docnums)
        return bits_of(docnums)

    monkeypatch.setattr(docsets, "bits_of", counting_bits_of)

    gunicorn_embedded.post_worker_init(worker=None)
    wait_for_empty_outbox()
    assert warmed.wait(WAIT_SECONDS)
    built.clear()
    assert found("badge") == {f"field_note:{left.pk}"}
    assert built == []  # every document set the search needed was built by the writer
    gunicorn_embedded.worker_exit(server=None, worker=None)
