"""Uploading many transcripts: the request stores the files and starts a job; the job imports them.

Tasks run inline here; a test runs the job by executing the start's on_commit hook
(django_capture_on_commit_callbacks). Through a real worker: tests/jobs/test_worker.py.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.files.storage import default_storage
from django.test import Client
from django.urls import reverse

from interviews import transcript_uploads, transcripts
from interviews.models import ResearchProject, Session, Transcript
from interviews.tasks import import_transcripts
from jobs.models import BackgroundJob, JobItem
from jobs.runner import JobContext, job_retry
from jobs.uploads import UPLOAD_ROOT
from tests.factories import make_session, make_transcript
from tests.interviews.importing import (
    BROKEN_SRT,
    GOOD,
    ZOOM,
    consenting,
    counts,
    fixture_bytes,
    import_url,
    stored_files,
    txt,
    upload,
    upload_url,
)

State = BackgroundJob.State
Outcome = JobItem.Outcome


def outcomes(job: BackgroundJob) -> list[tuple[str, str]]:
    return list(job.items.order_by("position").values_list("label", "outcome"))


def messages(job: BackgroundJob) -> list[str]:
    return list(job.items.order_by("position").values_list("message", flat=True))


@pytest.fixture(autouse=True)
def every_upload_is_a_job(settings: Any) -> None:
    """One small file is imported in the request (test_transcript_upload_now.py); here every
    upload goes to a job."""
    settings.TRANSCRIPT_IMPORT_IN_REQUEST_MAX_BYTES = 0


@pytest.fixture
def run_jobs(django_capture_on_commit_callbacks: Any) -> Any:
    """`with run_jobs(): …` runs the jobs started in the block at its end, as a commit would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


# --- The request: store, start ------------------------------------------------------------------


def test_upload_stores_each_file_and_starts_one_job_with_an_item_per_file(
    lead_client: Client, lead: User, project: ResearchProject
) -> None:
    files = [upload("P-001 2026-10-14.txt", GOOD), upload("notes.vtt", ZOOM)]

    response = lead_client.post(import_url(project), {"files": files})

    job = BackgroundJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("jobs:job-detail", args=[job.pk])
    assert (job.kind, job.state, job.project, job.started_by) == (
        BackgroundJob.Kind.IMPORT_TRANSCRIPTS,
        State.QUEUED,
        project,
        lead,
    )
    assert job.private  # the items are file names, which often carry real names
    assert job.params["session"] is None
    assert outcomes(job) == [("P-001 2026-10-14.txt", "pending"), ("notes.vtt", "pending")]
    first, second = (item.params for item in job.items.order_by("position"))
    assert first["stored"].startswith(f"{job.params['folder']}/")
    assert default_storage.open(first["stored"]).read() == GOOD
    assert default_storage.open(second["stored"]).read() == ZOOM
    assert not Transcript.objects.exists()  # nothing is imported inside the request


def test_a_one_file_import_takes_a_bounded_number_of_queries(
    researcher_client: Client,
    project: ResearchProject,
    run_jobs: Any,
    django_assert_max_num_queries,
) -> None:
    """Each file has an interview's queries, whatever its length; around them the request and
    its job take these (the job runs when the request commits, here at the block's end):
    session, user, the door (project and role in one); the job row and its item (no lookup of
    running jobs: the batch's folder is its own); the redirect's read of the job. The job:
    claim, its row, its items; the savepoint; researcher?; savepoint; the file imported before?,
    names for the participant, the session, its interviewer (added, not set: nothing to read);
    (the session's participants and interviewers are known, not read back: no consent or
    title or speaker-matching reads; not "the same file in the session?": the session is new);
    savepoint; the transcript, its outbox row, speakers, utterances; releases;
    the item's outcome (whether the session has a participant is known, not asked); release;
    the job's outcome. Then the search index task (inline here): 5 queries. On PostgreSQL one
    more: the study's row lock (tests/interviews/test_transcript_import_races.py)."""
    with run_jobs():
        researcher_client.post(import_url(project), {"files": [upload("first.txt", GOOD)]})
    second = txt(("Interviewer", "And the onboarding?"), ("Ana", "Three weeks of SSO setup."))
    with django_assert_max_num_queries(32), run_jobs():
        response = researcher_client.post(import_url(project), {"files": [upload("b.txt", second)]})
    assert response.status_code == 302
    assert Transcript.objects.filter(source_filename="b.txt").exists()


