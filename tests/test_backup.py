"""Backup and restore (cxresearch.backup): an archive of the database and the media files,
restored into an empty database, gives back every highlight, code, coder and transcript.

The round trip empties this test's database with `flush` (what a new, migrated database
holds: content types and permissions, not the shipped frameworks) and its stored files, then
restores; serialized_rollback puts the suite's data back afterwards.
"""

from __future__ import annotations

import io
import json
import tarfile
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from pytest_django import Settings

from cxresearch.backup import BackupError, backup, restore
from insights.coding import HighlightFields, code_get_or_create, highlight_create
from insights.models import Code, CodedHighlight, Highlight, JourneyFramework
from insights.search.backends import get_backend, reset_backend
from insights.search.base import Filters
from insights.search.query import parse_query
from interviews.audit import audit
from interviews.models import (
    AuditEvent,
    Membership,
    ParticipantIdentity,
    ResearchProject,
    Transcript,
)
from tests.factories import make_participant, make_project, make_session, make_transcript

round_trip = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture(autouse=True)
def search_index(settings: Settings, tmp_path: Path) -> None:
    settings.SEARCH_BACKEND = "whoosh"
    settings.SEARCH_INDEX_DIR = tmp_path / "index"
    reset_backend()


def repository(lead: User, researcher: User) -> dict[str, Any]:
    """A study with a participant, a transcript (and its file), codes and two coders' highlights."""
    # Its own framework: a transactional test before this one may have flushed the shipped ones.
    framework = JourneyFramework.objects.create(name="Backup journey", slug="backup-journey")
    framework.stages.create(name="Onboarding", slug="onboarding", position=1)
    project = make_project(
        "Up-tier",
        slug="uptier",
        members={lead: Membership.Role.LEAD, researcher: Membership.Role.RESEARCHER},
        framework=framework,
    )
    ada = make_participant(name="Ada Lovelace", email="ada@analytical.example")
    transcript = make_transcript(make_session(project, participants=[ada]), by=lead)
    sso, _ = code_get_or_create(project=project, name="SSO", by=lead)
    saml, _ = code_get_or_create(project=project, name="SAML", by=researcher)
    saml.parent = sso
    saml.save()
    stage = project.framework.stages.get(slug="onboarding")
    for coder, codes in ((lead, [sso]), (researcher, [sso, saml])):
        highlight_create(
            project=project,
            coder=coder,
            start=0,
            end=8,
            fields=HighlightFields(stage=stage, codes=codes, sentiment=-1, memo="IdP"),
            transcript=transcript,
        )
    audit(lead, AuditEvent.Action.PII_VIEWED, participant=ada, detail="participant page")
    return {"transcript": transcript}


def snapshot() -> dict[str, Any]:
    """What must survive, by value (ids included: links and bookmarks keep working)."""
    return {
        "highlights": sorted(
            Highlight.objects.values_list(
                "pk",
                "project__slug",
                "transcript_id",
                "start",
                "end",
                "text",
                "stage__slug",
                "sentiment",
                "memo",
                "coder__username",
            )
        ),
        "codings": sorted(
            CodedHighlight.objects.values_list("content_object_id", "tag__name", "coder__username")
        ),
        "codes": sorted(Code.objects.values_list("pk", "name", "slug", "parent__name", "version")),
        "users": sorted(User.objects.values_list("username", "password", "is_staff")),
        "transcripts": sorted(
            Transcript.objects.values_list(
                "pk", "text", "source_file", "coverage__coded_utterance_count"
            )
        ),
        "identities": sorted(ParticipantIdentity.objects.values_list("name", "email")),
        "audit": sorted(AuditEvent.objects.values_list("username", "action", "detail")),
        "frameworks": JourneyFramework.objects.count(),
    }


def empty_everything(transcript_file: str) -> None:
    call_command("flush", interactive=False, verbosity=0)
    default_storage.delete(transcript_file)


