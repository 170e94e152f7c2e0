"""A real Celery worker, fed through Redis, keeps the search index current.

Everything else in the suite runs tasks eagerly; this test proves the deployed path: a save
commits, its on_commit hook asks for a drain of the search outbox (a task published to Redis,
to run a moment later), a worker consuming the "search" and "celery" queues picks it up and
writes the index. The worker and its Redis come from
tests/workers.py (skipped without Redis, except in CI).
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator

import pytest
from celery import Celery
from pytest_django import Settings

from insights.models import IndexOutbox
from insights.search import indexing
from insights.search.backends import get_backend, reset_backend
from insights.search.base import Filters
from insights.search.query import parse_query
from interviews.models import FieldNote, ResearchProject, Session
from tests.workers import RanTasks, wait_until

pytestmark = [
    pytest.mark.timeout(300),  # a browser or a worker starts, and pages load
    pytest.mark.celery_worker,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def worker(celery_worker: Celery, settings: Settings) -> Iterator[Celery]:
    settings.SEARCH_BACKEND = "whoosh"  # its directory is tmp_path (tests/insights/conftest.py)
    reset_backend()
    indexing.release_drain_claim()  # one left by another run would hold the first publish
    yield celery_worker
    reset_backend()


def found(text: str, project: ResearchProject) -> set[str]:
    results = get_backend().search(parse_query(text), project_ids=[project.pk], filters=Filters())
    return {hit.doc_id for hit in results.hits}


def test_a_worker_indexes_a_saved_note_and_removes_a_deleted_one(
    worker: Celery, ran_tasks: RanTasks
) -> None:
    assert worker.conf.task_routes["insights.tasks.index_*"] == {"queue": "search"}
    # No journey framework or fixture data: a transactional test starts from empty tables.
    project = ResearchProject.objects.create(title="Worker study", slug="worker-study")
    session = Session.objects.create(
        project=project, scheduled_at=dt.datetime(2026, 10, 12, 9, tzinfo=dt.UTC)
    )

    note = FieldNote.objects.create(session=session, text="The turnstile rejects contractors.")
    doc_id = f"field_note:{note.pk}"
    wait_until(lambda: found("turnstile", project) == {doc_id}, "indexed the new note")
    wait_until(lambda: not IndexOutbox.objects.exists(), "settled the note's outbox row")

    note.delete()
    wait_until(lambda: doc_id not in get_backend().document_ids(), "removed the deleted note")
    assert found("turnstile", project) == set()
    wait_until(lambda: not IndexOutbox.objects.exists(), "settled the removal's outbox row")

    # Both drains ran in the worker's thread, having come through the broker's search queue.
    assert [(name, queue) for name, queue, _thread in ran_tasks] == [
        ("insights.tasks.index_pending", "search"),
        ("insights.tasks.index_pending", "search"),
    ]
    assert threading.get_ident() not in {thread for _name, _queue, thread in ran_tasks}
