"""What the embedded SQLite database needs that PostgreSQL does by itself.

PostgreSQL's autovacuum keeps the planner's statistics fresh. SQLite has none until ANALYZE
runs, and without them it picks among equally plausible indexes blindly: counting a
transcript's highlights (`project_id = ? AND transcript_id = ?`) went through the project's
index, every highlight of the study, instead of the transcript's. `migrate`, which `make run`
runs at each start, refreshes them.
"""

from __future__ import annotations

from typing import Any

from django.db import connections

# Rows sampled per index: enough to rank the indexes, and ANALYZE stays in tens of
# milliseconds however large the database (33 ms on the large benchmark's 200,000 highlights).
ANALYSIS_LIMIT = 1000


def refresh_sqlite_statistics(*, using: str = "default", **kwargs: Any) -> None:
    connection = connections[using]
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        cursor.execute(f"PRAGMA analysis_limit={ANALYSIS_LIMIT}")
        cursor.execute("ANALYZE")
