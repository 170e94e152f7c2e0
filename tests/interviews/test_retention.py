"""Stored files nobody needs: orphaned transcript files, abandoned import previews, and
transcript source files past the retention period (interviews.retention)."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone
from pytest_django import Settings

from interviews import retention, tasks
from interviews.importers.participants import upload_read, upload_save
from interviews.models import ResearchProject, Session, Transcript
from tests.factories import ZOOM_VTT, make_session, make_transcript, stored_name

pytestmark = pytest.mark.django_db

LATER = dt.timedelta(days=2)  # past the one-day grace


@pytest.fixture
def session(project: ResearchProject) -> Session:
    return make_session(project)


def interrupted_import(session: Session) -> str:
    """Import a transcript in a transaction that then fails: its stored file stays behind."""
    with pytest.raises(RuntimeError), transaction.atomic():
        transcript = make_transcript(
            session, filename="jane-doe.vtt", data=ZOOM_VTT.encode() + b"\n\n"
        )
        name = stored_name(transcript)
        raise RuntimeError("the worker was killed")
    assert not Transcript.objects.filter(source_file=name).exists()
    assert default_storage.exists(name)
    return name


def test_an_interrupted_import_leaves_a_file_that_the_cleanup_removes(session: Session) -> None:
    kept = make_transcript(session)
    orphan = interrupted_import(session)

    assert retention.orphan_transcript_files_delete() == 0  # within the grace: maybe running
    assert default_storage.exists(orphan)

    assert retention.orphan_transcript_files_delete(now=timezone.now() + LATER) >= 1
    assert not default_storage.exists(orphan)
    assert default_storage.exists(stored_name(kept))


def test_an_abandoned_import_preview_is_removed_after_a_day() -> None:
    token = upload_save(filename="people.csv", data=b"email\nada@example.com\n")

    assert retention.import_previews_delete() == 0
    assert upload_read(token, "people.csv")

    assert retention.import_previews_delete(now=timezone.now() + LATER) >= 1
    assert not default_storage.exists(f"participant-imports/{token}.csv")


def test_source_files_past_the_retention_period_go_and_the_text_stays(
    session: Session, settings: Settings
) -> None:
    settings.SOURCE_FILE_RETENTION_DAYS = 30
    old = make_transcript(session, filename="old.vtt")
    recent = make_transcript(session, filename="recent.vtt", data=ZOOM_VTT.encode() + b"\n")
    Transcript.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(days=31))
    old_file = old.source_file.name
    assert old_file

    assert retention.transcript_sources_expire() == 1

    old.refresh_from_db()
    recent.refresh_from_db()
    assert old.source_file.name == ""
    assert not default_storage.exists(old_file)
    assert "SAML took three weeks" in old.text
    assert old.utterances.count() == 2
    assert default_storage.exists(stored_name(recent))
    assert retention.transcript_sources_expire() == 0  # nothing left to expire


def test_retention_zero_keeps_every_file(session: Session, settings: Settings) -> None:
    settings.SOURCE_FILE_RETENTION_DAYS = 0
    old = make_transcript(session)
    Transcript.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(days=900))
    assert retention.transcript_sources_expire() == 0
    assert default_storage.exists(stored_name(old))


def test_a_file_without_a_date_is_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    name = default_storage.save("transcripts/2026/01/undated.txt", ContentFile(b"hello"))

    def no_dates(name: str) -> dt.datetime:
        raise NotImplementedError

    monkeypatch.setattr(default_storage, "get_modified_time", no_dates)
    retention.orphan_transcript_files_delete(now=timezone.now() + LATER)
    assert default_storage.exists(name)
    default_storage.delete(name)


def test_the_daily_job_and_the_command_run_all_three(
    session: Session, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.SOURCE_FILE_RETENTION_DAYS = 30
    interrupted_import(session)
    upload_save(filename="people.csv", data=b"email\n")
    old = make_transcript(session)
    Transcript.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(days=31))
    later = timezone.now() + LATER
    monkeypatch.setattr(timezone, "now", lambda: later)

    result = tasks.storage_cleanup()
    assert result["orphans"] >= 1 and result["previews"] >= 1 and result["expired"] == 1

    out = io.StringIO()
    call_command("storage_cleanup", stdout=out)
    assert "Deleted 0 orphaned transcript file(s)" in out.getvalue()
    schedule = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "interviews.tasks.storage_cleanup" in schedule
