"""Tests that need PostgreSQL, and races: work started in several threads at once.

On SQLite, which lets one writer in at a time, the race tests are skipped, except in CI with a
postgres DATABASE_URL, where a skip would hide a broken set-up: there they run (and fail).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection

ON_POSTGRES = connection.vendor == "postgresql"
CI_EXPECTS_POSTGRES = os.environ.get("CI") == "true" and os.environ.get(
    "DATABASE_URL", ""
).startswith(("postgres", "pgsql"))


def needs_postgres(reason: str) -> pytest.MarkDecorator:
    """Skip on SQLite, but never in CI with a postgres DATABASE_URL: there the test runs."""
    return pytest.mark.skipif(not ON_POSTGRES and not CI_EXPECTS_POSTGRES, reason=reason)


postgres_only = needs_postgres(
    "races need PostgreSQL: run with DATABASE_URL=postgres://… to test them"
)

THREADS = 12
JOIN_SECONDS = 60


def run_at_once(work: Callable[[int], Any]) -> list[Any]:
    """Run work(0..THREADS-1) in threads released together; each closes its connection."""
    barrier = threading.Barrier(THREADS)
    results: list[Any] = [None] * THREADS
    errors: list[BaseException] = []

    def run(number: int) -> None:
        try:
            barrier.wait()
            results[number] = work(number)
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(n,), daemon=True) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(JOIN_SECONDS)
    assert not any(thread.is_alive() for thread in threads), "a save is stuck"
    assert not errors, errors
    return results