@round_trip
def test_a_backup_restores_into_an_empty_database_with_every_highlight(
    lead: User, researcher: User, tmp_path: Path
) -> None:
    made = repository(lead, researcher)
    transcript: Transcript = made["transcript"]
    source = transcript.source_file.name
    assert source
    original_bytes = default_storage.open(source, "rb").read()
    before = snapshot()

    result = backup(output_dir=tmp_path / "backups")
    assert result.path.name.startswith("cxresearch-backup-") and result.path.suffix == ".gz"
    assert result.files >= 1 and result.missing_files == ()

    empty_everything(source)
    assert Highlight.objects.count() == 0 and not default_storage.exists(source)

    out = io.StringIO()
    call_command("restore", str(result.path), stdout=out)

    assert snapshot() == before
    assert default_storage.open(source, "rb").read() == original_bytes
    assert "Restored" in out.getvalue() and "Indexed" in out.getvalue()
    hits = get_backend().search(
        parse_query("SAML"),
        project_ids=list(ResearchProject.objects.values_list("pk", flat=True)),
        filters=Filters(),
    )
    assert hits.total >= 1  # the index was rebuilt from the restored rows
    # New rows get fresh ids after the restored ones (PostgreSQL sequences were reset).
    project = ResearchProject.objects.get(slug="uptier")
    new = highlight_create(
        project=project,
        coder=lead,
        start=10,
        end=20,
        fields=HighlightFields(),
        transcript=Transcript.objects.get(),
    )
    assert new.pk > max(row[0] for row in before["highlights"])


@round_trip
def test_restore_refuses_a_database_in_use_and_changes_nothing(
    lead: User, researcher: User, tmp_path: Path
) -> None:
    repository(lead, researcher)
    result = backup(output_dir=tmp_path)
    before = snapshot()
    with pytest.raises(CommandError, match="Restore needs an empty database"):
        call_command("restore", str(result.path), stdout=io.StringIO())
    assert snapshot() == before


def rewrite(archive: Path, target: Path, change: dict[str, object]) -> Path:
    """A copy of the archive with entries replaced (name → bytes) or added."""
    with tarfile.open(archive, "r:gz") as source, tarfile.open(target, "w:gz") as copy:
        for member in source.getmembers():
            if member.name in change:
                continue
            copy.addfile(member, source.extractfile(member))
        for name, data in change.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)  # type: ignore[arg-type]
            copy.addfile(info, io.BytesIO(data))  # type: ignore[arg-type]
    return target


@pytest.mark.django_db
def test_restore_refuses_a_bad_or_foreign_archive(tmp_path: Path) -> None:
    not_an_archive = tmp_path / "notes.tar.gz"
    not_an_archive.write_bytes(b"hello")
    with pytest.raises(BackupError, match="not a readable backup"):
        restore(archive_path=not_an_archive)

    good = backup(output_dir=tmp_path / "good").path
    with tarfile.open(good, "r:gz") as archive:
        manifest = json.loads(archive.extractfile("manifest.json").read())

    other = dict(manifest, migrations={**manifest["migrations"], "insights": ["0001_initial"]})
    migrated = rewrite(
        good, tmp_path / "migrated.tar.gz", {"manifest.json": json.dumps(other).encode()}
    )
    with pytest.raises(BackupError, match="other database migrations \\(insights\\)"):
        restore(archive_path=migrated)

    escaping = rewrite(good, tmp_path / "escaping.tar.gz", {"media/../../etc/cron.d/x": b"boom"})
    # Checked before anything is written, even before the database is looked at.
    with pytest.raises(BackupError, match="unexpected entry 'media/../../etc/cron.d/x'"):
        restore(archive_path=escaping)

    future = dict(manifest, format=99)
    with pytest.raises(BackupError, match="backup format 99"):
        restore(
            archive_path=rewrite(
                good, tmp_path / "future.tar.gz", {"manifest.json": json.dumps(future).encode()}
            )
        )


@pytest.mark.django_db
def test_backup_never_overwrites_and_leaves_no_partial_file(tmp_path: Path) -> None:
    first = backup(output_dir=tmp_path).path
    with pytest.raises(BackupError, match="already exists"):
        backup(output_dir=tmp_path, now=_time_of(first))
    assert sorted(p.name for p in tmp_path.iterdir()) == [first.name]


def _time_of(archive: Path):  # noqa: ANN202 - a datetime parsed back from the file name
    import datetime as dt

    stamp = archive.name.removeprefix("cxresearch-backup-").removesuffix(".tar.gz")
    return dt.datetime.strptime(stamp, "%Y%m%d-%H%M%S").replace(tzinfo=dt.UTC)


@pytest.mark.django_db
def test_the_backup_command_needs_an_output_directory() -> None:
    with pytest.raises(CommandError, match="--output"):
        call_command("backup", stdout=io.StringIO())
