"""The benchmark harness works end to end at a tiny scale; timings are never asserted."""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.db.models import Count, Exists, OuterRef

from bench.http import _create_cache_table
from bench.names import database_name, team_database_name
from bench.run import run
from bench.scales import SCALES
from insights.models import Highlight, TranscriptCoverage
from interviews.models import Utterance


@pytest.fixture
def bench_settings(settings, tmp_path):
    settings.ROOT_URLCONF = "bench.urls"
    settings.SEARCH_INDEX_DIR = tmp_path / "index"
    return settings


@pytest.mark.django_db
def test_tiny_run_writes_the_table_and_json(bench_settings, tmp_path, capsys):
    report, path = run("tiny", only=["page: project"], results_dir=tmp_path, migrate=False)

    written = json.loads(path.read_text())
    assert written == json.loads(json.dumps(report))
    assert written["scale"] == "tiny"
    assert set(written["machine"]) >= {"python", "django", "cpu_count", "database"}
    tiny = SCALES["tiny"]
    counts = written["counts"]
    assert counts["projects"] == tiny.projects
    assert counts["transcripts"] == tiny.interviews
    assert counts["participants"] == tiny.participants
    assert counts["highlights"] >= tiny.highlights
    assert written["generation"]["tables"]["insights_highlight"]["rows"] == counts["highlights"]
    # Bulk generation makes every transcript's coverage row, as the coding service would count it.
    coded = Exists(
        Highlight.objects.filter(
            transcript_id=OuterRef("transcript_id"),
            start__lt=OuterRef("end"),
            end__gt=OuterRef("start"),
        )
    )
    recount = dict(
        Utterance.objects.filter(coded)
        .order_by()
        .values("transcript_id")
        .annotate(n=Count("pk"))
        .values_list("transcript_id", "n")
    )
    stored = dict(TranscriptCoverage.objects.values_list("transcript_id", "coded_utterance_count"))
    assert len(stored) == counts["transcripts"]
    assert stored == {pk: recount.get(pk, 0) for pk in stored}

    by_name = {m["name"]: m for m in written["measurements"]}
    assert set(by_name) == {"page: project", "floor: 50-row page"}
    figure, floor = by_name["page: project"], by_name["floor: 50-row page"]
    assert floor["is_floor"] and not figure["is_floor"]
    assert figure["floor"] == "floor: 50-row page"
    assert figure["runs"] == tiny.repetitions
    for key in ("median", "p95", "floor_median_ms", "ratio"):
        assert isinstance(figure[key], float)
    assert isinstance(figure["queries"], int)
    assert figure["status"] in {"ok", "MISSED"}
    # The load average as the timed calls began and ended, the floor's the same (paired).
    assert len(figure["load"]) == 2 and all(load >= 0 for load in figure["load"])
    assert floor["load"] == figure["load"]
    assert figure["targets"] == ["p95 ≤ 100 ms"]

    assert written["columns"][0] == "measurement"
    assert [row[0] for row in written["table"]] == ["page: project"]
    assert "page: project" in capsys.readouterr().out


@pytest.mark.django_db
def test_the_http_rows_server_gets_its_database_cache_table():
    """The bench's settings cache in memory, so `migrate` makes no table for the server's cache."""
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS cxresearch_cache")
    assert "cxresearch_cache" not in connection.introspection.table_names()

    _create_cache_table()

    assert "cxresearch_cache" in connection.introspection.table_names()


def test_the_bench_databases_take_their_name_from_bench_database_name(monkeypatch):
    monkeypatch.delenv("BENCH_DATABASE_NAME", raising=False)
    assert (database_name(), team_database_name()) == ("cxbench", "cxbench_team")

    monkeypatch.setenv("BENCH_DATABASE_NAME", "cxbench_second_checkout")
    assert team_database_name() == "cxbench_second_checkout_team"

    # Written into CREATE and DROP DATABASE: nothing but a plain identifier.
    monkeypatch.setenv("BENCH_DATABASE_NAME", "cxbench; DROP DATABASE test")
    with pytest.raises(SystemExit, match="BENCH_DATABASE_NAME must be"):
        database_name()
