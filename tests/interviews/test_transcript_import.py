"""Importing a transcript into a session: every format, speakers, importing twice, consent and
bad files. The parsers have their own tests (test_parse_*.py); these check what reaches the
database and what a refused file leaves behind (nothing)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.files.storage import default_storage

from interviews.models import (
    ResearchProject,
    Session,
    Utterance,
)
from interviews.transcripts import (
    transcript_import,
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
from tests.interviews.importing import (
    FIXTURE_NAMES,
    TODAY,
    ZOOM,
    assert_offsets_hold,
    consenting,
    counts,
    docx_bytes,
    fixture_bytes,
    import_error,
    mapping,
    stored_files,
    txt,
    vtt,
)
from tests.interviews.parsing import build_otter_docx

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
