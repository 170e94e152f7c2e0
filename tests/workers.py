"""A real Celery worker fed through Redis, for the tests that prove the deployed path.

Everything else in the suite runs tasks inline (cxresearch/test_settings.py). A test that asks
for `celery_worker` gets a worker in a thread of this process (celery.contrib.testing),
consuming every queue, on an app built from the same Django settings as the real one (routes
included) but pointed at the test broker, so the project's app is never reconfigured.

It needs Redis: REDIS_URL, or redis://127.0.0.1:6379/15. Without one the test is skipped,
except in CI (CI=true), where it fails. Such tests must be transactional
(`django_db(transaction=True)`): the worker's thread has its own database connection and
sees only committed rows.
"""

from __future__ import annotations

import importlib
import os
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import redis
from celery import Celery, Task, current_app
from celery.contrib.testing.worker import start_worker
from celery.signals import task_prerun
from django.db import OperationalError

WAIT_SECONDS = 15
QUEUES = ["search", "celery"]
# (task name, queue it came through, thread that ran it) of every task that started.
RanTasks = list[tuple[str, str, int]]
# Every module that defines tasks, so that the worker's app knows them all.
TASK_MODULES = ["insights.tasks", "interviews.tasks"]


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
            pytest.fail(f"{reason}: the Celery worker tests must run in CI.")
        pytest.skip(f"{reason}. Start redis-server or set REDIS_URL to run this test.")
    return url


@pytest.fixture
def celery_worker(redis_broker: str) -> Iterator[Celery]:
    # current_app is a proxy; the stubs type it as the app itself.
    previous = current_app._get_current_object()  # type: ignore[attr-defined]

    app = Celery("cxresearch-worker-test", set_as_current=False)
    app.config_from_object("django.conf:settings", namespace="CELERY")
    app.conf.update(
        broker_url=redis_broker,
        task_always_eager=False,
        # Leave the root logger to pytest (the worker would replace its handlers).
        worker_hijack_root_logger=False,
    )
    for module in TASK_MODULES:
        importlib.import_module(module)  # registers its shared tasks on the new app

    # Tasks published by earlier runs (or by other tests' saves) are not this test's.
    with app.connection_for_write() as connection:
        for queue in QUEUES:
            # Every kombu transport's channel has it; the StdChannel interface does not declare it.
            connection.default_channel.queue_purge(queue)  # type: ignore[attr-defined]
    try:
        # start_worker makes `app` the current app, so shared tasks queued by the code under
        # test (job starts, on_commit index updates) are published to its broker.
        with start_worker(app, pool="solo", queues=QUEUES, perform_ping_check=False):
            yield app
    finally:
        previous.set_current()
        previous.set_default()
        app.close()


def wait_until(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while not _holds(condition):
        if time.monotonic() > deadline:
            pytest.fail(f"After {WAIT_SECONDS} s the worker had still not {what}.")
        time.sleep(0.1)


def _holds(condition: Callable[[], bool]) -> bool:
    try:
        return condition()
    except OperationalError:
        # SQLite's shared in-memory test database reports a table that the worker's thread is
        # writing as locked instead of waiting for it (PostgreSQL waits): ask again.
        return False


@pytest.fixture
def ran_tasks() -> Iterator[RanTasks]:
    """Every task that starts, to check it came through the broker into the worker's thread."""
    ran: RanTasks = []

    def record(sender: Task, **kwargs: Any) -> None:
        queue: str = (sender.request.delivery_info or {}).get("routing_key") or ""
        ran.append((sender.name, queue, threading.get_ident()))

    task_prerun.connect(record, weak=False)
    yield ran
    task_prerun.disconnect(record)
