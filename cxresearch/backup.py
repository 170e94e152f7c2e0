"""Backing up the whole repository into one archive, and restoring it into an empty database.

    manage.py backup --output /backups          → /backups/cxresearch-backup-<UTC time>.tar.gz
    manage.py restore /backups/cxresearch-backup-….tar.gz

The archive (tar + gzip) holds:

- manifest.json: the format, when and from which database it was made, the migrations that
  were applied, the number of rows of every model and the media files;
- database.json: every row, written by Django's `dumpdata` inside one read-only transaction
  (REPEATABLE READ on PostgreSQL; SQLite's read transactions are snapshots already), so the
  rows agree with one another even while people work;
- media/…: every stored file (transcript source files), read through default_storage.

Why `dumpdata` rather than pg_dump: one format for SQLite and PostgreSQL (a repository that
outgrew the embedded set-up moves to PostgreSQL by backup and restore), no client tools whose
version must match the server, and a test that runs on both. The cost is speed and size: JSON is
slower to write and load than pg_dump's format. A large PostgreSQL deployment can use pg_dump
for the database and copy MEDIA_ROOT itself; this archive stays the portable, tested path.

Left out, because they can be rebuilt or are transient: sessions (everyone signs in again),
the PostgreSQL search table and the search outbox (restore rebuilds the index), and
participant-import previews waiting in storage.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import posixpath
import tarfile
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from types import TracebackType
from typing import Any

from django.apps import apps
from django.core.files.base import File
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.db import connection, transaction
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

from insights.search import scheduling
from interviews.importers.participants import UPLOAD_DIR as IMPORT_PREVIEWS

FORMAT = 1
MANIFEST = "manifest.json"
DATABASE = "database.json"
MEDIA = "media"
EXCLUDED_MODELS = ("sessions", "insights.SearchEntry", "insights.IndexOutbox")
# Rows in any of these mean the database is in use: restore refuses to touch it.
IN_USE_MODELS = (
    "auth.User",
    "interviews.ResearchProject",
    "interviews.Participant",
    "interviews.AuditEvent",
)


class BackupError(Exception):
    """A backup or restore was refused or failed; the message says why and what to do."""


@dataclass(frozen=True)
class BackupResult:
    path: Path
    rows: int
    files: int
    missing_files: tuple[str, ...]  # named by a transcript but not in storage


@dataclass(frozen=True)
class RestoreResult:
    rows: int
    files: int


# --- Backup --------------------------------------------------------------------------------------


def backup(*, output_dir: Path, now: dt.datetime | None = None) -> BackupResult:
    """Write an archive of the database and the media files into output_dir."""
    now = now or timezone.now()
    output_dir.mkdir(parents=True, exist_ok=True)
    target = output_dir / f"cxresearch-backup-{now:%Y%m%d-%H%M%S}.tar.gz"
    if target.exists():
        raise BackupError(f"{target} already exists; nothing was written.")
    partial = target.with_name(target.name + ".partial")
    with tempfile.TemporaryDirectory(prefix="cxresearch-backup-") as scratch:
        dump = Path(scratch) / DATABASE
        with _snapshot():
            call_command("dumpdata", exclude=list(EXCLUDED_MODELS), output=str(dump), verbosity=0)
            counts = _row_counts()
            migrations = _applied_migrations()
            named = _named_files()
        try:
            with tarfile.open(partial, "w:gz") as archive:
                archive.add(dump, arcname=DATABASE)
                files = _add_media(archive)
                missing = tuple(sorted(named - set(files)))
                manifest = {
                    "format": FORMAT,
                    "created_at": now.isoformat(),
                    "database": connection.vendor,
                    "migrations": migrations,
                    "counts": counts,
                    "media_files": len(files),
                    "missing_files": list(missing),
                }
                _add_bytes(archive, MANIFEST, json.dumps(manifest, indent=2).encode())
            partial.rename(target)
        finally:
            partial.unlink(missing_ok=True)
    return BackupResult(
        path=target, rows=sum(counts.values()), files=len(files), missing_files=missing
    )


class _snapshot:  # noqa: N801 - used as a context manager, like transaction.atomic
    """One read-only transaction, so every table is read as of one moment."""

    def __enter__(self) -> None:
        # Inside a caller's transaction the isolation level is already set; keep theirs.
        fresh = not connection.in_atomic_block
        self.atomic = transaction.atomic()
        self.atomic.__enter__()
        if fresh and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.atomic.__exit__(exc_type, exc, traceback)


def _backed_up_models() -> Iterator[type]:
    excluded = {label.lower() for label in EXCLUDED_MODELS}
    for model in apps.get_models():
        meta = model._meta
        if meta.proxy or not meta.managed:
            continue
        if meta.app_label in excluded or meta.label_lower in excluded:
            continue
        yield model


def _row_counts() -> dict[str, int]:
    return {
        model._meta.label: model._base_manager.count()  # type: ignore[attr-defined]
        for model in _backed_up_models()
    }


def _applied_migrations() -> dict[str, list[str]]:
    applied: dict[str, list[str]] = {}
    for app, name in sorted(MigrationRecorder(connection).applied_migrations()):
        applied.setdefault(app, []).append(name)
    return applied


def _named_files() -> set[str]:
    from interviews.models import Transcript

    return set(Transcript.objects.exclude(source_file="").values_list("source_file", flat=True))


def _media_files(top: str = "") -> Iterator[str]:
    try:
        directories, files = default_storage.listdir(top)
    except FileNotFoundError:
        return
    for name in files:
        yield posixpath.join(top, name) if top else name
    for directory in directories:
        path = posixpath.join(top, directory) if top else directory
        if path != IMPORT_PREVIEWS:
            yield from _media_files(path)


def _add_media(archive: tarfile.TarFile) -> list[str]:
    added = []
    for name in sorted(_media_files()):
        info = tarfile.TarInfo(f"{MEDIA}/{name}")
        info.size = default_storage.size(name)
        with default_storage.open(name, "rb") as stored:
            archive.addfile(info, stored)
        added.append(name)
    return added


def _add_bytes(archive: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    archive.addfile(info, io.BytesIO(data))


# --- Restore -------------------------------------------------------------------------------------


def restore(
    *, archive_path: Path, progress: Callable[[str], None] = lambda message: None
) -> RestoreResult:
    """Load an archive into this (migrated, empty) database and storage, all or nothing for the
    database. Refuses a database in use, an archive from other migrations, or a bad archive."""
    try:
        with tarfile.open(archive_path, "r:gz") as archive:
            return _restore_from(archive, progress)
    except tarfile.TarError as error:
        raise BackupError(f"{archive_path} is not a readable backup: {error}") from None
    except OSError as error:
        raise BackupError(f"{archive_path} could not be read: {error}") from None


def _restore_from(archive: tarfile.TarFile, progress: Callable[[str], None]) -> RestoreResult:
    manifest = _read_manifest(archive)
    media = _media_members(archive)
    _check_migrations(manifest)
    _check_empty()
    with tempfile.TemporaryDirectory(prefix="cxresearch-restore-") as scratch:
        dump = Path(scratch) / DATABASE
        dump.write_bytes(_member_bytes(archive, DATABASE))
        with transaction.atomic(), scheduling.suspended():
            _clear_rows_made_by_migrate()
            progress(f"Loading {sum(manifest['counts'].values()):,} rows…")
            call_command("loaddata", str(dump), verbosity=0)
            _check_counts(manifest["counts"])
            progress(f"Restoring {len(media):,} files…")
            for name, member in media:
                _restore_file(archive, name, member)
    return RestoreResult(rows=sum(manifest["counts"].values()), files=len(media))


def _read_manifest(archive: tarfile.TarFile) -> dict[str, Any]:
    try:
        manifest = json.loads(_member_bytes(archive, MANIFEST))
    except (KeyError, ValueError):
        manifest = None
    if not isinstance(manifest, dict):
        raise BackupError("The archive has no readable manifest.json: it is not a backup.")
    if manifest.get("format") != FORMAT:
        raise BackupError(
            f"The archive is in backup format {manifest.get('format')!r}; this version reads "
            f"format {FORMAT}."
        )
    return manifest


def _member_bytes(archive: tarfile.TarFile, name: str) -> bytes:
    member = archive.getmember(name)
    stream = archive.extractfile(member)
    if stream is None:
        raise BackupError(f"{name} in the archive is not a file.")
    return stream.read()


def _check_migrations(manifest: dict[str, Any]) -> None:
    here = _applied_migrations()
    there = manifest["migrations"]
    differ = sorted(
        app for app in set(here) | set(there) if set(here.get(app, [])) != set(there.get(app, []))
    )
    if differ:
        raise BackupError(
            "The backup was made by a version of cxresearch with other database migrations "
            f"({', '.join(differ)}). Restore it with the version that made it (migrate a new "
            "database with that version), then upgrade and migrate."
        )


def _check_empty() -> None:
    in_use = [label for label in IN_USE_MODELS if apps.get_model(label)._base_manager.exists()]
    if in_use:
        raise BackupError(
            "Restore needs an empty database, and this one has data "
            f"({', '.join(in_use)}). Create a new database, run `manage.py migrate`, then restore."
        )


def _clear_rows_made_by_migrate() -> None:
    """Migrating an empty database adds content types, permissions and the shipped journey
    frameworks; the archive holds them too, with their ids, so these copies make way."""
    for model in reversed(list(_backed_up_models())):
        if model._base_manager.exists():  # type: ignore[attr-defined]
            model._base_manager.all().delete()  # type: ignore[attr-defined]


def _check_counts(expected: dict[str, int]) -> None:
    found = _row_counts()
    wrong = {
        label: (count, found.get(label, 0))
        for label, count in expected.items()
        if found.get(label, 0) != count
    }
    if wrong:
        listed = ", ".join(
            f"{label} {want} → {got}" for label, (want, got) in sorted(wrong.items())
        )
        raise BackupError(f"The restored rows do not match the backup ({listed}); nothing kept.")


def _media_members(archive: tarfile.TarFile) -> list[tuple[str, tarfile.TarInfo]]:
    members = []
    for member in archive.getmembers():
        path = PurePosixPath(member.name)
        if member.name in (MANIFEST, DATABASE):
            continue
        if path.parts[:1] != (MEDIA,) or path.is_absolute() or ".." in path.parts:
            raise BackupError(f"The archive holds an unexpected entry {member.name!r}.")
        if not member.isfile():
            raise BackupError(f"The archive entry {member.name!r} is not a plain file.")
        members.append((str(PurePosixPath(*path.parts[1:])), member))
    return members


def _restore_file(archive: tarfile.TarFile, name: str, member: tarfile.TarInfo) -> None:
    stream = archive.extractfile(member)
    if stream is None:  # checked by _media_members
        raise BackupError(f"The archive entry {member.name!r} is not a plain file.")
    if default_storage.exists(name):
        default_storage.delete(name)
    saved = default_storage.save(name, File(stream, name=name))
    if saved != name:
        default_storage.delete(saved)
        raise BackupError(f"Storage renamed {name!r} to {saved!r}; nothing was restored.")
