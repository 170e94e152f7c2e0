"""Importing files as new sessions (one per file), and linking a participant to a speaker later."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from interviews.models import (
    ResearchProject,
    Session,
)
from interviews.transcripts import (
    transcripts_import_as_sessions,
)
from tests.factories import (
    make_enrollment,
    make_participant,
    make_project,
    make_session,
    make_transcript,
)
from tests.interviews.importing import (
    TODAY,
    ZOOM,
    consenting,
    counts,
    fixture_bytes,
    mapping,
    stored_files,
    txt,
)
from tests.interviews.parsing import build_meet_paragraphs_docx

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
