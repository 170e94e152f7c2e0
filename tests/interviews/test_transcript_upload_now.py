"""One small transcript file is imported by the request itself: no job, no stored upload.

Several files, or one over TRANSCRIPT_IMPORT_IN_REQUEST_MAX_BYTES, go to a job:
tests/interviews/test_transcript_uploads.py.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from interviews import transcript_uploads, transcripts
from interviews.models import ResearchProject, Session, Transcript
from jobs.models import BackgroundJob
from jobs.uploads import UPLOAD_ROOT
from tests.factories import make_session, make_transcript
from tests.interviews.importing import (
    BROKEN_SRT,
    GOOD,
    ZOOM,
    consenting,
    counts,
    import_url,
    messages_of,
    stored_files,
    upload,
    upload_url,
)


def form_errors(response: Any) -> list[str]:
    return list(response.context["form"].errors["files"])


def test_one_small_file_becomes_a_session_and_opens_its_transcript_without_a_job(
    researcher_client: Client,
    researcher: User,
    project: ResearchProject,
    django_assert_max_num_queries: Any,
) -> None:
    """The request's queries: session, user, the door; then the import's own, as a job item
    has them (tests/interviews/test_transcript_uploads.py), without the job's row, its item,
    the claim, the outcomes, the redirect's read of the job, and the stored upload. On
    PostgreSQL one more: the study's row lock (tests/interviews/test_transcript_import_races.py)."""
    ada = consenting(project)
    uploads_before = stored_files(UPLOAD_ROOT)

    with django_assert_max_num_queries(26):
        response = researcher_client.post(
            import_url(project), {"files": [upload(f"{ada.pseudonym} 2026-10-14.txt", GOOD)]}
        )

    transcript = Transcript.objects.get()
    assert response.status_code == 302
    assert response["Location"] == transcript.get_absolute_url()
    assert list(transcript.session.participants.all()) == [ada]
    assert transcript.imported_by == researcher
    assert messages_of(response) == [f"{ada.pseudonym} 2026-10-14.txt: Imported."]
    assert not BackgroundJob.objects.exists()
    assert stored_files(UPLOAD_ROOT) == uploads_before  # the upload was never stored on its own


def test_a_file_naming_a_participant_without_consent_is_refused(
    researcher_client: Client, project: ResearchProject
) -> None:
    ada = consenting(project)
    ada.consents.all().delete()

    response = researcher_client.post(
        import_url(project), {"files": [upload(f"{ada.pseudonym} call.txt", GOOD)]}
    )

    assert form_errors(response) == [
        f"{ada.pseudonym} call.txt: {ada.pseudonym} has no valid consent on record for this "
        "study. Record consent on the participant's page, then import again."
    ]
    assert not Session.objects.exists()


def test_a_file_naming_no_participant_asks_to_link_one(
    researcher_client: Client, project: ResearchProject
) -> None:
    response = researcher_client.post(import_url(project), {"files": [upload("call.txt", GOOD)]})

    assert messages_of(response) == [
        "call.txt: Imported into a new session; edit the session to link its participant."
    ]


def test_one_small_file_uploaded_into_a_session_goes_into_it(
    researcher_client: Client, project: ResearchProject
) -> None:
    session = make_session(project)

    response = researcher_client.post(upload_url(session), {"files": [upload("zoom.vtt", ZOOM)]})

    transcript = session.transcripts.get()
    assert response["Location"] == transcript.get_absolute_url()
    assert messages_of(response) == ["zoom.vtt: Imported."]
    assert Session.objects.count() == 1


@pytest.mark.parametrize("into_a_session", [False, True])
def test_a_refused_file_is_named_on_the_form_and_leaves_nothing(
    researcher_client: Client, project: ResearchProject, into_a_session: bool
) -> None:
    session = make_session(project)
    before = counts(), stored_files()
    url = upload_url(session) if into_a_session else import_url(project)

    response = researcher_client.post(url, {"files": [upload("broken.srt", BROKEN_SRT)]})

    assert response.status_code == 200
    [error] = form_errors(response)
    assert error.startswith("broken.srt: ")
    assert (counts(), stored_files()) == before  # no new session, transcript or file
    assert not BackgroundJob.objects.exists()


