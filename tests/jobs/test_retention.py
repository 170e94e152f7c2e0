"""Files that jobs made (exports) are deleted JOB_RESULT_RETENTION_DAYS after the job finished;
the job row stays and its download says the file is gone."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pytest_django import Settings

from interviews import retention
from interviews.models import ResearchProject
from jobs.models import BackgroundJob
from jobs.retention import job_results_expire, job_uploads_delete
from jobs.uploads import UPLOAD_GRACE, upload_folder


@pytest.fixture
def media(settings: Settings, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def export_job(project: ResearchProject, user: User, *, finished_days_ago: int) -> BackgroundJob:
    job = BackgroundJob.objects.create(
        kind=BackgroundJob.Kind.EXPORT,
        project=project,
        started_by=user,
        private=True,
        state=BackgroundJob.State.DONE,
        finished_at=timezone.now() - dt.timedelta(days=finished_days_ago),
        result={"filename": "quotes.xlsx", "rows": 3},
    )
    job.result_file.save("quotes.xlsx", ContentFile(b"PK\x03\x04 a workbook"), save=True)
    return job


def test_old_job_files_are_deleted_and_recent_ones_kept(
    project: ResearchProject, lead: User, media: Path, settings: Settings
) -> None:
    settings.JOB_RESULT_RETENTION_DAYS = 7
    old = export_job(project, lead, finished_days_ago=8)
    recent = export_job(project, lead, finished_days_ago=6)
    old_name = str(old.result_file.name)

    assert job_results_expire() == 1

    old.refresh_from_db()
    recent.refresh_from_db()
    assert old.result_file.name == "" and not default_storage.exists(old_name)
    assert recent.result_file and default_storage.exists(str(recent.result_file.name))
    assert BackgroundJob.objects.count() == 2  # the rows stay


def test_zero_keeps_job_files_for_ever(
    project: ResearchProject, lead: User, media: Path, settings: Settings
) -> None:
    settings.JOB_RESULT_RETENTION_DAYS = 0
    job = export_job(project, lead, finished_days_ago=400)
    assert job_results_expire() == 0
    job.refresh_from_db()
    assert default_storage.exists(str(job.result_file.name))


def test_the_daily_cleanup_expires_job_files_and_the_download_says_so(
    project: ResearchProject, lead: User, lead_client: Client, media: Path, settings: Settings
) -> None:
    settings.JOB_RESULT_RETENTION_DAYS = 7
    job = export_job(project, lead, finished_days_ago=30)
    url = reverse("jobs:job-download", args=[job.pk])
    assert lead_client.get(url).status_code == 200

    result = retention.storage_cleanup()

    assert result.job_results == 1
    assert "1 expired job result file(s)" in str(result)
    response = lead_client.get(url, follow=True)
    assert response.redirect_chain == [(reverse("jobs:job-detail", args=[job.pk]), 302)]
    assert "deleted 7 days after it was made" in response.content.decode()


def _upload(folder: str) -> str:
    return default_storage.save(f"{folder}/interview.txt", ContentFile(b"P-001: a name here"))


@pytest.fixture
def no_uploads(db: None) -> None:
    """The suite shares one storage: uploads other tests left behind are swept first."""
    job_uploads_delete(now=timezone.now() + dt.timedelta(days=365))


@pytest.mark.usefixtures("no_uploads")
def test_uploads_no_waiting_job_names_are_deleted_after_a_day(
    project: ResearchProject, lead: User, media: Path
) -> None:
    abandoned = _upload(upload_folder(BackgroundJob.Kind.QDPX_IMPORT))
    legacy = _upload("transcript-uploads/0123abcd")
    waiting_folder = upload_folder(BackgroundJob.Kind.IMPORT_TRANSCRIPTS)
    waiting = _upload(waiting_folder)
    BackgroundJob.objects.create(
        kind=BackgroundJob.Kind.IMPORT_TRANSCRIPTS,
        project=project,
        started_by=lead,
        params={"folder": waiting_folder, "session": None},
    )

    assert job_uploads_delete() == 0  # nothing is a day old yet
    later = timezone.now() + UPLOAD_GRACE + dt.timedelta(minutes=1)
    assert job_uploads_delete(now=later) == 2

    assert not default_storage.exists(abandoned)
    assert not default_storage.exists(legacy)
    assert default_storage.exists(waiting)  # its job is still queued
    default_storage.delete(waiting)


@pytest.mark.django_db
@pytest.mark.usefixtures("no_uploads")
def test_the_daily_cleanup_counts_the_uploads_it_deleted(media: Path) -> None:
    abandoned = _upload(upload_folder(BackgroundJob.Kind.QDPX_IMPORT))

    result = retention.storage_cleanup(now=timezone.now() + dt.timedelta(days=2))

    assert result.uploads == 1
    assert "1 upload(s) no job will read" in str(result)
    assert not default_storage.exists(abandoned)
