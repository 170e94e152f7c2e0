"""Hostile input, generated: any bytes given to an importer give a clean refusal or a valid import.

Never another exception (a 500), never a partial import (the row counts after a refusal are the
counts before), never an unbounded cost: inputs are size-bounded (a few KB to a few hundred KB)
and deadline=None is used instead of timing asserts. max_examples keep the whole file to
about 20 s; raise them locally (HYPOTHESIS_PROFILE=thorough) to search harder.
"""

from __future__ import annotations

import io
import os
import zipfile
from typing import Any

import docx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from cxresearch.lib.text import name_problem, text_problem
from interviews.importers import participants as importer
from interviews.importers.transcripts import (
    SUPPORTED_EXTENSIONS,
    ParsedTranscript,
    TranscriptParseError,
    parse_transcript,
)
from interviews.models import (
    AuditEvent,
    Enrollment,
    Participant,
    ParticipantIdentity,
    Speaker,
    Transcript,
    Utterance,
)
from interviews.transcripts import TranscriptImportError, transcript_import
from tests.factories import make_consent, make_enrollment, make_participant, make_session

THOROUGH = os.environ.get("HYPOTHESIS_PROFILE") == "thorough"


def examples(count: int) -> settings:
    return settings(
        max_examples=count * 10 if THOROUGH else count,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        derandomize=not THOROUGH,  # the suite is reproducible; the thorough run explores
    )


# --- Strategies ---------------------------------------------------------------------------------

# Characters a hostile file may carry: controls, NUL, direction overrides, BOMs, emoji,
# combining marks, surrogate-free everything else.
awkward = st.characters(
    codec="utf-8",
    categories=("L", "M", "N", "P", "S", "Z", "Cc", "Cf", "Co"),
)
WORDS = ["Ada", "Sam Rivera", "Interviewer", "P-014", "\u202eRLO", "x" * 300, ""]
timestamp = st.builds(
    lambda h, m, s, ms, sep: f"{h:02d}:{m:02d}:{s:02d}{sep}{ms:03d}",
    st.integers(0, 99),
    st.integers(0, 99),
    st.integers(0, 99),
    st.integers(0, 999),
    st.sampled_from([".", ","]),
)
line = st.one_of(
    st.text(awkward, max_size=80),
    st.builds(
        lambda who, text: f"{who}: {text}", st.sampled_from(WORDS), st.text(awkward, max_size=60)
    ),
    st.builds(lambda a, b: f"{a} --> {b}", timestamp, timestamp),
    st.builds(lambda t, who: f"[{t}] {who}:", timestamp, st.sampled_from(WORDS)),
    st.builds(
        lambda who, text: f"<v {who}>{text}</v>",
        st.sampled_from(WORDS),
        st.text(awkward, max_size=40),
    ),
    st.sampled_from(["WEBVTT", "", "1", "NOTE", "**Ada:**", "# Interview", "\ufeff", "\x00"]),
)
text_file = st.lists(line, max_size=60).map("\n".join)
encoded_text_file = st.builds(
    lambda text, codec: text.encode(codec, errors="replace"),
    text_file,
    st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "cp1252", "latin-1"]),
)
any_bytes = st.binary(max_size=4096)


def _word_document(paragraphs: list[str], table: list[list[str]]) -> bytes:
    document = docx.Document()
    for paragraph in paragraphs:
        document.add_paragraph(paragraph)
    if table:
        width = max(len(row) for row in table)
        grid = document.add_table(rows=len(table), cols=width)
        for r, row in enumerate(table):
            for c, cell in enumerate(row):
                grid.cell(r, c).text = cell
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


# python-docx refuses text XML cannot hold; what it accepts is what a Word file can carry.
xml_text = st.text(
    st.characters(codec="utf-8", categories=("L", "M", "N", "P", "S", "Zs", "Cf")), max_size=60
)
word_document = st.builds(
    _word_document,
    st.lists(
        st.one_of(xml_text, st.builds(lambda w, t: f"{w}: {t}", st.sampled_from(WORDS), xml_text)),
        max_size=25,
    ),
    st.lists(st.lists(xml_text, min_size=1, max_size=4), max_size=6),
)
SEED_DOCUMENT = _word_document(["Ada: hello there", "Sam Rivera: and then?"], [["Speaker", "Text"]])


@st.composite
def damaged_document(draw: st.DrawFn) -> bytes:
    """A valid Word document with some bytes overwritten, cut short, or parts rewritten."""
    data = bytearray(draw(st.one_of(st.just(SEED_DOCUMENT), word_document)))
    for _ in range(draw(st.integers(0, 8))):
        data[draw(st.integers(0, len(data) - 1))] = draw(st.integers(0, 255))
    if draw(st.booleans()):
        data = data[: draw(st.integers(0, len(data)))]
    return bytes(data)


@st.composite
def rewritten_document(draw: st.DrawFn) -> bytes:
    """A Word package whose document part is generated XML-ish text."""
    body = draw(st.text(awkward, max_size=400))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        source = zipfile.ZipFile(io.BytesIO(SEED_DOCUMENT))
        for info in source.infolist():
            part = source.read(info)
            if info.filename == "word/document.xml":
                head = part.partition(b"<w:body>")[0]
                part = (
                    head
                    + b"<w:body>"
                    + body.encode("utf-8", "surrogatepass")
                    + b"</w:body></w:document>"
                )
            archive.writestr(info.filename, part)
    return out.getvalue()


def assert_valid(parsed: ParsedTranscript) -> None:
    assert parsed.utterances
    position = 0
    for utterance in parsed.utterances:
        assert position <= utterance.start < utterance.end <= len(parsed.text)
        assert parsed.text[utterance.start : utterance.end].strip()
        position = utterance.end
    assert text_problem(parsed.text) is None or "\x00" not in parsed.text


