"""A real Celery worker, fed through Redis, keeps the search index current.

Everything else in the suite runs tasks eagerly; this test proves the deployed path: a save
commits, its on_commit hook publishes a task to Redis, a worker consuming the "search" and
"celery" queues picks it up and writes the index. It needs Redis: REDIS_URL, or
redis://127.0.0.1:6379/15. Without one it is skipped, except in CI (CI=true), where it fails.

The worker runs in a thread of this process (celery.contrib.testing), on an app built from
the same Django settings as the real one (routes included) but pointed at the test broker,
so the project's app is never reconfigured. The test is transactional: the worker's thread
has its own database connection and must see committed rows.
"""

from __future__ import annotations

import datetime as dt
import os
import threading
import time
from collections.abc import Callable, Iterator

import pytest
import redis
from celery import Celery, Task, current_app
from celery.contrib.testing.worker import start_worker
from celery.signals import task_prerun
from pytest_django import Settings

from insights.models import IndexOutbox
from insights.search.backends import get_backend, reset_backend
from insights.search.base import Filters
from insights.search.query import parse_query
from interviews.models import FieldNote, ResearchProject, Session

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]

WAIT_SECONDS = 15
QUEUES = ["search", "celery"]


def broker_url() -> str:
    return os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/15"


@pytest.fixture
def redis_broker() -> str:
    url = broker_url()
    try:
        redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2).ping()
    except redis.RedisError as error:
        reason = f"Redis at {url} is unreachable ({error})"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason}: the Celery worker test must run in CI.")
        pytest.skip(f"{reason}. Start redis-server or set REDIS_URL to run this test.")
    return url


@pytest.fixture
def worker(redis_broker: str, settings: Settings) -> Iterator[Celery]:
    settings.SEARCH_BACKEND = "whoosh"  # its directory is tmp_path (tests/insights/conftest.py)
    reset_backend()
    previous = current_app._get_current_object()

    app = Celery("cxresearch-worker-test", set_as_current=False)
    app.config_from_object("django.conf:settings", namespace="CELERY")
    app.conf.update(
        broker_url=redis_broker,
        task_always_eager=False,
        # Leave the root logger to pytest (the worker would replace its handlers).
        worker_hijack_root_logger=False,
    )
    import insights.tasks  # noqa: F401 - registers the shared tasks on the new app

    # Tasks published by earlier runs (or by other tests' saves) are not this test's.
    with app.connection_for_write() as connection:
        for queue in QUEUES:
            connection.default_channel.queue_purge(queue)
    try:
        # start_worker makes `app` the current app, so the shared tasks the signal handlers
        # queue are published to its broker.
        with start_worker(app, pool="solo", queues=QUEUES, perform_ping_check=False):
            yield app
    finally:
        previous.set_current()
        previous.set_default()
        app.close()
        reset_backend()


def wait_until(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"After {WAIT_SECONDS} s the worker had still not {what}.")
        time.sleep(0.1)


def found(text: str, project: ResearchProject) -> set[str]:
    results = get_backend().search(parse_query(text), project_ids=[project.pk], filters=Filters())
    return {hit.doc_id for hit in results.hits}


@pytest.fixture
def ran_tasks() -> Iterator[list[tuple[str, str, int]]]:
    """(task name, queue, thread) of every task that starts."""
    ran: list[tuple[str, str, int]] = []

    def record(sender: Task, **kwargs: object) -> None:
        queue = (sender.request.delivery_info or {}).get("routing_key", "")
        ran.append((sender.name, queue, threading.get_ident()))

    task_prerun.connect(record, weak=False)
    yield ran
    task_prerun.disconnect(record)


def test_a_worker_indexes_a_saved_note_and_removes_a_deleted_one(
    worker: Celery, ran_tasks: list[tuple[str, str, int]]
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

    # Both ran in the worker's thread, having come through the broker's search queue.
    assert [(name, queue) for name, queue, _thread in ran_tasks] == [
        ("insights.tasks.index_field_note", "search"),
        ("insights.tasks.remove_documents", "search"),
    ]
    assert threading.get_ident() not in {thread for _name, _queue, thread in ran_tasks}