def test_with_a_broker_the_upload_goes_to_its_job_page_without_reading_the_job_again(
    researcher_client: Client, project: ResearchProject, django_assert_max_num_queries
) -> None:
    """A worker takes the job after the request: session, user, the door, the job row and its
    item; whether the job is done is not asked, it cannot be yet."""
    from cxresearch.celery import app

    app.conf.task_always_eager = False  # as with REDIS_URL set
    try:
        with django_assert_max_num_queries(5):
            response = researcher_client.post(
                import_url(project), {"files": [upload("b.txt", GOOD)]}
            )
    finally:
        app.conf.task_always_eager = True

    job = BackgroundJob.objects.get()
    assert response["Location"] == reverse("jobs:job-detail", args=[job.pk])
    assert job.state == State.QUEUED


def test_a_file_over_the_limit_is_refused_unread_and_never_stored(
    lead_client: Client, project: ResearchProject, settings: Any, run_jobs: Any
) -> None:
    settings.TRANSCRIPT_MAX_BYTES = 2 * len(GOOD)
    files = [upload("first.txt", GOOD), upload("huge.txt", GOOD * 3)]

    lead_client.post(import_url(project), {"files": files})

    job = BackgroundJob.objects.get()
    huge = job.items.get(label="huge.txt")
    assert "stored" not in huge.params
    assert len(stored_files(job.params["folder"])) == 1
    with run_jobs():
        import_transcripts.delay(job.pk)
    huge.refresh_from_db()
    assert huge.outcome == Outcome.REFUSED
    assert huge.message == (
        f"huge.txt: the file is {3 * len(GOOD)} bytes, which is over the "
        f"{2 * len(GOOD)} bytes limit for transcripts."
    )
    assert Transcript.objects.get().source_filename == "first.txt"


