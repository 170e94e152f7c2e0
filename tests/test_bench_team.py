"""The team set-up's bench rows: the parts that need no PostgreSQL, Redis or server running."""

from __future__ import annotations

import socket
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.urls import reverse

from bench import measure
from bench import team as bench_team
from bench.scales import SCALES

ROWS = (
    "HTTP team: highlight POST (make serve)",
    "HTTP team: transcript import, 3,000 words (make serve)",
)


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # nothing listens there once the probe is closed


@pytest.fixture
def servers(monkeypatch):
    def configure(database: str = "", redis: str = "") -> None:
        monkeypatch.setenv("BENCH_TEAM_DATABASE_URL", database)
        monkeypatch.setenv("BENCH_TEAM_REDIS_URL", redis)

    return configure


def test_without_postgresql_and_redis_the_rows_are_not_run_and_say_what_to_set(servers):
    servers()
    chosen = measure.select(["HTTP team"])
    assert [m.name for m in chosen] == list(ROWS)
    dataset: Any = SimpleNamespace(scale=SCALES["tiny"])

    results = measure.run_all(chosen, dataset, log=lambda line: None)

    for name in ROWS:
        assert results[name].skipped == bench_team.NOT_CONFIGURED
        assert results[name].status == "n/a"
    assert measure.table_rows(results) == []
    assert "BENCH_TEAM_DATABASE_URL=postgres://" in bench_team.NOT_CONFIGURED
    assert "REDIS_URL=redis://" in bench_team.NOT_CONFIGURED


def test_a_database_url_of_another_engine_is_not_postgresql(servers):
    servers("sqlite:///var/x.sqlite3", "redis://127.0.0.1:6379/13")
    assert bench_team.unavailable_reason() == bench_team.NOT_CONFIGURED


def test_an_unreachable_postgresql_is_named_by_its_address_not_its_password(servers):
    port = _closed_port()
    servers(f"postgres://bench:secret@127.0.0.1:{port}/postgres", "redis://127.0.0.1:6379/13")

    reason = bench_team.unavailable_reason()

    assert reason is not None
    assert reason.startswith(f"n/a: PostgreSQL at 127.0.0.1:{port} is unreachable: ")
    assert "secret" not in reason


def test_the_team_database_itself_is_not_a_server_to_create_it_on(servers):
    servers("postgres://postgres@127.0.0.1:5432/cxbench_team", "redis://127.0.0.1:6379/13")
    assert bench_team.unavailable_reason() == (
        "n/a: BENCH_TEAM_DATABASE_URL must name another database than cxbench_team"
    )


def test_an_unreachable_redis_is_named_by_its_address(servers, monkeypatch):
    import psycopg

    port = _closed_port()
    servers("postgres://postgres@127.0.0.1:5432/postgres", f"redis://:secret@127.0.0.1:{port}/13")
    # PostgreSQL answers here, whatever the machine runs.
    monkeypatch.setattr(psycopg, "connect", lambda *args, **kwargs: SimpleNamespace(close=list))

    reason = bench_team.unavailable_reason()

    assert reason is not None
    assert reason.startswith(f"n/a: Redis at 127.0.0.1:{port} is unreachable: ")
    assert "secret" not in reason


def test_the_servers_run_production_settings_on_their_own_database(monkeypatch):
    monkeypatch.setenv("SEARCH_INDEX_DIR", "var/bench-index-small")  # bench.run's own
    env = bench_team.environment(
        "postgres://cx:pw@db.internal:5433/postgres", "redis://127.0.0.1:6379/13"
    )

    assert env["DJANGO_SETTINGS_MODULE"] == "cxresearch.settings"
    assert env["DEBUG"] == "false"
    assert env["SEARCH_BACKEND"] == "postgres"
    assert env["REDIS_URL"] == "redis://127.0.0.1:6379/13"
    database = urlsplit(env["DATABASE_URL"])
    assert (database.hostname, database.port, database.path) == (
        "db.internal",
        5433,
        "/cxbench_team",
    )
    assert "SEARCH_INDEX_DIR" not in env
    assert env["MEDIA_ROOT"].startswith(env["VAR_DIR"])


def test_the_processes_are_the_procfiles_own():
    commands = bench_team.procfile()

    assert set(bench_team.PROCESSES) <= set(commands)
    assert commands["web"].startswith(".venv/bin/gunicorn cxresearch.wsgi ")
    assert "--queues celery " in commands["worker"]
    assert "--queues search --concurrency 1 " in commands["search"]


def test_a_procfile_line_is_split_at_its_first_colon_and_comments_are_skipped(tmp_path):
    procfile = tmp_path / "Procfile"
    procfile.write_text("# a comment: not a process\n\nweb: gunicorn --bind 127.0.0.1:80\n")
    assert bench_team.procfile(procfile) == {"web": "gunicorn --bind 127.0.0.1:80"}


class _Jobs:
    """A server whose job status answers come from a list, one a request."""

    def __init__(self, *answers: dict[str, object]) -> None:
        self.answers = list(answers)
        self.asked: list[str] = []
        self.http = self

    def url(self, path: str) -> str:
        return "http://bench" + path

    def get(self, url: str, timeout: float) -> SimpleNamespace:
        self.asked.append(url)
        answer = self.answers.pop(0)
        return SimpleNamespace(json=lambda: answer)


def _status(state: str, *outcomes: str, error: str = "") -> dict[str, object]:
    return {
        "state": state,
        "active": state in ("queued", "running"),
        "items": [{"outcome": outcome} for outcome in outcomes],
        "error": error,
    }


def test_an_import_redirected_to_its_job_is_followed_until_the_worker_is_done():
    server: Any = _Jobs(
        _status("queued", "pending"), _status("running", "pending"), _status("done", "done")
    )

    bench_team.wait_for_import(server, "/jobs/42/")

    assert server.asked == ["http://bench" + reverse("jobs:job-status", args=[42])] * 3


def test_an_import_redirected_to_its_transcript_was_done_before_the_answer():
    server: Any = _Jobs()
    bench_team.wait_for_import(server, "/studies/team-import/sessions/3/transcripts/3/")
    assert server.asked == []


@pytest.mark.parametrize(
    ("status", "said"),
    [
        (_status("failed", "pending", error="The job queue could not be reached."), "failed"),
        (_status("done", "refused"), r"done \(\['refused'\]\)"),
    ],
)
def test_an_import_job_that_did_not_import_the_file_fails_the_row(status, said):
    server: Any = _Jobs(status)
    with pytest.raises(AssertionError, match=f"The import job ended {said}"):
        bench_team.wait_for_import(server, "/jobs/7/")
