"""The exchange pages: codebook download and upload, study export and import."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from pytest_django import DjangoCaptureOnCommitCallbacks, Settings

from insights.models import Code, Highlight
from insights.refi_qda import background
from interviews.models import AuditEvent, Membership, ResearchProject
from jobs.models import BackgroundJob
from tests.insights.refi_data import tool_qdpx


def test_any_member_downloads_the_codebook(
    coded_project: ResearchProject,
    viewer_client: Client,
) -> None:
    url = reverse("insights:codebook-export", args=[coded_project.slug])
    qdc = viewer_client.get(url)
    assert qdc["Content-Disposition"] == 'attachment; filename="uptier-codebook.qdc"'
    assert b"urn:QDA-XML:codebook:1.0" in qdc.content
    csv = viewer_client.get(url + "?format=csv")
    assert csv["Content-Type"] == "text/csv"
    assert "Onboarding/Setup friction" in csv.content.decode("utf-8-sig")


def test_codebook_page_offers_import_to_leads_only(
    project: ResearchProject, lead_client: Client, researcher_client: Client
) -> None:
    url = reverse("insights:codebook", args=[project.slug])
    assert b"Import codes" in lead_client.get(url).content
    assert b"Import codes" not in researcher_client.get(url).content


def test_lead_imports_a_csv_codebook(project: ResearchProject, lead_client: Client) -> None:
    upload = SimpleUploadedFile("codes.csv", b"Code,Description\nPricing/Seats,Seat counts\n")
    response = lead_client.post(
        reverse("insights:codebook-import", args=[project.slug]), {"file": upload}, follow=True
    )
    assert Code.objects.filter(project=project).count() == 2
    assert "Imported 2 codes." in response.content.decode()


def test_bad_codebook_upload_says_why_and_changes_nothing(
    project: ResearchProject, lead_client: Client
) -> None:
    url = reverse("insights:codebook-import", args=[project.slug])
    for name, data, message in (
        ("codes.qdc", b"<nope", "not well-formed XML"),
        ("codes.pdf", b"%PDF", "Choose a .qdc or .csv or .xml file"),
    ):
        response = lead_client.post(url, {"file": SimpleUploadedFile(name, data)}, follow=True)
        assert message in response.content.decode()
    assert Code.objects.count() == 0


def test_researcher_exports_the_study(
    coded_project: ResearchProject,
    researcher_client: Client,
    django_assert_max_num_queries,
) -> None:
    url = reverse("insights:project-export-qdpx", args=[coded_project.slug])
    # Session and user, membership (door), membership (blind coding role), highlights,
    # codings, sessions, their participants, transcripts, utterances, field notes,
    # participants, codes (×2), project attributes, attribute values, users; before them
    # the three counts that decide whether it is a job (highlights, transcripts, notes).
    with django_assert_max_num_queries(24):
        response = researcher_client.post(url)
    assert response["Content-Type"] == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(response.content)).namelist()
    assert "project.qde" in names and len(names) == 3
    # Every export is in the audit log, without personal data unless names were asked for.
    event = AuditEvent.objects.get(action=AuditEvent.Action.EXPORTED)
    assert event.project == coded_project
    assert event.detail.startswith("REFI-QDA project (.qdpx): ")


def test_export_query_count_does_not_grow_with_the_study(
    coded_project: ResearchProject,
    researcher_client: Client,
    django_assert_num_queries,
) -> None:
    from tests.factories import make_session, make_transcript

    url = reverse("insights:project-export-qdpx", args=[coded_project.slug])
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as before:
        researcher_client.post(url)
    for _ in range(3):
        make_transcript(make_session(coded_project))
    with CaptureQueriesContext(connection) as after:
        researcher_client.post(url)
    assert len(after) == len(before)


def test_researcher_imports_a_study_and_leads_it(
    project: ResearchProject, researcher_client: Client, researcher
) -> None:
    upload = SimpleUploadedFile("tool.qdpx", tool_qdpx())
    response = researcher_client.post(reverse("insights:project-import-qdpx"), {"file": upload})
    assert response.status_code == 200
    project = ResearchProject.objects.get(title="Tool study")
    assert project.memberships.get(user=researcher).role == Membership.Role.LEAD
    assert Highlight.objects.filter(project=project).count() == 2
    assert (
        "Imported 1 user, 1 code, 1 source, 2 highlights, 2 codings." in response.content.decode()
    )


def test_refused_qdpx_upload_says_why_and_creates_nothing(
    project: ResearchProject, researcher_client: Client
) -> None:
    upload = SimpleUploadedFile("evil.qdpx", b"PK\x03\x04 not really a zip")
    response = researcher_client.post(reverse("insights:project-import-qdpx"), {"file": upload})
    assert response.status_code == 400
    assert "not a .qdpx file" in response.content.decode()
    assert ResearchProject.objects.count() == 1  # the fixture's study only


def test_the_codebook_page_exports_the_study_with_a_post_form(
    coded_project: ResearchProject, researcher_client: Client
) -> None:
    url = reverse("insights:project-export-qdpx", args=[coded_project.slug])
    page = researcher_client.get(reverse("insights:codebook", args=[coded_project.slug]))
    assert f'<form method="post" action="{url}"' in page.content.decode()
    assert researcher_client.get(url).status_code == 405


# --- Large studies and files: private background jobs ----------------------------------------


@pytest.fixture
def media(settings: Settings, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def test_a_large_study_exports_in_a_private_job(
    coded_project: ResearchProject,
    researcher_client: Client,
    lead_client: Client,
    media: Path,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    monkeypatch.setattr(background, "QDPX_INLINE_MAX_HIGHLIGHTS", 1)
    url = reverse("insights:project-export-qdpx", args=[coded_project.slug])
    with django_capture_on_commit_callbacks(execute=True):
        response = researcher_client.post(url)

    job = BackgroundJob.objects.get(kind=BackgroundJob.Kind.QDPX_EXPORT)
    assert response.status_code == 302
    assert response["Location"] == reverse("jobs:job-detail", args=[job.pk])
    assert job.private
    assert job.state == BackgroundJob.State.DONE, job.error
    download_url = reverse("jobs:job-download", args=[job.pk])
    assert download_url in researcher_client.get(response["Location"]).content.decode()
    file = researcher_client.get(download_url)
    assert file.status_code == 200
    assert 'filename="uptier.qdpx"' in file["Content-Disposition"]
    archive = zipfile.ZipFile(io.BytesIO(b"".join(file.streaming_content)))  # type: ignore[attr-defined]
    assert "project.qde" in archive.namelist() and len(archive.namelist()) == 3
    assert AuditEvent.objects.get(action=AuditEvent.Action.EXPORTED).detail.startswith(
        "REFI-QDA project (.qdpx): "
    )
    # The study's lead is another user: the file is not theirs to take.
    assert lead_client.get(download_url).status_code == 404
    assert lead_client.get(reverse("jobs:job-detail", args=[job.pk])).status_code == 404


def test_many_sources_make_an_export_a_job_too(
    coded_project: ResearchProject, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert not background.qdpx_export_in_background(coded_project)
    monkeypatch.setattr(background, "QDPX_INLINE_MAX_SOURCES", 0)
    assert background.qdpx_export_in_background(coded_project)


def test_an_export_job_whose_starter_became_a_viewer_fails_with_a_reason(
    coded_project: ResearchProject, researcher: User, media: Path
) -> None:
    from insights import tasks

    job = background.qdpx_export_start(project=coded_project, user=researcher, include_names=False)
    Membership.objects.filter(project=coded_project, user=researcher).update(
        role=Membership.Role.VIEWER
    )
    tasks.export_qdpx.apply(args=(job.pk,))
    job.refresh_from_db()
    assert job.state == BackgroundJob.State.FAILED
    assert "no longer" in job.error
    assert not job.result_file


def large_upload(name: str, data: bytes) -> SimpleUploadedFile:
    """The file with a padding member, so it is over the inline limit."""
    buffer = io.BytesIO(data)
    with zipfile.ZipFile(buffer, "a", zipfile.ZIP_STORED) as archive:
        archive.writestr("padding.bin", bytes(background.QDPX_INLINE_MAX_IMPORT_BYTES))
    return SimpleUploadedFile(name, buffer.getvalue())


def test_a_large_qdpx_imports_in_a_private_job(
    project: ResearchProject,
    researcher_client: Client,
    lead_client: Client,
    researcher: User,
    media: Path,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    upload = large_upload("tool.qdpx", tool_qdpx())
    with django_capture_on_commit_callbacks(execute=True):
        response = researcher_client.post(reverse("insights:project-import-qdpx"), {"file": upload})

    job = BackgroundJob.objects.get(kind=BackgroundJob.Kind.QDPX_IMPORT)
    assert response.status_code == 302
    assert response["Location"] == reverse("jobs:job-detail", args=[job.pk])
    assert job.private and job.project is None
    assert job.state == BackgroundJob.State.DONE, job.error
    imported = ResearchProject.objects.get(title="Tool study")
    assert imported.memberships.get(user=researcher).role == Membership.Role.LEAD
    assert Highlight.objects.filter(project=imported).count() == 2
    assert job.result_url == imported.get_absolute_url()
    page = researcher_client.get(response["Location"]).content.decode()
    assert "Imported 1 user, 1 code, 1 source, 2 highlights, 2 codings." in page
    # What could not be mapped is said on the job's page too.
    assert "padding.bin" in page
    assert not default_storage.exists(job.params["stored"])
    assert lead_client.get(response["Location"]).status_code == 404


def test_a_failed_import_job_says_why_and_creates_nothing(
    project: ResearchProject,
    researcher_client: Client,
    media: Path,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    data = b"PK\x03\x04 not really a zip" + bytes(background.QDPX_INLINE_MAX_IMPORT_BYTES)
    upload = SimpleUploadedFile("evil.qdpx", data)
    with django_capture_on_commit_callbacks(execute=True):
        response = researcher_client.post(reverse("insights:project-import-qdpx"), {"file": upload})

    job = BackgroundJob.objects.get(kind=BackgroundJob.Kind.QDPX_IMPORT)
    assert job.state == BackgroundJob.State.FAILED
    assert "evil.qdpx" in job.error and "not a .qdpx file" in job.error
    assert job.error in researcher_client.get(response["Location"]).content.decode()
    assert ResearchProject.objects.count() == 1  # the fixture's study only
    assert not default_storage.exists(job.params["stored"])


def test_a_small_qdpx_still_imports_in_the_request(
    project: ResearchProject, researcher_client: Client
) -> None:
    upload = SimpleUploadedFile("tool.qdpx", tool_qdpx())
    assert upload.size is not None and upload.size <= background.QDPX_INLINE_MAX_IMPORT_BYTES
    response = researcher_client.post(reverse("insights:project-import-qdpx"), {"file": upload})
    assert response.status_code == 200
    assert not BackgroundJob.objects.exists()


def test_an_import_job_run_again_after_its_study_was_committed_imports_no_copy(
    project: ResearchProject,
    researcher_client: Client,
    media: Path,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    from insights import tasks

    upload = large_upload("tool.qdpx", tool_qdpx())
    with django_capture_on_commit_callbacks(execute=True):
        researcher_client.post(reverse("insights:project-import-qdpx"), {"file": upload})
    job = BackgroundJob.objects.get(kind=BackgroundJob.Kind.QDPX_IMPORT)
    # As if the worker had died after the import committed, before the job was recorded.
    BackgroundJob.objects.filter(pk=job.pk).update(state=BackgroundJob.State.RUNNING)
    tasks.import_qdpx.apply(args=(job.pk,))
    job.refresh_from_db()
    assert job.state == BackgroundJob.State.DONE, job.error
    assert ResearchProject.objects.filter(title="Tool study").count() == 1
    assert job.result_url == ResearchProject.objects.get(title="Tool study").get_absolute_url()


def test_an_import_job_that_breaks_leaves_no_study_and_no_upload(
    project: ResearchProject,
    researcher_client: Client,
    media: Path,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    def broken(**kwargs: object) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(background, "qdpx_import", broken)
    upload = large_upload("tool.qdpx", tool_qdpx())
    with django_capture_on_commit_callbacks(execute=True):
        researcher_client.post(reverse("insights:project-import-qdpx"), {"file": upload})
    job = BackgroundJob.objects.get(kind=BackgroundJob.Kind.QDPX_IMPORT)
    assert job.state == BackgroundJob.State.FAILED
    assert job.error == "Unexpected error (RuntimeError). It has been logged."
    assert not default_storage.exists(job.params["stored"])
    assert ResearchProject.objects.count() == 1