def parse_or_refuse(filename: str, data: bytes) -> None:
    try:
        parsed = parse_transcript(filename, data, max_bytes=10 * 1024 * 1024)
    except TranscriptParseError as refusal:
        assert str(refusal).startswith(f"{filename}: ")
        return
    assert_valid(parsed)


# --- Transcript parsers, each format ------------------------------------------------------------


@pytest.mark.parametrize("extension", SUPPORTED_EXTENSIONS)
@examples(100)
@given(data=st.one_of(any_bytes, encoded_text_file))
def test_any_bytes_parse_or_are_refused(extension: str, data: bytes) -> None:
    parse_or_refuse(f"interview{extension}", data)


@pytest.mark.parametrize("extension", [".txt", ".md", ".vtt", ".srt"])
@examples(100)
@given(data=encoded_text_file)
def test_transcript_shaped_text_parses_or_is_refused(extension: str, data: bytes) -> None:
    parse_or_refuse(f"interview{extension}", data)


@examples(80)
@given(data=st.one_of(word_document, damaged_document(), rewritten_document()))
def test_word_documents_whole_damaged_or_rewritten_parse_or_are_refused(data: bytes) -> None:
    parse_or_refuse("interview.docx", data)


# --- The import service: all or nothing ---------------------------------------------------------


def transcript_counts() -> tuple[int, int, int]:
    return Transcript.objects.count(), Speaker.objects.count(), Utterance.objects.count()


@pytest.fixture
def consenting_session(project):  # noqa: ANN001, ANN201
    participant = make_participant(name="Ada Lovelace")
    make_enrollment(project, participant)
    make_consent(participant)
    return make_session(project, participants=[participant])


@pytest.mark.django_db
@examples(80)
@given(
    extension=st.sampled_from(SUPPORTED_EXTENSIONS),
    data=st.one_of(encoded_text_file, any_bytes, damaged_document()),
    stem=st.text(awkward, min_size=1, max_size=30),
)
def test_an_import_stores_a_whole_transcript_or_nothing(
    consenting_session, extension: str, data: bytes, stem: str
) -> None:
    before = transcript_counts()
    try:
        transcript, created = transcript_import(
            session=consenting_session, filename=f"{stem}{extension}", data=data, by=None
        )
    except TranscriptImportError as refusal:
        assert str(refusal)
        assert transcript_counts() == before
        return
    if created:
        assert transcript.utterances.count() == transcript.utterance_count > 0
        for utterance in transcript.utterances.all():
            assert transcript.text[utterance.start : utterance.end] == utterance.text
        for label in transcript.speakers.values_list("label", flat=True):
            assert name_problem(label) is None


# --- Participant files: read, validate, apply ---------------------------------------------------

HEADERS = [
    "name",
    "email",
    "company",
    "job title",
    "tier",
    "segment",
    "do not contact",
    "persona",
    "x",
]
cell = st.one_of(
    st.text(awkward, max_size=40),
    st.sampled_from(
        ["ada@x.com", "ADA@X.COM", "not-an-email", "Premium", "large", "yes", "maybe", "12,5"]
    ),
)
rows = st.lists(st.lists(cell, max_size=10), max_size=25)


def csv_bytes(header: list[str], body: list[list[str]], delimiter: str, codec: str) -> bytes:
    lines = [delimiter.join(header), *(delimiter.join(row) for row in body)]
    return "\r\n".join(lines).encode(codec, errors="replace")


def xlsx_bytes(header: list[str], body: list[list[Any]]) -> bytes:
    book = Workbook()
    sheet = book.active
    for row in [header, *body]:
        # openpyxl refuses to write the control characters XML cannot hold.
        sheet.append([ILLEGAL_CHARACTERS_RE.sub("", v) if isinstance(v, str) else v for v in row])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


participant_file = st.one_of(
    st.tuples(
        st.just("people.csv"),
        st.builds(
            csv_bytes,
            st.lists(st.sampled_from(HEADERS), min_size=1, max_size=6),
            rows,
            st.sampled_from([",", ";", "\t"]),
            st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1252"]),
        ),
    ),
    st.tuples(
        st.just("people.xlsx"),
        st.builds(
            xlsx_bytes,
            st.lists(st.sampled_from(HEADERS), min_size=1, max_size=6),
            st.lists(
                st.lists(st.one_of(cell, st.integers(-(10**20), 10**20), st.floats()), max_size=8),
                max_size=15,
            ),
        ),
    ),
    st.tuples(st.sampled_from(["people.csv", "people.xlsx"]), any_bytes),
)


def participant_counts() -> tuple[int, ...]:
    return (
        Participant.objects.count(),
        ParticipantIdentity.objects.count(),
        Enrollment.objects.count(),
        AuditEvent.objects.count(),
    )


@pytest.mark.django_db
@examples(100)
@given(upload=participant_file)
def test_a_participant_file_imports_whole_or_not_at_all(project, lead, upload) -> None:  # noqa: ANN001
    filename, data = upload
    before = participant_counts()
    try:
        plan = importer.validate_rows(importer.read_rows(filename, data), project=project)
    except importer.ImportFileError as refusal:
        assert str(refusal)
        assert participant_counts() == before
        return
    assert participant_counts() == before  # a preview writes nothing
    try:
        importer.import_plan_apply(plan=plan, project=project, by=lead)
    except importer.ParticipantImportError as refusal:
        assert not plan.can_apply or "someone else" in str(refusal)
        assert participant_counts() == before
        return
    assert plan.can_apply
    assert Participant.objects.count() == before[0] + plan.new_count
    for name in ParticipantIdentity.objects.values_list("name", flat=True):
        assert name_problem(name) is None
