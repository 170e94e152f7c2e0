"""Importing transcripts: the services, the pages that use them, and `manage.py import_transcripts`.

The parsers have their own tests (test_transcript_parsers.py); these check what reaches the
database, what a refused file leaves behind (nothing), and what each persona sees.
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any

import docx
import pytest
from django.contrib.auth.models import User
from django.contrib.messages import get_messages
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from interviews.models import (
    FieldNote,
    Membership,
    Participant,
    ResearchProject,
    Session,
    Speaker,
    Transcript,
    Utterance,
)
from interviews.transcripts import (
    TranscriptImportError,
    near_identical_labels,
    transcript_import,
    transcripts_import_as_sessions,
)
from tests.factories import (
    make_consent,
    make_enrollment,
    make_participant,
    make_project,
    make_session,
    make_transcript,
    make_user,
    stored_name,
)
from tests.interviews.test_transcript_parsers import build_meet_paragraphs_docx, build_otter_docx

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "transcripts"
FIXTURE_NAMES = sorted(path.name for path in FIXTURES.iterdir())

# --- Helpers ------------------------------------------------------------------------------------


def fixture_bytes(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def counts() -> dict[str, int]:
    return {
        "sessions": Session.objects.count(),
        "transcripts": Transcript.objects.count(),
        "speakers": Speaker.objects.count(),
        "utterances": Utterance.objects.count(),
    }


def stored_files(directory: str = "transcripts") -> set[str]:
    """Every file under a directory of default_storage (one InMemoryStorage for the whole run)."""
    try:
        directories, files = default_storage.listdir(directory)
    except FileNotFoundError:
        return set()
    found = {f"{directory}/{name}" for name in files}
    for sub in directories:
        found |= stored_files(f"{directory}/{sub}")
    return found


def consenting(project: ResearchProject, *, name: str = "Ada Lovelace") -> Participant:
    """A participant enrolled in the study with valid consent for it."""
    participant = make_participant(name=name)
    make_enrollment(project, participant)
    make_consent(participant, project=project)
    return participant


def vtt(*cues: tuple[int, str, str]) -> bytes:
    """A WebVTT file from (start second, voice, text) cues, each lasting three seconds."""
    blocks = ["WEBVTT", ""]
    for start, voice, text in cues:
        blocks += [f"{_ts(start)}.000 --> {_ts(start + 3)}.000", f"<v {voice}>{text}</v>", ""]
    return "\n".join(blocks).encode()


def _ts(seconds: int) -> str:
    return f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


def txt(*turns: tuple[str, str]) -> bytes:
    return "\n".join(f"{speaker}: {text}" for speaker, text in turns).encode()


def timed_txt(turns: int) -> bytes:
    """A .txt transcript of alternating turns, five seconds apart."""
    lines = []
    for number in range(turns):
        speaker = "Interviewer" if number % 2 == 0 else "Ada"
        lines.append(f"[{_ts(number * 5)}] {speaker}: Turn number {number} about the renewal.")
    return "\n\n".join(lines).encode()


def docx_bytes() -> bytes:
    document = docx.Document()
    document.add_heading("Renewal interview", level=1)
    for label, text in [
        ("Interviewer:", " How did the renewal go? 🙂"),
        ("Ada Lovelace:", " Slowly. Procurement wanted three quotes."),
        ("Interviewer:", " And the SSO add-on?"),
        ("Ada Lovelace:", " We dropped it — too expensive."),
    ]:
        paragraph = document.add_paragraph()
        paragraph.add_run(label).bold = True
        paragraph.add_run(text)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def assert_offsets_hold(transcript: Transcript) -> list[Utterance]:
    utterances = list(transcript.utterances.order_by("position"))
    assert utterances
    assert [u.position for u in utterances] == list(range(len(utterances)))
    for utterance in utterances:
        assert transcript.text[utterance.start : utterance.end] == utterance.text
        assert utterance.text.strip() == utterance.text and utterance.text
    return utterances


def mapping(transcript: Transcript) -> dict[str, tuple[Participant | None, User | None]]:
    return {s.label: (s.participant, s.interviewer) for s in transcript.speakers.all()}


def import_error(session: Session, filename: str, data: bytes) -> str:
    with pytest.raises(TranscriptImportError) as caught:
        transcript_import(session=session, filename=filename, data=data, by=None)
    return str(caught.value)


def upload(name: str, data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


@pytest.fixture
def session(project: ResearchProject) -> Session:
    """A session whose participant is still to be linked."""
    return make_session(project)


# --- Service: every format ----------------------------------------------------------------------


@pytest.mark.parametrize("name", FIXTURE_NAMES)
def test_each_fixture_imports_with_offsets_into_the_stored_text(session: Session, name: str):
    transcript, created = transcript_import(
        session=session, filename=name, data=fixture_bytes(name), by=None
    )

    assert created
    transcript.refresh_from_db()
    utterances = assert_offsets_hold(transcript)
    assert transcript.source_format == Path(name).suffix.lstrip(".")
    assert transcript.source_filename == name
    assert transcript.word_count == len(transcript.text.split())
    labels = list(dict.fromkeys(u.speaker.label for u in utterances))
    assert [s.label for s in transcript.speakers.order_by("position")] == labels
    assert all(u.speaker_id is not None for u in utterances)
    assert default_storage.open(stored_name(transcript)).read() == fixture_bytes(name)


def test_word_document_imports_with_offsets_and_emoji(session: Session):
    transcript, _created = transcript_import(
        session=session, filename="renewal.docx", data=docx_bytes(), by=None
    )

    utterances = assert_offsets_hold(transcript)
    assert [u.speaker.label for u in utterances] == ["Interviewer", "Ada Lovelace"] * 2
    assert utterances[0].text == "How did the renewal go? 🙂"
    assert transcript.source_format == "docx"


def test_timed_formats_store_times_and_duration(session: Session):
    transcript, _created = transcript_import(
        session=session, filename="zoom.vtt", data=fixture_bytes("zoom.vtt"), by=None
    )

    first = transcript.utterances.order_by("position").first()
    assert (first.start_ms, first.end_ms) == (1140, 5370)
    last_end = max(u.end_ms or 0 for u in transcript.utterances.all())
    assert transcript.duration_ms == last_end


def test_importer_is_recorded(session: Session, researcher: User):
    transcript, _created = transcript_import(
        session=session, filename="zoom.vtt", data=fixture_bytes("zoom.vtt"), by=researcher
    )

    assert transcript.imported_by == researcher


def test_otter_word_export_stores_its_header_as_metadata_not_as_text(session: Session):
    transcript, _created = transcript_import(
        session=session, filename="otter.docx", data=build_otter_docx(), by=None
    )

    transcript.refresh_from_db()
    utterances = assert_offsets_hold(transcript)
    assert [u.speaker.label for u in utterances] == ["Elena Rossi", "Chloé Dubois"] * 2
    assert transcript.source_metadata["keywords"] == [
        "onboarding",
        "sso",
        "admins",
        "checklist",
        "scim",
    ]
    assert transcript.source_metadata["speakers"] == ["Elena Rossi", "Chloé Dubois"]
    assert transcript.source_metadata["source"] == "Otter.ai"
    assert "SUMMARY KEYWORDS" not in transcript.text and "otter.ai" not in transcript.text


def test_file_without_a_header_stores_empty_metadata(session: Session):
    transcript, _created = transcript_import(
        session=session, filename="zoom.vtt", data=fixture_bytes("zoom.vtt"), by=None
    )

    transcript.refresh_from_db()
    assert transcript.source_metadata == {}


def test_lower_case_pseudonyms_become_speakers_of_their_own(session: Session):
    transcript, _created = transcript_import(
        session=session, filename="p07.txt", data=fixture_bytes("pseudonyms.txt"), by=None
    )

    assert [s.label for s in transcript.speakers.order_by("position")] == [
        "interviewer",
        "p07",
        "user-3",
    ]
    assert transcript.utterances.filter(speaker__label="p07").count() == 3


# --- Service: speakers --------------------------------------------------------------------------


def test_speakers_map_to_participant_and_interviewer_by_full_name(project: ResearchProject):
    jose = consenting(project, name="José García")
    maya = make_user("maya")
    maya.first_name, maya.last_name = "Maya", "Okafor"
    maya.save()
    session = make_session(project, participants=[jose], interviewers=[maya])

    transcript = make_transcript(session, filename="zoom.vtt", data=fixture_bytes("zoom.vtt"))

    assert mapping(transcript) == {"Maya Okafor": (None, maya), "José García": (jose, None)}


def test_speaker_maps_to_participant_by_first_name_and_pseudonym(project: ResearchProject):
    ada = consenting(project, name="Ada Lovelace")
    grace = consenting(project, name="Grace Hopper")
    session = make_session(project, participants=[ada, grace])
    data = txt(("Ada", "We renewed."), (grace.pseudonym, "We did not."), ("Ada", "Really?"))

    transcript = make_transcript(session, filename="two.txt", data=data)

    assert mapping(transcript) == {"Ada": (ada, None), grace.pseudonym: (grace, None)}


def test_speaker_maps_to_interviewer_by_username(project: ResearchProject):
    ada = consenting(project)
    sam = make_user("sam")
    session = make_session(project, participants=[ada], interviewers=[sam])
    data = txt(("Sam", "Shall we start?"), ("Ada", "Sure."), ("Sam", "Good."))

    transcript = make_transcript(session, filename="call.txt", data=data)

    assert mapping(transcript)["Sam"] == (None, sam)


def test_interviewer_label_maps_only_when_the_session_has_one_interviewer(
    project: ResearchProject, lead: User, researcher: User
):
    ada = consenting(project)
    alone = make_session(project, participants=[ada], interviewers=[researcher])
    paired = make_session(project, participants=[ada], interviewers=[researcher, lead])
    data = fixture_bytes("utf8_bom.txt")  # "Interviewer" and "Zoë Chen"

    one = make_transcript(alone, filename="a.txt", data=data)
    two = make_transcript(paired, filename="a.txt", data=data)

    assert mapping(one)["Interviewer"] == (None, researcher)
    assert mapping(two)["Interviewer"] == (None, None)


def test_unmatched_and_ambiguous_labels_stay_unmapped_with_their_label(project: ResearchProject):
    lovelace = consenting(project, name="Ada Lovelace")
    byron = consenting(project, name="Ada Byron")
    session = make_session(project, participants=[lovelace, byron])
    data = txt(("Ada", "Which Ada?"), ("Grace Hopper", "Not me."), ("Ada", "Both of us."))

    transcript = make_transcript(session, filename="ambiguous.txt", data=data)

    assert mapping(transcript) == {"Ada": (None, None), "Grace Hopper": (None, None)}


def test_zoom_display_name_with_an_aside_maps_to_the_participant(project: ResearchProject):
    ada = consenting(project)
    session = make_session(project, participants=[ada])
    data = vtt((1, "Interviewer", "Hello."), (5, "Ada Lovelace (she/her)", "Hi there."))

    transcript = make_transcript(session, filename="zoom.vtt", data=data)

    assert mapping(transcript)["Ada Lovelace (she/her)"] == (ada, None)


def test_a_speaker_name_longer_than_the_column_is_refused(session: Session):
    before, files = counts(), stored_files()

    message = import_error(session, "long.vtt", vtt((1, "A" * 200, "Hello.")))

    assert message.startswith("long.vtt: ")
    assert counts() == before and stored_files() == files


@pytest.mark.parametrize(
    ("filename", "data", "message"),
    [
        ("rlo.vtt", vtt((1, "Ada\u202eecalevoL", "Hello.")), "U+202E"),
        ("isolate.vtt", vtt((1, "\u2067Ada\u2069", "Hello.")), "U+2067"),
        ("P-014\u202egnp.txt", b"Ada: Hello there.\n", "file name cannot be used"),
        ("nul\x00.txt", b"Ada: Hello there.\n", "NUL"),
    ],
)
def test_direction_controls_in_speaker_or_file_names_are_refused(
    session: Session, filename: str, data: bytes, message: str
):
    before, files = counts(), stored_files()

    assert message in import_error(session, filename, data)
    assert counts() == before and stored_files() == files


# --- Service: importing twice -------------------------------------------------------------------


def test_reimporting_the_same_file_into_the_same_session_adds_nothing(session: Session):
    data = fixture_bytes("teams.vtt")
    first, _created = transcript_import(session=session, filename="teams.vtt", data=data, by=None)
    before, files = counts(), stored_files()

    again, created = transcript_import(session=session, filename="renamed.vtt", data=data, by=None)

    assert (again, created) == (first, False)
    assert counts() == before and stored_files() == files


def test_the_same_file_may_be_imported_into_another_session(project: ResearchProject):
    data = fixture_bytes("teams.vtt")
    one, other = make_session(project), make_session(project)
    first, _created = transcript_import(session=one, filename="teams.vtt", data=data, by=None)

    second, created = transcript_import(session=other, filename="teams.vtt", data=data, by=None)

    assert created and second != first
    assert second.utterances.count() == first.utterances.count()


# --- Service: consent ---------------------------------------------------------------------------


def test_participant_without_consent_is_refused_and_nothing_is_stored(project: ResearchProject):
    participant = make_participant(name="Ada Lovelace")
    make_enrollment(project, participant)
    session = make_session(project, participants=[participant])
    before, files = counts(), stored_files()

    message = import_error(session, "zoom.vtt", fixture_bytes("zoom.vtt"))

    assert message.startswith("zoom.vtt: ")
    assert participant.pseudonym in message and "consent" in message
    assert "Ada" not in message
    assert counts() == before and stored_files() == files


TODAY = timezone.localdate()
YESTERDAY = TODAY - dt.timedelta(days=1)


@pytest.mark.parametrize(
    "consent",
    [
        pytest.param({"withdrawn_on": YESTERDAY}, id="withdrawn"),
        pytest.param({"withdrawn_on": TODAY}, id="withdrawn-today"),
        pytest.param(
            {"given_on": TODAY - dt.timedelta(days=400), "expires_on": YESTERDAY}, id="expired"
        ),
        pytest.param({"given_on": TODAY + dt.timedelta(days=1)}, id="not-yet-given"),
        pytest.param({"other_study": True}, id="another-study-only"),
    ],
)
def test_invalid_consent_is_refused(project: ResearchProject, consent: dict):
    participant = make_participant()
    make_enrollment(project, participant)
    study = make_project() if consent.pop("other_study", False) else project
    make_consent(participant, project=study, **consent)
    session = make_session(project, participants=[participant])
    before = counts()

    message = import_error(session, "zoom.vtt", fixture_bytes("zoom.vtt"))

    assert participant.pseudonym in message
    assert counts() == before


@pytest.mark.parametrize("for_every_study", [True, False])
def test_valid_consent_for_this_or_every_study_is_accepted(
    project: ResearchProject, for_every_study: bool
):
    participant = make_participant()
    make_enrollment(project, participant)
    make_consent(participant, project=None if for_every_study else project, expires_on=TODAY)
    session = make_session(project, participants=[participant])

    _transcript, created = transcript_import(
        session=session, filename="zoom.vtt", data=fixture_bytes("zoom.vtt"), by=None
    )

    assert created


def test_one_participant_without_consent_refuses_a_two_person_session(project: ResearchProject):
    ada = consenting(project)
    bob = make_participant(name="Bob Byte")
    make_enrollment(project, bob)
    session = make_session(project, participants=[ada, bob])
    before = counts()

    message = import_error(session, "zoom.vtt", fixture_bytes("zoom.vtt"))

    assert bob.pseudonym in message and ada.pseudonym not in message
    assert counts() == before


def test_session_without_participants_imports(session: Session):
    _transcript, created = transcript_import(
        session=session, filename="rev.txt", data=fixture_bytes("rev.txt"), by=None
    )

    assert created
    assert not session.participants.exists()


# --- Service: bad files -------------------------------------------------------------------------

ZOOM = fixture_bytes("zoom.vtt")


@pytest.mark.parametrize(
    ("filename", "data", "says"),
    [
        pytest.param("empty.vtt", b"", "empty", id="empty"),
        pytest.param("blank.txt", b"   \n\n  \n", "empty", id="only-whitespace"),
        pytest.param(
            "tags.srt",
            b"1\n00:00:01,000 --> 00:00:02,000\n<i></i>\n",
            "no transcript",
            id="no-text",
        ),
        pytest.param("photo.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary", id="binary"),
        pytest.param("cut.vtt", ZOOM[: ZOOM.index(b"00:00:10.420") + 8], "cut short", id="cut"),
        pytest.param("report.docx", b"This is not a Word file at all.", "", id="docx-not-zip"),
        pytest.param("notes.pdf", b"%PDF-1.7\n", ".pdf", id="unknown-extension"),
        pytest.param("README", b"Ada: hello", "no extension", id="no-extension"),
    ],
)
def test_bad_file_is_refused_with_its_name_and_nothing_is_stored(
    session: Session, filename: str, data: bytes, says: str
):
    before, files = counts(), stored_files()

    message = import_error(session, filename, data)

    assert message.startswith(f"{filename}: ")
    assert says in message
    assert counts() == before and stored_files() == files


@pytest.mark.parametrize(
    ("filename", "data"),
    [
        ("cut.vtt", ZOOM[: ZOOM.index(b"00:00:10.420") + 22]),
        ("cut.srt", b"1\n00:00:01,000 --> 00:00:04,000\nAna: hello\n\n2\n00:00:05,000 --> 00:00"),
    ],
)
def test_subtitle_file_cut_inside_its_last_timing_line_is_refused(
    session: Session, filename: str, data: bytes
):
    before = counts()

    assert "cut short" in import_error(session, filename, data)
    assert counts() == before


def test_file_over_the_size_limit_is_refused(session: Session, settings):
    settings.TRANSCRIPT_MAX_BYTES = 100
    before = counts()

    message = import_error(session, "long.vtt", ZOOM)

    assert message.startswith("long.vtt: ") and "limit" in message
    assert counts() == before


def test_a_failure_while_storing_rows_leaves_no_transcript_and_no_file(
    session: Session, monkeypatch: pytest.MonkeyPatch
):
    def fail(*args: object, **kwargs: Any) -> None:
        raise RuntimeError("database went away")

    monkeypatch.setattr(Utterance.objects, "bulk_create", fail)
    before, files = counts(), stored_files()

    with pytest.raises(RuntimeError):
        transcript_import(session=session, filename="zoom.vtt", data=ZOOM, by=None)

    assert counts() == before and stored_files() == files


# --- Service: one new session per file ----------------------------------------------------------


def test_bulk_import_matches_participants_and_dates_from_file_names(
    project: ResearchProject, researcher: User
):
    ada = consenting(project, name="Ada Lovelace")
    kenji = consenting(project, name="Kenji Tanaka")
    zoom = make_participant(name="Someone Else")  # in another study only
    make_enrollment(make_project(), zoom)
    before, files = counts(), stored_files()

    outcomes = transcripts_import_as_sessions(
        project=project,
        files=[
            (f"{kenji.pseudonym}_2026-10-14.srt", fixture_bytes("with_speakers.srt")),
            ("interview ada-lovelace 2026-10-15.vtt", ZOOM),
            ("broken.vtt", ZOOM[:40]),
            (f"call {zoom.pseudonym} 20261016.txt", fixture_bytes("rev.txt")),
        ],
        by=researcher,
    )

    assert [(o.ok, o.created) for o in outcomes] == [
        (True, True),
        (True, True),
        (False, False),
        (True, True),
    ]
    assert outcomes[2].error.startswith("broken.vtt: ") and outcomes[2].transcript is None
    assert counts()["sessions"] == before["sessions"] + 3
    assert counts()["transcripts"] == before["transcripts"] + 3
    assert len(stored_files() - files) == 3
    by_kenji, by_ada = (o.transcript.session for o in outcomes[:2])
    unmatched = outcomes[3].transcript.session
    assert list(by_kenji.participants.all()) == [kenji]
    assert list(by_ada.participants.all()) == [ada]
    assert not unmatched.participants.exists()  # a participant of another study is not linked
    assert by_kenji.scheduled_at == dt.datetime(2026, 10, 14, 9, 0, tzinfo=dt.UTC)
    assert by_ada.scheduled_at.date() == dt.date(2026, 10, 15)
    assert unmatched.scheduled_at.date() == dt.date(2026, 10, 16)
    assert all(list(s.interviewers.all()) == [researcher] for s in (by_kenji, by_ada, unmatched))
    assert all(s.project == project for s in (by_kenji, by_ada, unmatched))
    # Speakers are matched against the new session's participant.
    transcript = outcomes[0].transcript
    assert transcript is not None
    assert mapping(transcript)["KENJI TANAKA"] == (kenji, None)


def test_bulk_import_of_the_same_batch_twice_creates_nothing_new(project: ResearchProject):
    ada = consenting(project)
    batch = [
        (f"{ada.pseudonym}.vtt", ZOOM),
        ("unmatched.txt", fixture_bytes("otter.txt")),
        ("bad.docx", b"nope"),
    ]
    first = transcripts_import_as_sessions(project=project, files=batch, by=None)
    before, files = counts(), stored_files()

    again = transcripts_import_as_sessions(project=project, files=batch, by=None)

    assert [(o.ok, o.created) for o in again] == [(True, False), (True, False), (False, False)]
    assert [o.transcript for o in again[:2]] == [o.transcript for o in first[:2]]
    assert counts() == before and stored_files() == files


def test_bulk_import_refuses_a_named_participant_without_consent_and_keeps_no_session(
    project: ResearchProject,
):
    ada = make_participant(name="Ada Lovelace")
    make_enrollment(project, ada)
    before, files = counts(), stored_files()

    (outcome,) = transcripts_import_as_sessions(
        project=project, files=[(f"{ada.pseudonym}.vtt", ZOOM)], by=None
    )

    assert not outcome.ok and ada.pseudonym in outcome.error
    assert counts() == before and stored_files() == files


def test_bulk_import_links_nobody_when_the_file_name_names_two_participants(
    project: ResearchProject,
):
    consenting(project, name="Ada Lovelace")
    consenting(project, name="Grace Hopper")

    (outcome,) = transcripts_import_as_sessions(
        project=project, files=[("ada lovelace & grace hopper.vtt", ZOOM)], by=None
    )

    assert outcome.ok and not outcome.transcript.session.participants.exists()


def test_bulk_import_records_no_interviewer_for_a_viewer(project: ResearchProject, viewer: User):
    (outcome,) = transcripts_import_as_sessions(project=project, files=[("a.vtt", ZOOM)], by=viewer)

    assert not outcome.transcript.session.interviewers.exists()


def test_bulk_import_puts_the_pseudonym_where_the_file_name_had_the_participants_name(
    project: ResearchProject,
):
    ada = consenting(project, name="Ada Lovelace")

    (outcome,) = transcripts_import_as_sessions(
        project=project, files=[("Interview ADA_lovelace 2026-10-14.vtt", ZOOM)], by=None
    )

    session = outcome.transcript.session
    assert list(session.participants.all()) == [ada]
    for title in (session.title, outcome.transcript.title):
        assert "lovelace" not in title.lower()
        assert title == f"{ada.pseudonym} — Interview, 14 Oct"


def test_name_in_the_file_name_is_matched_and_replaced_whatever_its_case_and_accents(
    project: ResearchProject,
):
    jose = consenting(project, name="José García")

    (outcome,) = transcripts_import_as_sessions(
        project=project, files=[("call-JOSE_garcia.final.txt", fixture_bytes("rev.txt"))], by=None
    )

    assert list(outcome.transcript.session.participants.all()) == [jose]
    assert outcome.transcript.session.title == f"{jose.pseudonym} — Call"


def test_upload_into_a_session_keeps_its_participants_name_out_of_the_title(
    project: ResearchProject,
):
    ada = consenting(project, name="Ada Lovelace")
    session = make_session(project, participants=[ada])

    transcript = make_transcript(session, filename="Ada Lovelace - renewal.vtt", data=ZOOM)

    assert transcript.title == f"{ada.pseudonym} — Renewal"


@pytest.mark.parametrize(
    ("filename", "title", "scheduled_at"),
    [
        (
            "GMT20261203-160431_Recording.transcript.vtt",
            "Zoom interview, 3 Dec",
            dt.datetime(2026, 12, 3, 16, 4, 31, tzinfo=dt.UTC),
        ),
        (
            "GMT20260917-160431_Recording_1920x1080_audio_only.vtt",
            "Zoom interview, 17 Sep",
            dt.datetime(2026, 9, 17, 16, 4, 31, tzinfo=dt.UTC),
        ),
        (
            "Renewal call_transcript 2026-10-14.vtt",
            "Renewal call, 14 Oct",
            dt.datetime(2026, 10, 14, 9, 0, tzinfo=dt.UTC),
        ),
        (
            "Customer interview (2026-12-03 14:02 GMT+1) - Transcript.vtt",
            "Customer interview, 3 Dec",
            dt.datetime(2026, 12, 3, 9, 0, tzinfo=dt.UTC),
        ),
        ("audio_only.transcript.vtt", "Interview", None),
    ],
)
def test_bulk_import_titles_drop_recorder_noise(
    project: ResearchProject, filename: str, title: str, scheduled_at: dt.datetime | None
):
    (outcome,) = transcripts_import_as_sessions(project=project, files=[(filename, ZOOM)], by=None)

    session = outcome.transcript.session
    assert (session.title, outcome.transcript.title) == (title, title)
    if scheduled_at is not None:
        assert session.scheduled_at == scheduled_at


def test_bulk_import_title_leads_with_the_pseudonym_of_the_participant_named_in_the_file(
    project: ResearchProject,
):
    ada = consenting(project, name="Ada Lovelace")
    consenting(project, name="Grace Hopper")

    (named,) = transcripts_import_as_sessions(
        project=project,
        files=[("Ada_Lovelace GMT20261203-160431_Recording.transcript.vtt", ZOOM)],
        by=None,
    )
    number = ada.pseudonym.removeprefix("P-")
    (numbered,) = transcripts_import_as_sessions(
        project=project, files=[(f"p{number}_renewal-call.final.txt", txt(("Ada", "Hi")))], by=None
    )

    assert named.transcript.session.title == f"{ada.pseudonym} — Zoom interview, 3 Dec"
    # "p001" in the name is the participant's pseudonym written another way: not repeated.
    assert numbered.transcript.session.title == f"{ada.pseudonym} — Renewal-call"


def test_google_meet_document_is_titled_by_its_tool(project: ResearchProject):
    (outcome,) = transcripts_import_as_sessions(
        project=project, files=[("transcript.docx", build_meet_paragraphs_docx())], by=None
    )

    assert outcome.transcript.title == "Google Meet interview"


# --- Linking a participant later ----------------------------------------------------------------


def session_post(session: Session, **changes: Any) -> dict[str, object]:
    data: dict[str, object] = {
        "title": session.title,
        "kind": session.kind,
        "mode": session.mode,
        "scheduled_at": session.scheduled_at.strftime("%Y-%m-%dT%H:%M"),
        "duration_minutes": session.duration_minutes,
        "participants": [p.pk for p in session.participants.all()],
        "interviewers": [u.pk for u in session.interviewers.all()],
        "recording_url": "",
    }
    data.update(changes)
    return data


def test_linking_a_participant_without_consent_to_a_session_with_a_transcript_is_refused(
    project: ResearchProject, researcher_client: Client, session: Session
):
    make_transcript(session, data=ZOOM)
    ada = make_participant(name="Ada Lovelace")
    make_enrollment(project, ada)
    url = reverse("interviews:session-edit", args=[project.slug, session.pk])

    response = researcher_client.post(url, session_post(session, participants=[ada.pk]))

    assert response.status_code == 200
    assert f"{ada.pseudonym} cannot be linked" in response.content.decode()
    assert not session.participants.exists()


def test_linking_a_participant_with_consent_to_a_session_with_a_transcript_works(
    project: ResearchProject, researcher_client: Client, session: Session
):
    make_transcript(session, data=ZOOM)
    ada = consenting(project)
    url = reverse("interviews:session-edit", args=[project.slug, session.pk])

    response = researcher_client.post(url, session_post(session, participants=[ada.pk]))

    assert response.status_code == 302
    assert list(session.participants.all()) == [ada]


def test_a_session_whose_participant_later_withdrew_can_still_be_edited(
    project: ResearchProject, researcher_client: Client
):
    ada = consenting(project)
    session = make_session(project, participants=[ada], title="Before")
    make_transcript(session, data=ZOOM)
    ada.consents.update(withdrawn_on=TODAY)
    url = reverse("interviews:session-edit", args=[project.slug, session.pk])

    response = researcher_client.post(url, session_post(session, title="After"))

    assert response.status_code == 302
    session.refresh_from_db()
    assert session.title == "After"


# --- Views: uploading ---------------------------------------------------------------------------


def upload_url(session: Session) -> str:
    return reverse("interviews:transcript-upload", args=[session.project.slug, session.pk])


# Committed for real, as a request is: the import job's on_commit hook runs at once.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_researcher_uploads_one_file_and_lands_on_the_reader(
    researcher_client: Client, session: Session, researcher: User
):
    # Without a broker the import job runs inside the request, so one imported file opens its
    # reader. Several files, and the job page: tests/interviews/test_transcript_uploads.py.
    response = researcher_client.post(
        upload_url(session), {"files": upload("teams.vtt", fixture_bytes("teams.vtt"))}
    )

    transcript = session.transcripts.get()
    assert response.status_code == 302
    assert response["Location"] == transcript.get_absolute_url()
    assert transcript.imported_by == researcher
    assert messages_of(response) == ["Imported 1 transcript."]


# A browser always sends the CSRF token, so the form is bound even without a file.
def test_upload_without_a_file_shows_the_form_with_an_error(
    researcher_client: Client, session: Session
):
    response = researcher_client.post(upload_url(session), {"csrfmiddlewaretoken": "x"})

    assert response.status_code == 200
    assert response.context["form"].errors["files"]
    assert not session.transcripts.exists()


def test_bulk_import_without_a_file_says_so(lead_client: Client, project: ResearchProject):
    url = reverse("interviews:transcript-import", args=[project.slug])
    before = counts()

    response = lead_client.post(url, {"csrfmiddlewaretoken": "x"})

    assert response.status_code == 200
    assert response.context["form"].errors["files"] == ["This field is required."]
    assert counts() == before


@pytest.mark.parametrize(("persona", "status"), [("viewer", 403), ("outsider", 404)])
def test_viewer_and_outsider_cannot_upload(
    request: pytest.FixtureRequest, session: Session, persona: str, status: int
):
    client = request.getfixturevalue(f"{persona}_client")
    before = counts()

    single = client.post(upload_url(session), {"files": upload("zoom.vtt", ZOOM)})
    bulk = client.post(
        reverse("interviews:transcript-import", args=[session.project.slug]),
        {"files": upload("P-001.vtt", ZOOM)},
    )

    assert (single.status_code, bulk.status_code) == (status, status)
    assert counts() == before


def test_upload_to_a_session_of_another_study_is_404(researcher_client: Client, session: Session):
    other = make_session(make_project())
    url = reverse("interviews:transcript-upload", args=[session.project.slug, other.pk])
    before = counts()

    response = researcher_client.post(url, {"files": upload("zoom.vtt", ZOOM)})

    assert response.status_code == 404
    assert counts() == before


# --- Views: the reader --------------------------------------------------------------------------

NAMED_VTT = vtt(
    (5, "Ada Lovelace", "The renewal took three weeks."),
    (70, "Grace Hopper", "Procurement asked for a discount."),
    (3725, "Ada Lovelace", "That was in the second hour."),
)


@pytest.fixture
def named_transcript(project: ResearchProject) -> Transcript:
    ada = consenting(project, name="Ada Lovelace")
    session = make_session(project, participants=[ada])
    return make_transcript(session, filename="renewal.vtt", data=NAMED_VTT)


def test_reader_shows_each_utterance_with_its_anchor_and_time(
    researcher_client: Client, named_transcript: Transcript
):
    response = researcher_client.get(named_transcript.get_absolute_url())

    html = response.content.decode()
    assert response.status_code == 200
    for utterance in named_transcript.utterances.all():
        assert f'id="u-{utterance.pk}"' in html
        assert f'href="#u-{utterance.pk}"' in html
    assert ">00:05</a>" in html and ">01:10</a>" in html and ">1:02:05</a>" in html


def test_viewer_sees_pseudonym_and_speaker_number_never_the_names(
    viewer_client: Client, named_transcript: Transcript
):
    ada = named_transcript.session.participants.get()
    assert mapping(named_transcript)["Ada Lovelace"] == (ada, None)

    html = viewer_client.get(named_transcript.get_absolute_url()).content.decode()

    assert ada.pseudonym in html
    assert '<span class="speaker">Speaker 2</span>' in html
    for name in ("Lovelace", "Grace", "Hopper"):
        assert name not in html


def test_researcher_sees_the_label_of_an_unmapped_speaker(
    researcher_client: Client, named_transcript: Transcript
):
    html = researcher_client.get(named_transcript.get_absolute_url()).content.decode()

    ada = named_transcript.session.participants.get()
    assert '<span class="speaker">Grace Hopper</span>' in html
    assert f'<span class="speaker">{ada.pseudonym}</span>' in html


def test_viewer_does_not_see_a_name_in_the_source_file_name(
    project: ResearchProject, viewer_client: Client, researcher_client: Client
):
    session = make_session(project)
    transcript = make_transcript(session, filename="call with Grace Hopper.vtt", data=ZOOM)

    viewer_html = viewer_client.get(transcript.get_absolute_url()).content.decode()
    researcher_html = researcher_client.get(transcript.get_absolute_url()).content.decode()

    assert "call with Grace Hopper.vtt" in researcher_html
    assert "call with Grace Hopper.vtt" not in viewer_html


def test_reader_escapes_html_in_the_transcript(researcher_client: Client, session: Session):
    # Subtitle parsers drop tags; plain text keeps them as text, so the template must escape.
    data = txt(("Ada", "<script>alert(1)</script> & more"), ("Interviewer", '"<b>hi</b>"'))
    transcript = make_transcript(session, filename="x.txt", data=data)

    html = researcher_client.get(transcript.get_absolute_url()).content.decode()

    assert "<script>alert(1)</script>" not in html and "<b>hi</b>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; more" in html


def test_reader_of_a_transcript_in_another_session_is_404(
    researcher_client: Client, named_transcript: Transcript, project: ResearchProject
):
    other = make_session(project)
    url = reverse("insights:transcript-detail", args=[project.slug, other.pk, named_transcript.pk])

    assert researcher_client.get(url).status_code == 404


def test_reader_runs_the_same_queries_for_10_or_200_utterances(
    project: ResearchProject, researcher_client: Client, django_assert_num_queries
):
    ada = consenting(project, name="Ada Lovelace")
    small = make_transcript(
        make_session(project, participants=[ada]), filename="s.txt", data=timed_txt(10)
    )
    large = make_transcript(
        make_session(project, participants=[ada]), filename="l.txt", data=timed_txt(200)
    )
    assert (small.utterances.count(), large.utterances.count()) == (10, 200)
    researcher_client.get(small.get_absolute_url())  # warm up the session and the user
    with CaptureQueriesContext(connection) as small_queries:
        assert researcher_client.get(small.get_absolute_url()).status_code == 200

    # session, user, project, membership, researcher-anywhere, transcript+session, speakers,
    # utterances, the session's project for its link.
    with django_assert_num_queries(len(small_queries)):
        response = researcher_client.get(large.get_absolute_url())

    assert response.content.decode().count('class="utterance"') == 200


# --- Views: speakers ----------------------------------------------------------------------------


def speakers_url(transcript: Transcript) -> str:
    session = transcript.session
    return reverse(
        "interviews:transcript-speakers", args=[session.project.slug, session.pk, transcript.pk]
    )


def test_speaker_mapping_is_saved(
    researcher_client: Client, named_transcript: Transcript, researcher: User
):
    named_transcript.session.interviewers.add(researcher)
    ada = named_transcript.session.participants.get()
    speakers = {s.label: s for s in named_transcript.speakers.all()}

    response = researcher_client.post(
        speakers_url(named_transcript),
        {
            f"speaker_{speakers['Ada Lovelace'].pk}": "",
            f"speaker_{speakers['Grace Hopper'].pk}": f"u{researcher.pk}",
        },
    )

    assert (
        response.status_code == 302 and response["Location"] == named_transcript.get_absolute_url()
    )
    assert mapping(named_transcript) == {
        "Ada Lovelace": (None, None),
        "Grace Hopper": (None, researcher),
    }
    assert ada  # still in the session, only unmapped from the label


@pytest.mark.parametrize("value", ["p{outsider}", "u{outsider_user}", "p0", "pX", "x1"])
def test_speaker_mapping_refuses_anyone_not_in_the_session(
    researcher_client: Client, named_transcript: Transcript, project: ResearchProject, value: str
):
    stranger = consenting(project, name="Not In Session")
    user = make_user("stranger")
    speaker = named_transcript.speakers.get(label="Grace Hopper")
    before = mapping(named_transcript)

    response = researcher_client.post(
        speakers_url(named_transcript),
        {f"speaker_{speaker.pk}": value.format(outsider=stranger.pk, outsider_user=user.pk)},
    )

    assert response.status_code == 200
    assert response.context["form"].errors[f"speaker_{speaker.pk}"]
    assert mapping(named_transcript) == before


def test_viewer_cannot_change_speakers(viewer_client: Client, named_transcript: Transcript):
    ada = named_transcript.session.participants.get()
    speaker = named_transcript.speakers.get(label="Grace Hopper")
    before = mapping(named_transcript)

    response = viewer_client.post(speakers_url(named_transcript), {f"speaker_{speaker.pk}": ""})
    response_p = viewer_client.post(
        speakers_url(named_transcript), {f"speaker_{speaker.pk}": f"p{ada.pk}"}
    )

    assert (response.status_code, response_p.status_code) == (403, 403)
    assert mapping(named_transcript) == before


def test_speakers_page_hints_at_labels_that_look_alike_and_maps_both_to_one_person(
    researcher_client: Client, project: ResearchProject
):
    ada = consenting(project, name="Ada Lovelace")
    session = make_session(project, participants=[ada])
    transcript = make_transcript(
        session,
        filename="typo.txt",
        data=txt(
            ("Interviewer", "How was the renewal?"),
            ("Participant", "Slow."),
            ("Interviewer", "Why?"),
            ("Particpant", "Procurement."),
        ),
    )
    speakers = {s.label: s for s in transcript.speakers.all()}

    page = researcher_client.get(speakers_url(transcript)).content.decode()
    response = researcher_client.post(
        speakers_url(transcript),
        {
            f"speaker_{speakers['Participant'].pk}": f"p{ada.pk}",
            f"speaker_{speakers['Particpant'].pk}": f"p{ada.pk}",
            f"speaker_{speakers['Interviewer'].pk}": "",
        },
    )

    assert "Looks like “Participant”: if it is the same person, map both to them." in page
    assert "Looks like “Particpant”" in page
    assert "Looks like “Interviewer”" not in page
    assert response.status_code == 302
    assert mapping(transcript) == {
        "Interviewer": (None, None),
        "Participant": (ada, None),
        "Particpant": (ada, None),
    }


@pytest.mark.parametrize(
    ("labels", "expected"),
    [
        (
            ["Participant", "Particpant"],
            {"Participant": ["Particpant"], "Particpant": ["Participant"]},
        ),
        (
            ["INTERVIEWER", "Interviewer"],
            {"INTERVIEWER": ["Interviewer"], "Interviewer": ["INTERVIEWER"]},
        ),
        (
            ["José García", "Jose Garcia"],
            {"José García": ["Jose Garcia"], "Jose Garcia": ["José García"]},
        ),
        (["Speaker 1", "Speaker 2"], {}),
        (["P-014", "P-041"], {}),
        (["Interviewer", "Interviewer 2"], {}),
        (["Ana", "Ann", "Ben"], {}),
    ],
)
def test_near_identical_labels(labels: list[str], expected: dict[str, list[str]]):
    assert near_identical_labels(labels) == expected


# --- Views: deleting a transcript ---------------------------------------------------------------


def delete_url(transcript: Transcript) -> str:
    session = transcript.session
    return reverse(
        "interviews:transcript-delete", args=[session.project.slug, session.pk, transcript.pk]
    )


def test_deleting_a_transcript_removes_its_rows_and_file(
    researcher_client: Client, named_transcript: Transcript, django_capture_on_commit_callbacks
):
    file_name = stored_name(named_transcript)
    assert default_storage.exists(file_name)

    # The file is deleted once the transaction that deleted the rows commits.
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = researcher_client.post(delete_url(named_transcript))
    assert len(callbacks) == 1

    assert response.status_code == 302
    assert response["Location"] == named_transcript.session.get_absolute_url()
    assert not Transcript.objects.filter(pk=named_transcript.pk).exists()
    assert not Speaker.objects.filter(transcript_id=named_transcript.pk).exists()
    assert not Utterance.objects.filter(transcript_id=named_transcript.pk).exists()
    assert not default_storage.exists(file_name)


def test_a_failed_delete_keeps_the_transcript_and_its_file(
    researcher_client: Client,
    named_transcript: Transcript,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks,
):
    def fail(self: Transcript, *args: object, **kwargs: Any) -> None:
        Utterance.objects.filter(transcript=self).delete()  # some rows go before the failure
        raise RuntimeError("database went away")

    monkeypatch.setattr(Transcript, "delete", fail)
    researcher_client.raise_request_exception = True
    before = counts()

    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
    ):
        researcher_client.post(delete_url(named_transcript))

    assert callbacks == []
    assert counts() == before
    assert default_storage.exists(stored_name(named_transcript))


@pytest.mark.parametrize(("persona", "status"), [("viewer", 403), ("outsider", 404)])
def test_viewer_and_outsider_cannot_delete_a_transcript(
    request: pytest.FixtureRequest, named_transcript: Transcript, persona: str, status: int
):
    client = request.getfixturevalue(f"{persona}_client")
    before = counts()

    assert client.post(delete_url(named_transcript)).status_code == status
    assert counts() == before
    assert default_storage.exists(stored_name(named_transcript))


def test_delete_needs_post(researcher_client: Client, named_transcript: Transcript):
    assert researcher_client.get(delete_url(named_transcript)).status_code == 405
    assert Transcript.objects.filter(pk=named_transcript.pk).exists()


# --- Views: field notes -------------------------------------------------------------------------


def note_urls(session: Session, note: FieldNote | None = None) -> dict[str, str]:
    slug = session.project.slug
    urls = {"create": reverse("interviews:fieldnote-create", args=[slug, session.pk])}
    if note is not None:
        urls["edit"] = reverse("interviews:fieldnote-edit", args=[slug, session.pk, note.pk])
        urls["delete"] = reverse("interviews:fieldnote-delete", args=[slug, session.pk, note.pk])
    return urls


def test_field_note_is_added_escaped_and_anchored(
    researcher_client: Client, session: Session, researcher: User
):
    response = researcher_client.post(
        note_urls(session)["create"],
        {"kind": "observation", "text": "Uses <b>two</b> SSO tools", "observed_at": "1:02:03"},
    )

    note = session.field_notes.get()
    assert response.status_code == 302
    assert response["Location"] == f"{session.get_absolute_url()}#note-{note.pk}"
    assert (note.author, note.observed_at_ms) == (researcher, 3_723_000)
    # (Viewers would not see it: the session has no consented participant linked.)
    html = researcher_client.get(session.get_absolute_url()).content.decode()
    assert f'id="note-{note.pk}"' in html
    assert "Uses &lt;b&gt;two&lt;/b&gt; SSO tools" in html and "<b>two</b>" not in html
    assert "at 1:02:03" in html


def test_field_note_is_edited_and_its_time_shown_in_the_form(
    researcher_client: Client, session: Session
):
    note = FieldNote.objects.create(session=session, text="First", observed_at_ms=125_000)
    url = note_urls(session, note)["edit"]
    assert researcher_client.get(url).context["form"]["observed_at"].value() == "2:05"

    response = researcher_client.post(url, {"kind": "quote", "text": "Second", "observed_at": ""})

    note.refresh_from_db()
    assert response.status_code == 302 and response["Location"].endswith(f"#note-{note.pk}")
    assert (note.kind, note.text, note.observed_at_ms) == ("quote", "Second", None)


@pytest.mark.parametrize("bad_time", ["12:75", "1:60:00", "12", "12:", ":30", "a:30", "²:30"])
def test_field_note_with_a_bad_time_is_refused_and_nothing_saved(
    researcher_client: Client, session: Session, bad_time: str
):
    note = FieldNote.objects.create(session=session, text="Keep me", observed_at_ms=1000)

    created = researcher_client.post(
        note_urls(session)["create"], {"kind": "observation", "text": "x", "observed_at": bad_time}
    )
    edited = researcher_client.post(
        note_urls(session, note)["edit"],
        {"kind": "quote", "text": "Changed", "observed_at": bad_time},
    )

    assert (created.status_code, edited.status_code) == (200, 200)
    assert created.context["form"].errors["observed_at"]
    assert edited.context["form"].errors["observed_at"]
    assert list(session.field_notes.values_list("text", "kind", "observed_at_ms")) == [
        ("Keep me", "observation", 1000)
    ]


def test_field_note_time_beyond_what_the_column_holds_is_refused(
    researcher_client: Client, session: Session
):
    # 9,999,999 minutes is about 19 years: more milliseconds than a PostgreSQL integer holds.
    response = researcher_client.post(
        note_urls(session)["create"], {"kind": "quote", "text": "x", "observed_at": "9999999:00"}
    )

    assert response.status_code == 200
    assert response.context["form"].errors["observed_at"]
    assert not session.field_notes.exists()


def test_field_note_is_deleted(researcher_client: Client, session: Session):
    note = FieldNote.objects.create(session=session, text="Gone soon")

    response = researcher_client.post(note_urls(session, note)["delete"])

    assert response.status_code == 302 and response["Location"] == session.get_absolute_url()
    assert not session.field_notes.exists()


@pytest.mark.parametrize(("persona", "status"), [("viewer", 403), ("outsider", 404)])
def test_viewer_and_outsider_cannot_change_field_notes(
    request: pytest.FixtureRequest, session: Session, persona: str, status: int
):
    client = request.getfixturevalue(f"{persona}_client")
    note = FieldNote.objects.create(session=session, text="Keep me")
    urls = note_urls(session, note)

    responses = [
        client.post(urls["create"], {"kind": "quote", "text": "new"}),
        client.post(urls["edit"], {"kind": "quote", "text": "changed"}),
        client.post(urls["delete"]),
    ]

    assert [r.status_code for r in responses] == [status] * 3
    assert list(session.field_notes.values_list("text", flat=True)) == ["Keep me"]


def test_field_note_of_another_session_is_404(researcher_client: Client, session: Session):
    other = make_session(session.project)
    note = FieldNote.objects.create(session=other, text="Keep me")
    url = reverse("interviews:fieldnote-delete", args=[session.project.slug, session.pk, note.pk])

    assert researcher_client.post(url).status_code == 404
    assert FieldNote.objects.filter(pk=note.pk).exists()


# --- manage.py import_transcripts ---------------------------------------------------------------


class TtyStringIO(io.StringIO):
    def isatty(self) -> bool:
        return True


def run_command(*args: str, stdout: io.StringIO | None = None) -> tuple[str, Exception | None]:
    out = stdout or io.StringIO()
    try:
        call_command("import_transcripts", *args, stdout=out, stderr=io.StringIO())
    except CommandError as error:
        return out.getvalue(), error
    return out.getvalue(), None


@pytest.fixture
def folder(tmp_path: Path, project: ResearchProject) -> Path:
    ada = consenting(project, name="Ada Lovelace")
    (tmp_path / f"{ada.pseudonym} 2026-10-14.vtt").write_bytes(ZOOM)
    (tmp_path / "unknown-caller.srt").write_bytes(fixture_bytes("no_speakers.srt"))
    (tmp_path / "ignored.pdf").write_bytes(b"%PDF")
    (tmp_path / ".hidden.txt").write_bytes(b"Ada: hi")
    (tmp_path / "nested").mkdir()
    (tmp_path / "nested" / "deeper.txt").write_bytes(fixture_bytes("otter.txt"))
    return tmp_path


def test_command_imports_a_directory_and_prints_a_summary(folder: Path, project: ResearchProject):
    before = counts()

    output, error = run_command(str(folder), "--project", project.slug)

    assert error is None
    assert counts()["sessions"] == before["sessions"] + 2
    lines = output.splitlines()
    assert lines[0].startswith("[1/2] imported: ") and lines[0].endswith("2026-10-14.vtt")
    assert lines[1] == f"[2/2] imported: {folder / 'unknown-caller.srt'}"
    assert "Imported 2, already imported 0, refused 0." in output
    assert "Sessions that need a participant linked" in output
    unlinked = Session.objects.get(project=project, title="Unknown-caller")
    assert f"{unlinked.get_absolute_url()}edit/" in output
    assert not Transcript.objects.filter(source_filename__in=["deeper.txt", ".hidden.txt"])


def test_command_reads_subdirectories_with_recursive(folder: Path, project: ResearchProject):
    output, error = run_command(str(folder), "--project", project.slug, "--recursive")

    assert error is None
    assert "Imported 3, already imported 0, refused 0." in output
    assert Transcript.objects.filter(source_filename="deeper.txt").exists()


def test_command_run_twice_imports_nothing_new(folder: Path, project: ResearchProject):
    run_command(str(folder), "--project", project.slug)
    before = counts()

    output, error = run_command(str(folder), "--project", project.slug)

    assert error is None
    assert "Imported 0, already imported 2, refused 0." in output
    assert "[1/2] already imported: " in output
    assert counts() == before


def test_command_draws_a_progress_bar_on_a_terminal(folder: Path, project: ResearchProject):
    output, error = run_command(str(folder), "--project", project.slug, stdout=TtyStringIO())

    assert error is None
    assert output.count("\r[") == 2
    assert "\r[###############...............] 1/2 " in output
    assert "\r[##############################] 2/2 " in output


def test_command_refusal_prints_the_summary_then_fails(tmp_path: Path, project: ResearchProject):
    (tmp_path / "good.vtt").write_bytes(ZOOM)
    (tmp_path / "cut.vtt").write_bytes(ZOOM[: ZOOM.index(b"00:00:10.420") + 8])
    (tmp_path / "slides.pdf").write_bytes(b"%PDF")
    missing = tmp_path / "missing.txt"
    before = counts()

    output, error = run_command(
        str(tmp_path / "good.vtt"),
        str(tmp_path / "cut.vtt"),
        str(tmp_path / "slides.pdf"),
        str(missing),
        "--project",
        project.slug,
    )

    assert isinstance(error, CommandError)
    assert error.returncode == 1
    assert "3 of 4 files refused" in str(error)
    assert "Imported 1, already imported 0, refused 3." in output
    refused = output.split("Refused:\n", 1)[1]
    assert f"  {tmp_path / 'cut.vtt'}: this is not a valid WebVTT file" in refused
    assert f'  {tmp_path / "slides.pdf"}: files of type ".pdf" cannot be imported' in refused
    assert f"  {missing}: no such file or directory." in refused
    assert counts()["sessions"] == before["sessions"] + 1


def test_command_refuses_an_empty_directory(tmp_path: Path, project: ResearchProject):
    output, error = run_command(str(tmp_path), "--project", project.slug)

    assert isinstance(error, CommandError)
    assert f"  {tmp_path}: no .txt/.md/.docx/.vtt/.srt files in it." in output


def test_command_refuses_a_file_over_the_limit_without_reading_it(
    tmp_path: Path, project: ResearchProject, settings
):
    settings.TRANSCRIPT_MAX_BYTES = 1024 * 1024
    big = tmp_path / "big.txt"
    big.write_bytes(b"Ada: hi\n" * 200_000)
    before = counts()

    output, error = run_command(str(big), "--project", project.slug)

    assert error is not None
    assert f"  {big}: the file is 1.5 MB, which is over the 1.0 MB limit" in output
    assert counts() == before


def test_command_with_an_unknown_study_fails_clearly(tmp_path: Path, project: ResearchProject):
    with pytest.raises(CommandError, match="No study has the short name “nope”"):
        call_command("import_transcripts", str(tmp_path), project="nope", stdout=io.StringIO())


def test_command_records_the_user_as_importer_and_interviewer(
    tmp_path: Path, project: ResearchProject, researcher: User
):
    (tmp_path / "call.vtt").write_bytes(ZOOM)

    _output, error = run_command(str(tmp_path), "--project", project.slug, "--user", "researcher")

    transcript = Transcript.objects.get(source_filename="call.vtt")
    assert error is None
    assert transcript.imported_by == researcher
    assert list(transcript.session.interviewers.all()) == [researcher]


@pytest.mark.parametrize(
    ("username", "says"), [("ghost", "No active user"), ("viewer", "not a lead or researcher")]
)
def test_command_refuses_an_unknown_user_or_a_viewer(
    tmp_path: Path, project: ResearchProject, username: str, says: str
):
    (tmp_path / "call.vtt").write_bytes(ZOOM)
    before = counts()

    with pytest.raises(CommandError, match=says):
        call_command(
            "import_transcripts",
            str(tmp_path),
            project=project.slug,
            user=username,
            stdout=io.StringIO(),
        )

    assert counts() == before


def test_command_without_a_user_records_no_importer(tmp_path: Path, project: ResearchProject):
    (tmp_path / "call.vtt").write_bytes(ZOOM)

    run_command(str(tmp_path / "call.vtt"), "--project", project.slug)

    transcript = Transcript.objects.get(source_filename="call.vtt")
    assert transcript.imported_by is None
    assert not transcript.session.interviewers.exists()
    assert Membership.objects.filter(project=project).count() == 3


def test_consent_is_checked_on_the_given_day(project: ResearchProject) -> None:
    import datetime as dt

    from interviews.transcripts import TranscriptImportError, transcript_import
    from tests.factories import ZOOM_VTT, make_consent, make_participant, make_session

    participant = make_participant(name="Ada Lovelace")
    make_consent(participant, given_on=dt.date(2026, 1, 1), expires_on=dt.date(2026, 6, 30))
    session = make_session(project, participants=[participant])
    with pytest.raises(TranscriptImportError, match="no valid consent"):
        transcript_import(session=session, filename="a.vtt", data=ZOOM_VTT.encode(), by=None)
    transcript, created = transcript_import(
        session=session,
        filename="a.vtt",
        data=ZOOM_VTT.encode(),
        by=None,
        today=dt.date(2026, 3, 1),
    )
    assert created and transcript.utterance_count == 2  # two of Ada's cues merge
