"""The embedded database's planner statistics (cxresearch.database)."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import connection

from tests.factories import make_project

pytestmark = pytest.mark.skipif(
    connection.vendor != "sqlite", reason="PostgreSQL keeps its own statistics (autovacuum)"
)


def _statistics() -> set[str]:
    with connection.cursor() as cursor:
        if not cursor.execute("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'").fetchone():
            return set()
        return {table for (table,) in cursor.execute("SELECT tbl FROM sqlite_stat1")}


@pytest.mark.django_db
def test_migrate_refreshes_sqlite_planner_statistics() -> None:
    make_project()
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS sqlite_stat1")
    assert "interviews_researchproject" not in _statistics()

    call_command("migrate", verbosity=0)

    assert "interviews_researchproject" in _statistics()
