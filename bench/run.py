"""Run the benchmarks: `python -m bench.run --scale small|large [--only NAME ...]`.

1. Point Django at a database of its own, so the development database is never touched:
   SQLite in var/bench-<scale>.sqlite3, or, when DATABASE_URL names a PostgreSQL server, a
   database "cxbench" (BENCH_DATABASE_NAME, bench.names) created on that server (and dropped
   at the end unless --keep).
2. Migrate it and generate the repository (bench.data), with progress on stderr.
3. Run each measurement and its floor (bench.suite), print the table, and write the same
   to bench/results/<date>-<scale>.json (<date>-<scale>-postgresql.json on PostgreSQL).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench.names import database_name

BASE_DIR = Path(__file__).resolve().parent.parent
RESULTS_DIR = BASE_DIR / "bench" / "results"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n")[0])
    parser.add_argument("--scale", default="small", help="tiny, small (default) or large")
    parser.add_argument(
        "--only",
        nargs="+",
        metavar="NAME",
        help="run only measurements whose name contains one of these (their floors come along)",
    )
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="keep the repository a previous run of this scale generated, if there is one",
    )
    parser.add_argument(
        "--keep", action="store_true", help="PostgreSQL: do not drop the bench's database (cxbench)"
    )
    parser.add_argument("--list", action="store_true", help="list the measurements and exit")
    parser.add_argument(
        "--profile",
        action="store_true",
        help="profile one more call of each row with pyinstrument, into var/bench-profiles/",
    )
    parser.add_argument("--output", type=Path, default=RESULTS_DIR, help="results directory")
    args = parser.parse_args(argv)

    from bench.scales import SCALES

    if args.scale not in SCALES:
        parser.error(f"--scale must be one of {', '.join(SCALES)}")
    scale = SCALES[args.scale]
    postgres_url = _postgres_url()
    reused = _prepare_environment(scale.name, postgres_url, reuse=args.reuse)

    import django

    django.setup()

    from bench import measure, suite, taguette, team  # noqa: F401 - they register the rows
    from cxresearch.lib.startup import settle_after_startup

    # The rows serve their requests in this process: it starts as a web process does
    # (cxresearch.wsgi), its start-up objects frozen out of the garbage collector's walks.
    settle_after_startup()

    if args.list:
        for m in measure.REGISTRY.values():
            print(("  floor  " if m.is_floor else "         ") + m.name)
        return 0

    try:
        report, path = run(
            scale.name,
            only=args.only,
            results_dir=args.output,
            reuse=reused or args.reuse,
            profile=args.profile,
        )
    finally:
        if postgres_url and not args.keep:
            _drop_postgres(postgres_url)
    missed = [m["name"] for m in report["measurements"] if m["status"] == "MISSED"]
    print(f"\nWritten to {path}")
    if missed:
        print(f"Missed targets: {', '.join(missed)}")
    return 0


def run(
    scale_name: str,
    *,
    only: Sequence[str] | None = None,
    results_dir: Path = RESULTS_DIR,
    reuse: bool = False,
    migrate: bool = True,
    profile: bool = False,
) -> tuple[dict[str, Any], Path]:
    """Generate (or reuse) the repository in the configured database and measure it.

    Django must be set up; bench.run's main() does that for a dedicated database, the smoke
    test lets pytest-django do it for the test database.
    """
    from django.core.management import call_command
    from django.db import connection

    from bench import data, measure, suite, taguette, team  # noqa: F401 - they register the rows
    from bench.scales import SCALES

    scale = SCALES[scale_name]
    started = time.perf_counter()
    if migrate:
        call_command("migrate", verbosity=0, interactive=False)
    dataset = data.existing(scale) if reuse else None
    if dataset is None:
        dataset = data.generate(scale)
    else:
        print(f"Reusing the {scale.name} repository in the database.", file=sys.stderr)

    chosen = measure.select(only)
    print(f"\nMeasuring {len(chosen)} rows at scale {scale.name} on {connection.vendor}:")
    profile_dir = BASE_DIR / "var" / "bench-profiles" if profile else None
    results = measure.run_all(chosen, dataset, profile_dir=profile_dir)
    rows = measure.table_rows(results)
    notes = measure.not_run(results)
    print()
    print(measure.format_table(rows))
    for note in notes:
        print(note)

    report = {
        "scale": scale.name,
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "seconds": round(time.perf_counter() - started, 1),
        "machine": machine_info(),
        "counts": dataset.counts,
        "generation": dataset.generation_report(),
        "columns": list(measure.COLUMNS),
        "table": rows,
        "not_run": notes,
        "markdown": measure.format_table(rows, markdown=True),
        "measurements": [result.as_json() for result in results.values()],
    }
    path = write_report(report, results_dir, vendor=connection.vendor, partial=bool(only))
    return report, path


def machine_info() -> dict[str, Any]:
    import django
    from django.conf import settings
    from django.db import connection

    if connection.vendor == "sqlite":
        import sqlite3

        version = sqlite3.sqlite_version
    else:
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            version = cursor.fetchone()[0]
    return {
        "python": platform.python_version(),
        "django": django.get_version(),
        "platform": platform.platform(),
        "machine": platform.machine(),
        "cpu_count": os.cpu_count(),
        "database": {"vendor": connection.vendor, "version": version},
        "search_backend": settings.SEARCH_BACKEND,
        "celery_eager": bool(getattr(settings, "CELERY_TASK_ALWAYS_EAGER", False)),
    }


def write_report(
    report: dict[str, Any], results_dir: Path, *, vendor: str, partial: bool = False
) -> Path:
    results_dir.mkdir(parents=True, exist_ok=True)
    suffix = "" if vendor == "sqlite" else f"-{vendor}"
    # A run of some rows (--only) must not overwrite the full run's file of the same day.
    suffix += "-only" if partial else ""
    day = dt.datetime.now(dt.UTC).astimezone().date().isoformat()  # the machine's local date
    path = results_dir / f"{day}-{report['scale']}{suffix}.json"
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    temporary.replace(path)
    return path


# --- The dedicated database ---------------------------------------------------------------------


def _postgres_url() -> str | None:
    url = os.environ.get("DATABASE_URL", "").strip()
    return url if url.startswith(("postgres://", "postgresql://", "pgsql://")) else None


def _prepare_environment(scale: str, postgres_url: str | None, *, reuse: bool) -> bool:
    """Set the environment Django reads at start-up; returns whether an old database is kept."""
    var = BASE_DIR / "var"
    var_dir = var / f"bench-{scale}"
    index_dir = var / f"bench-index-{scale}"
    kept = False
    # The team set-up's rows (bench.team) run servers of their own on this PostgreSQL server
    # and this Redis, while the other rows run Celery eagerly, in-process.
    if postgres_url:
        os.environ.setdefault("BENCH_TEAM_DATABASE_URL", postgres_url)
    if redis_url := os.environ.pop("REDIS_URL", None):
        os.environ.setdefault("BENCH_TEAM_REDIS_URL", redis_url)
    if postgres_url:
        kept = _create_postgres(postgres_url, reuse=reuse)
        os.environ["DATABASE_URL"] = _with_database(postgres_url, database_name())
    else:
        database = var / f"bench-{scale}.sqlite3"
        kept = reuse and database.exists()
        if not kept:
            for leftover in (database, *(Path(f"{database}{x}") for x in ("-wal", "-shm"))):
                leftover.unlink(missing_ok=True)
        os.environ["DATABASE_URL"] = f"sqlite:///{database}"
    if not kept:
        for directory in (var_dir, index_dir, Path(f"{index_dir}-floor")):
            shutil.rmtree(directory, ignore_errors=True)
    var_dir.mkdir(parents=True, exist_ok=True)
    os.environ["VAR_DIR"] = str(var_dir)
    os.environ["MEDIA_ROOT"] = str(var_dir / "media")
    os.environ["SEARCH_INDEX_DIR"] = str(index_dir)
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    return kept


def _with_database(url: str, name: str) -> str:
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def _admin_connection(url: str):  # noqa: ANN202 - a psycopg connection
    import psycopg

    # The database named in DATABASE_URL is only used to issue CREATE/DROP DATABASE.
    return psycopg.connect(url.replace("pgsql://", "postgresql://", 1), autocommit=True)


def _create_postgres(url: str, *, reuse: bool) -> bool:
    name = database_name()
    if name in url.rsplit("/", 1)[-1].split("?")[0]:
        raise SystemExit(f"DATABASE_URL must name another database than {name} on the server.")
    with _admin_connection(url) as admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists and reuse:
            return True
        admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.execute(f"CREATE DATABASE {name}")
    return False


def _drop_postgres(url: str) -> None:
    from django.db import connections

    connections.close_all()
    with _admin_connection(url) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {database_name()} WITH (FORCE)")


if __name__ == "__main__":
    sys.exit(main())
