"""The Taguette side-by-side rows' parts that need neither the network nor Taguette running."""

from __future__ import annotations

import random
import stat
from html.parser import HTMLParser
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from bench import formats, measure
from bench import taguette as side
from bench.measure import Context, Unavailable
from bench.scales import SCALES
from bench.text import Turn
from tests.factories import make_project, make_session, make_transcript

FIGURES = (
    "HTTP side by side: highlight POST — cxresearch vs Taguette",
    "HTTP side by side: transcript import, 3,000 words — cxresearch vs Taguette",
)


def _context(cache: dict[str, object] | None = None) -> Context:
    dataset: Any = SimpleNamespace(scale=SCALES["tiny"])  # the rows here read only its scale
    return Context(
        dataset=dataset, calls=3, rng=random.Random(0), cache={} if cache is None else cache
    )


def _fake_python(path: Path, script: str) -> Path:
    path.parent.mkdir(parents=True)
    path.write_text(f"#!/bin/sh\n{script}\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


# --- Installing -------------------------------------------------------------------------------


def test_install_without_a_python_to_make_the_virtualenv_is_unavailable(tmp_path):
    with pytest.raises(Unavailable, match=r"^n/a: taguette==1\.5\.2 could not be installed"):
        side.install(venv=tmp_path / "venv", python=str(tmp_path / "no-such-python"))


def test_a_failed_pip_install_reports_pips_error_line(tmp_path):
    # A virtualenv whose python imports nothing and whose pip fails as pip does for a bad spec.
    _fake_python(
        tmp_path / "venv" / "bin" / "python",
        "echo 'WARNING: a location is ignored' >&2\n"
        "echo 'ERROR: No matching distribution found for taguette==0.0.0' >&2\n"
        "exit 1",
    )

    with pytest.raises(Unavailable) as raised:
        side.install("taguette==0.0.0", venv=tmp_path / "venv")

    assert str(raised.value) == (
        "n/a: pip install taguette==0.0.0 failed: "
        "ERROR: No matching distribution found for taguette==0.0.0"
    )


def test_an_installed_taguette_of_the_wanted_version_is_reused_without_pip(tmp_path):
    # It prints the version for the import probe, and would fail any pip call.
    _fake_python(
        tmp_path / "venv" / "bin" / "python",
        'case "$*" in *"-m pip"*) exit 1;; esac\necho 1.5.2',
    )

    installed = side.install(venv=tmp_path / "venv")

    assert installed == side.Installed(python=tmp_path / "venv" / "bin" / "python", version="1.5.2")


def test_pip_error_falls_back_to_the_last_line():
    assert side.pip_error("WARNING: one\n\nsomething broke\n") == "something broke"
    assert side.pip_error(None) == "no output"


def test_a_failed_install_is_tried_once_per_run(monkeypatch):
    calls = []

    def failing_install() -> side.Installed:
        calls.append(1)
        raise Unavailable("n/a: pip install taguette==1.5.2 failed: no network")

    monkeypatch.setattr(side, "install", failing_install)
    cache: dict[str, object] = {}
    for _ in range(2):
        with pytest.raises(Unavailable, match="no network"):
            side.installed(_context(cache))
    assert calls == [1]


def test_when_taguette_cannot_be_installed_the_rows_say_why_and_the_run_goes_on(monkeypatch):
    monkeypatch.setattr(
        side, "install", lambda: (_ for _ in ()).throw(Unavailable("n/a: pip install failed"))
    )
    chosen = measure.select(["side by side"])
    assert {m.name for m in chosen if not m.is_floor} == set(FIGURES)
    dataset = SimpleNamespace(scale=SCALES["tiny"])

    results = measure.run_all(chosen, dataset, log=lambda line: None)  # type: ignore[arg-type]

    for name in FIGURES:
        assert results[name].skipped == "n/a: pip install failed"
        assert results[name].status == "n/a"
        assert results[name].as_json()["median"] is None
    assert measure.table_rows(results) == []
    assert measure.not_run(results) == [f"not run: {', '.join(FIGURES)}: n/a: pip install failed"]


def test_a_failing_setup_step_is_undone_and_reported():
    undone = []
    reported = r"^failed: Taguette set-up: AssertionError: no project$"
    with (
        pytest.raises(Unavailable, match=reported),
        side._setting_up("Taguette set-up", lambda: undone.append(1)),
    ):
        raise AssertionError("no project")
    assert undone == [1]


def test_login_token_is_read_from_the_link_taguette_prints():
    output = "INFO: started\n\n    Taguette 1.5.2 is now running. You can connect to it using "
    output += "this link:\n\n    http://localhost:41234/?token=0a9f3c\n"
    assert side.login_token(output) == "0a9f3c"
    assert side.login_token("INFO: still starting") is None


# --- The same documents and spans -------------------------------------------------------------

TURNS = [
    Turn(
        "Interviewer",
        "Tell me about the café <rollout> & pricing, please, and what the team thought of it",
        16,
    ),
    Turn(
        "Respondent",
        "Naïve 😀 question: the SSO migration took three long weeks for us and then some more",
        17,
    ),
    Turn(
        "Interviewer",
        "And after that the licence true-up surprised procurement quite a lot, did it not, really?",
        15,
    ),
]


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def test_the_html_document_holds_the_turns_text_and_nothing_between_them():
    parser = _Text()
    parser.feed(side.as_html(TURNS).decode())
    body = "".join(parser.parts[1:])  # the title comes first
    assert body == "".join(side.paragraphs(TURNS))


def test_spans_are_different_word_aligned_selections():
    chosen = side.spans(TURNS, 20, seed="test")

    assert len(set(chosen)) == 20
    for span in chosen:
        text = TURNS[span.turn].text
        assert span.start == 0 or text[span.start - 1] == " "
        assert span.end == len(text) or text[span.end] == " "
        assert 3 <= len(text[span.start : span.end].split(" ")) <= 12
    assert side.spans(TURNS, 20, seed="test") == chosen


def test_taguette_offsets_count_utf8_bytes_of_the_whole_documents_text():
    document = "".join(side.paragraphs(TURNS)).encode()
    for span in side.spans(TURNS, 15, seed="bytes"):
        start, end = side.taguette_offsets(TURNS, span)
        assert document[start:end].decode() == TURNS[span.turn].text[span.start : span.end]


def test_utf16_offsets_count_an_emoji_as_two():
    assert side._utf16("a😀b", 2) == 3


@pytest.mark.django_db
def test_cxresearch_bodies_select_the_same_words_in_the_imported_transcript():
    turns = side.interview("test-side-by-side", words=300)
    session = make_session(make_project())
    transcript = make_transcript(session, filename="interview.txt", data=formats.txt(turns))
    chosen = side.spans(turns, 10)

    bodies = side._cx_bodies(transcript, turns, chosen)

    for body, span in zip(bodies, chosen, strict=True):
        assert body["text"] == turns[span.turn].text[span.start : span.end]
        assert body["codes"] == list(side.CODES)
        assert body["sourceId"] == transcript.pk


@pytest.mark.django_db
def test_cxresearch_bodies_refuse_a_transcript_of_another_document():
    session = make_session(make_project())
    transcript = make_transcript(session)  # the factory's own interview

    with pytest.raises(AssertionError, match="not the document's"):
        side._cx_bodies(transcript, TURNS, side.spans(TURNS, 2))


# --- bench.measure: paired rows over HTTP count no queries -------------------------------------


def test_a_paired_row_that_counts_no_queries_makes_no_query_counting_call():
    calls: dict[str, list[int]] = {"figure": [], "floor": []}

    def setup(side_name: str):  # noqa: ANN202
        return lambda ctx: measure.Trial(lambda i: calls[side_name].append(i))

    floor = measure.Measurement("floor", setup("floor"), is_floor=True, count_queries=False)
    figure = measure.Measurement("figure", setup("figure"), floor="floor", count_queries=False)
    dataset = SimpleNamespace(scale=SCALES["tiny"])
    floor_result = measure.Result(name="floor", unit="ms", is_floor=True, floor=None)

    result = measure._run_pair(figure, floor, floor_result, dataset, {}, None)  # type: ignore[arg-type]

    tiny = SCALES["tiny"]
    assert calls["figure"] == calls["floor"] == list(range(tiny.warmup + tiny.repetitions))
    assert result.queries is None and floor_result.queries is None
    assert len(result.samples_ns) == len(result.floor_samples_ns) == tiny.repetitions
