"""The PostgreSQL databases the benchmarks create and drop on the server they are given.

BENCH_DATABASE_NAME (default "cxbench") names the bench's own database, and the team rows'
database is the same name with "_team": two checkouts benchmarking on one server at once give
each their own name, or each drops the other's database half-way.
"""

from __future__ import annotations

import os
import re

DEFAULT = "cxbench"
# Written into CREATE and DROP DATABASE as it is: a plain lower-case identifier only.
_NAME = re.compile(r"[a-z_][a-z0-9_]{0,50}")


def database_name() -> str:
    name = os.environ.get("BENCH_DATABASE_NAME", "").strip() or DEFAULT
    if not _NAME.fullmatch(name):
        raise SystemExit(
            f"BENCH_DATABASE_NAME must be lower-case letters, digits and _ (at most 51), "
            f"not {name!r}."
        )
    return name


def team_database_name() -> str:
    return f"{database_name()}_team"
