"""Stored files nobody needs any more, removed by a daily job (interviews.tasks.storage_cleanup,
Celery beat) or `manage.py storage_cleanup`:

- Orphaned transcript files: a transcript import stores its file, then its rows; an import
  that is interrupted or rolled back after the file was stored leaves a file no transcript
  names. A file under transcripts/ that no Transcript names and that is older than
  ORPHAN_GRACE is deleted (the grace spares an import still in progress).
- Abandoned participant-import previews: the upload waits in participant-imports/ between the
  preview and the confirmation; one older than ORPHAN_GRACE was never confirmed.
- Expired transcript source files: with SOURCE_FILE_RETENTION_DAYS set, the uploaded file of a
  transcript imported longer ago is deleted and the transcript's file field blanked; its
  text, utterances and highlights stay. 0 (the default) keeps files for ever.
- Expired job results (exports): JOB_RESULT_RETENTION_DAYS (default 7) after the job
  finished (jobs.retention).
- Uploads no job will read: a day old, named by no queued or running job (jobs.uploads).

Everything goes through default_storage, so it works the same on local disk and shared storage.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from cxresearch.lib.storage import files_under, older_than
from interviews.importers.participants import UPLOAD_DIR as PREVIEW_DIR
from interviews.models import Transcript
from jobs.retention import job_results_expire, job_uploads_delete

log = logging.getLogger("interviews.retention")

TRANSCRIPT_DIR = "transcripts"
ORPHAN_GRACE = dt.timedelta(days=1)


@dataclass(frozen=True)
class CleanupResult:
    orphans: int  # transcript files no transcript names
    previews: int  # participant-import previews never confirmed
    expired: int  # transcript source files past the retention period
    job_results: int = 0  # files jobs made (exports) past their retention period
    uploads: int = 0  # uploads left by jobs that will not read them

    def __str__(self) -> str:
        return (
            f"Deleted {self.orphans} orphaned transcript file(s), {self.previews} abandoned "
            f"import preview(s), {self.expired} expired transcript source file(s), "
            f"{self.job_results} expired job result file(s) and {self.uploads} upload(s) no "
            "job will read."
        )


def storage_cleanup(*, now: dt.datetime | None = None) -> CleanupResult:
    now = now or timezone.now()
    return CleanupResult(
        orphans=orphan_transcript_files_delete(now=now),
        previews=import_previews_delete(now=now),
        expired=transcript_sources_expire(now=now),
        job_results=job_results_expire(now=now),
        uploads=job_uploads_delete(now=now),
    )


def orphan_transcript_files_delete(*, now: dt.datetime | None = None) -> int:
    """Delete files under transcripts/ that no transcript names, once older than ORPHAN_GRACE."""
    now = now or timezone.now()
    named = set(
        Transcript.objects.exclude(source_file="").values_list("source_file", flat=True).iterator()
    )
    deleted = 0
    for name in files_under(default_storage, TRANSCRIPT_DIR):
        if name not in named and older_than(default_storage, name, now - ORPHAN_GRACE):
            default_storage.delete(name)
            deleted += 1
    if deleted:
        log.info("Deleted %d orphaned transcript file(s).", deleted)
    return deleted


def import_previews_delete(*, now: dt.datetime | None = None) -> int:
    """Delete participant-import uploads older than ORPHAN_GRACE: never confirmed or cancelled."""
    now = now or timezone.now()
    deleted = 0
    for name in files_under(default_storage, PREVIEW_DIR):
        if older_than(default_storage, name, now - ORPHAN_GRACE):
            default_storage.delete(name)
            deleted += 1
    if deleted:
        log.info("Deleted %d abandoned participant-import preview(s).", deleted)
    return deleted


def transcript_sources_expire(*, now: dt.datetime | None = None, days: int | None = None) -> int:
    """Delete the source files of transcripts imported more than `days` ago (default the
    SOURCE_FILE_RETENTION_DAYS setting; 0 keeps them), keeping everything else of them."""
    days = settings.SOURCE_FILE_RETENTION_DAYS if days is None else days
    if days <= 0:
        return 0
    cutoff = (now or timezone.now()) - dt.timedelta(days=days)
    expired = Transcript.objects.filter(created_at__lt=cutoff).exclude(source_file="")
    count = 0
    for pk, name in expired.values_list("pk", "source_file").iterator():
        # Blank the field first: a file whose delete fails is then an orphan, removed later,
        # never a transcript pointing at a file that is gone.
        with transaction.atomic():
            blanked = Transcript.objects.filter(pk=pk, source_file=name).update(source_file="")
        if blanked:
            default_storage.delete(name)
            count += 1
    if count:
        log.info("Deleted %d transcript source file(s) older than %d days.", count, days)
    return count
