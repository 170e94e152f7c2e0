"""The transcript pages: uploading, the reader, mapping speakers and deleting, per persona."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.files.storage import default_storage
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from interviews.models import (
    ResearchProject,
    Session,
    Speaker,
    Transcript,
    Utterance,
)
from interviews.transcripts import (
    near_identical_labels,
)
from tests.factories import (
    make_project,
    make_session,
    make_transcript,
    make_user,
    stored_name,
)
from tests.interviews.importing import (
    ZOOM,
    consenting,
    counts,
    fixture_bytes,
    mapping,
    messages_of,
    timed_txt,
    txt,
    upload,
    upload_url,
    vtt,
)

# --- Views: uploading ---------------------------------------------------------------------------


# Committed for real, as a request is.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_researcher_uploads_one_file_and_lands_on_the_reader(
    researcher_client: Client, session: Session, researcher: User
):
    # One small file is imported by the request, so it opens its reader. One file in the
    # request: test_transcript_upload_now.py; several, and the job page: test_transcript_uploads.py.
    response = researcher_client.post(
        upload_url(session), {"files": upload("teams.vtt", fixture_bytes("teams.vtt"))}
    )

    transcript = session.transcripts.get()
    assert response.status_code == 302
    assert response["Location"] == transcript.get_absolute_url()
    assert transcript.imported_by == researcher
    assert messages_of(response) == ["teams.vtt: Imported."]


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