def test_if_the_job_cannot_be_started_the_stored_files_are_deleted(
    lead_client: Client, project: ResearchProject, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(**kwargs: Any) -> None:
        raise RuntimeError("database gone")

    monkeypatch.setattr(transcript_uploads, "job_start", broken)
    before = stored_files(UPLOAD_ROOT)

    with pytest.raises(RuntimeError):
        lead_client.post(import_url(project), {"files": [upload("a.txt", GOOD)]})

    assert stored_files(UPLOAD_ROOT) == before


@pytest.mark.parametrize(("persona", "status"), [("viewer", 403), ("outsider", 404)])
def test_viewers_and_outsiders_cannot_upload(
    request: pytest.FixtureRequest, project: ResearchProject, persona: str, status: int
) -> None:
    client: Client = request.getfixturevalue(f"{persona}_client")
    session = make_session(project)
    before = (counts(), stored_files(UPLOAD_ROOT))

    bulk = client.post(import_url(project), {"files": upload("P-001.txt", GOOD)})
    single = client.post(upload_url(session), {"files": upload("a.txt", GOOD)})

    assert (bulk.status_code, single.status_code) == (status, status)
    assert not BackgroundJob.objects.exists()
    assert (counts(), stored_files(UPLOAD_ROOT)) == before


# --- The job: one outcome per file --------------------------------------------------------------


def test_good_bad_empty_and_duplicate_files_each_get_their_outcome(
    lead_client: Client, project: ResearchProject, run_jobs: Any
) -> None:
    ada = consenting(project)
    already = make_transcript(make_session(project), filename="earlier.vtt", data=ZOOM)
    files = [
        upload(f"{ada.pseudonym} 2026-10-14.txt", GOOD),
        upload("broken.srt", BROKEN_SRT),
        upload("empty.vtt", b""),
        upload("again.vtt", ZOOM),
        upload("who-is-this.srt", fixture_bytes("no_speakers.srt")),
    ]

    with run_jobs():
        lead_client.post(import_url(project), {"files": files})

    job = BackgroundJob.objects.get()
    assert job.state == State.DONE
    assert job.message == "Imported 2, already imported 1, refused 2."
    assert job.result == {"imported": 2, "already": 1, "refused": 2}
    assert job.result_url == project.get_absolute_url()
    assert [outcome for _label, outcome in outcomes(job)] == [
        "done",
        "refused",
        "refused",
        "skipped",
        "done",
    ]
    good, broken, empty, again, unknown = job.items.order_by("position")
    transcript = Transcript.objects.get(source_filename=good.label)
    assert list(transcript.session.participants.all()) == [ada]
    assert (good.message, good.url) == ("Imported.", transcript.get_absolute_url())
    assert broken.message.startswith("broken.srt: ")
    assert empty.message == "empty.vtt: the file is empty."
    assert (again.message, again.url) == (
        "Already imported; nothing added.",
        already.get_absolute_url(),
    )
    assert "edit the session to link its participant" in unknown.message
    assert stored_files(job.params["folder"]) == set()  # every stored upload is deleted


def test_progress_is_written_between_files_not_after_the_last(
    lead_client: Client, project: ResearchProject, run_jobs: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The job's outcome follows the last file at once: a progress write there is wasted."""
    written: list[tuple[int, int]] = []
    record = JobContext.progress

    def progress(context: JobContext, done: int, total: int, message: str = "") -> None:
        written.append((done, total))
        record(context, done, total, message)

    monkeypatch.setattr(JobContext, "progress", progress)
    files = [upload("a.txt", GOOD), upload("b.txt", GOOD.replace(b"Slowly", b"Quickly"))]

    with run_jobs():
        lead_client.post(import_url(project), {"files": files})

    assert written == [(1, 2)]
    job = BackgroundJob.objects.get()
    assert (job.state, job.progress) == (State.DONE, 100)
    assert job.message == "Imported 2, already imported 0, refused 0."


def test_files_uploaded_into_a_session_go_into_it(
    researcher_client: Client, project: ResearchProject, run_jobs: Any
) -> None:
    session = make_session(project)
    files = [upload("zoom.vtt", ZOOM), upload("broken.srt", BROKEN_SRT), upload("b.txt", GOOD)]

    with run_jobs():
        response = researcher_client.post(upload_url(session), {"files": files})

    job = BackgroundJob.objects.get()
    assert response["Location"] == reverse("jobs:job-detail", args=[job.pk])
    assert job.params["session"] == session.pk
    assert [outcome for _label, outcome in outcomes(job)] == ["done", "refused", "done"]
    assert session.transcripts.count() == 2
    assert Session.objects.filter(project=project).count() == 1
    assert job.result_url == session.get_absolute_url()


def test_a_session_deleted_before_the_job_runs_refuses_each_file_by_name(
    researcher_client: Client, project: ResearchProject, run_jobs: Any
) -> None:
    session = make_session(project)
    with run_jobs():
        researcher_client.post(upload_url(session), {"files": [upload("a.txt", GOOD)]})
        session.delete()

    job = BackgroundJob.objects.get()
    assert outcomes(job) == [("a.txt", "refused")]
    assert messages(job) == ["a.txt: the session it was uploaded to was deleted."]
    assert not Transcript.objects.exists()


def test_an_unexpected_error_in_one_file_refuses_only_that_file(
    lead_client: Client,
    project: ResearchProject,
    run_jobs: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real = transcripts.transcripts_import_as_sessions

    def importing(**kwargs: Any) -> Any:
        if kwargs["files"][0][0] == "crash.txt":
            raise KeyError("parser bug")
        return real(**kwargs)

    monkeypatch.setattr(transcript_uploads, "transcripts_import_as_sessions", importing)
    files = [upload("crash.txt", GOOD), upload("fine.vtt", ZOOM)]

    with run_jobs():
        lead_client.post(import_url(project), {"files": files})

    job = BackgroundJob.objects.get()
    assert job.state == State.DONE
    assert outcomes(job) == [("crash.txt", "refused"), ("fine.vtt", "done")]
    assert messages(job)[0] == (
        "crash.txt: an unexpected error stopped its import; it has been logged."
    )
    assert Transcript.objects.get().source_filename == "fine.vtt"


# --- The job: idempotent ------------------------------------------------------------------------


def test_a_rerun_imports_only_the_files_still_waiting(
    lead_client: Client, project: ResearchProject, run_jobs: Any
) -> None:
    lead_client.post(import_url(project), {"files": [upload("a.txt", GOOD), upload("b.vtt", ZOOM)]})
    job = BackgroundJob.objects.get()
    with run_jobs():
        import_transcripts.delay(job.pk)
    done = counts()

    # A worker died after the first file: the broker delivers the task again.
    BackgroundJob.objects.filter(pk=job.pk).update(state=State.RUNNING)
    with run_jobs():
        import_transcripts.delay(job.pk)
    # A duplicate delivery of the finished job.
    with run_jobs():
        import_transcripts.delay(job.pk)

    job.refresh_from_db()
    assert (job.state, job.attempts) == (State.DONE, 2)
    assert counts() == done
    assert outcomes(job) == [("a.txt", "done"), ("b.vtt", "done")]


def test_a_half_done_job_finishes_the_rest_on_its_next_try(
    lead_client: Client, project: ResearchProject, run_jobs: Any
) -> None:
    lead_client.post(import_url(project), {"files": [upload("a.txt", GOOD), upload("b.vtt", ZOOM)]})
    job = BackgroundJob.objects.get()
    # The first file's item was recorded as refused by an earlier try that then died.
    first = job.items.get(position=1)
    first.outcome, first.message = Outcome.REFUSED, "a.txt: earlier try."
    first.save()
    BackgroundJob.objects.filter(pk=job.pk).update(state=State.RUNNING, attempts=1)

    with run_jobs():
        import_transcripts.delay(job.pk)

    assert outcomes(job) == [("a.txt", "refused"), ("b.vtt", "done")]
    assert messages(job)[0] == "a.txt: earlier try."
    assert Transcript.objects.get().source_filename == "b.vtt"
    assert stored_files(job.params["folder"]) == set()


def test_retrying_a_failed_job_recognises_files_it_already_imported(
    lead_client: Client, project: ResearchProject, run_jobs: Any
) -> None:
    files = [upload("a.txt", GOOD), upload("broken.srt", BROKEN_SRT)]
    with run_jobs():
        lead_client.post(import_url(project), {"files": files})
    job = BackgroundJob.objects.get()
    transcript = Transcript.objects.get()
    BackgroundJob.objects.filter(pk=job.pk).update(state=State.FAILED)
    job.refresh_from_db()

    # A retry starts over: every item waits again, but the stored files are gone.
    with run_jobs():
        job_retry(job)

    assert outcomes(job) == [("a.txt", "skipped"), ("broken.srt", "refused")]
    assert job.items.get(position=1).url == transcript.get_absolute_url()
    assert messages(job)[1] == (
        "broken.srt: the uploaded file is no longer stored; upload it again."
    )
    assert Transcript.objects.count() == 1


# --- The job page -------------------------------------------------------------------------------


def test_the_starter_follows_each_file_on_the_job_page_and_others_get_404(
    lead_client: Client, researcher_client: Client, project: ResearchProject, run_jobs: Any
) -> None:
    files = [upload("a.txt", GOOD), upload("broken.srt", BROKEN_SRT)]
    with run_jobs():
        response = lead_client.post(import_url(project), {"files": files})

    page = lead_client.get(response["Location"]).content.decode()
    transcript = Transcript.objects.get()
    assert f'<a href="{transcript.get_absolute_url()}">a.txt</a>' in page
    assert "broken.srt: " in page
    assert "Imported 1, already imported 0, refused 1." in page
    assert researcher_client.get(response["Location"]).status_code == 404


def test_unsupported_and_binary_files_are_refused_by_name_and_the_rest_imported(
    lead_client: Client, project: ResearchProject, run_jobs: Any
) -> None:
    files = [
        upload("slides.pdf", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n"),
        upload("first.txt", GOOD),
        upload("photo.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00"),
        upload("second.vtt", ZOOM),
    ]

    with run_jobs():
        response = lead_client.post(import_url(project), {"files": files})

    assert response.status_code == 302
    job = BackgroundJob.objects.get()
    assert outcomes(job) == [
        ("slides.pdf", "refused"),
        ("first.txt", "done"),
        ("photo.txt", "refused"),
        ("second.vtt", "done"),
    ]
    pdf, _first, png, _second = messages(job)
    assert pdf.startswith("slides.pdf: ")
    assert png.startswith("photo.txt: ")
    assert sorted(Transcript.objects.values_list("source_filename", flat=True)) == [
        "first.txt",
        "second.vtt",
    ]