def test_an_empty_file_is_refused_by_name(
    researcher_client: Client, project: ResearchProject
) -> None:
    response = researcher_client.post(import_url(project), {"files": [upload("empty.vtt", b"")]})

    assert form_errors(response) == ["empty.vtt: the file is empty."]


def test_a_file_imported_before_opens_the_earlier_transcript(
    researcher_client: Client, project: ResearchProject
) -> None:
    already = make_transcript(make_session(project), filename="earlier.vtt", data=ZOOM)
    before = counts()

    response = researcher_client.post(import_url(project), {"files": [upload("again.vtt", ZOOM)]})

    assert response["Location"] == already.get_absolute_url()
    assert messages_of(response) == ["again.vtt: Already imported; nothing added."]
    assert counts() == before


def test_an_unexpected_error_is_logged_and_named_and_leaves_nothing(
    researcher_client: Client,
    project: ResearchProject,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    real = transcripts.transcripts_import_as_sessions

    def half_then_crash(**kwargs: Any) -> Any:
        real(**kwargs)  # its session and transcript are written, then rolled back
        raise KeyError("parser bug")

    monkeypatch.setattr(transcript_uploads, "transcripts_import_as_sessions", half_then_crash)

    response = researcher_client.post(import_url(project), {"files": [upload("crash.txt", GOOD)]})

    assert form_errors(response) == [
        "crash.txt: an unexpected error stopped its import; it has been logged."
    ]
    assert not Transcript.objects.exists()
    assert not Session.objects.exists()
    assert "crash.txt" in caplog.text


@pytest.mark.parametrize(
    ("limit", "sizes"),
    [
        (len(GOOD) - 1, [len(GOOD)]),  # one file over the limit
        (10 * len(GOOD), [len(GOOD), len(GOOD)]),  # two small files
        (0, [len(GOOD)]),  # 0: every upload is a job
    ],
)
def test_more_files_or_a_larger_one_go_to_a_job(
    researcher_client: Client,
    project: ResearchProject,
    settings: Any,
    limit: int,
    sizes: list[int],
) -> None:
    settings.TRANSCRIPT_IMPORT_IN_REQUEST_MAX_BYTES = limit
    files = [upload(f"{n}.txt", GOOD.replace(b"Slowly", f"{n:06}".encode())) for n in sizes]

    researcher_client.post(import_url(project), {"files": files})

    job = BackgroundJob.objects.get()
    assert job.items.count() == len(files)


def test_the_limit_in_the_request_never_passes_the_transcript_limit(settings: Any) -> None:
    settings.TRANSCRIPT_IMPORT_IN_REQUEST_MAX_BYTES = 1000
    settings.TRANSCRIPT_MAX_BYTES = 100

    assert transcript_uploads.upload_imports_now([upload("a.txt", b"x" * 100)])
    assert not transcript_uploads.upload_imports_now([upload("a.txt", b"x" * 101)])


def test_with_a_broker_one_small_file_is_still_imported_in_the_request(
    researcher_client: Client, project: ResearchProject
) -> None:
    from cxresearch.celery import app

    app.conf.task_always_eager = False  # as with REDIS_URL set
    try:
        response = researcher_client.post(
            import_url(project), {"files": [upload("call.txt", GOOD)]}
        )
    finally:
        app.conf.task_always_eager = True

    assert response["Location"] == Transcript.objects.get().get_absolute_url()
    assert not BackgroundJob.objects.exists()


def test_viewers_cannot_upload_one_file_either(viewer: User, project: ResearchProject) -> None:
    client = Client()
    client.force_login(viewer)
    session = make_session(project)

    for url in (import_url(project), upload_url(session)):
        response = client.post(url, {"files": [upload("call.txt", GOOD)]})
        assert response.status_code in (403, 404)
    assert not Transcript.objects.exists()
