"""Uploading transcripts: one small file is imported in the request, more go to a background job.

0. `upload_imports_now` tells whether the request imports the upload itself: a single file
   small enough to take well under a second (`transcript_upload_import`, one transaction).
   The researcher lands on the transcript, or sees the refusal on the form, with no job.
1. `transcripts_upload_start` (in the request) stores each uploaded file under a folder of its
   own for the batch, refuses one over the size limit without reading it, and starts one
   IMPORT_TRANSCRIPTS job with an item per file.
2. `uploads_import_job` (in the worker) imports the files one by one through
   interviews.transcripts, each file and its item's outcome in one transaction, and deletes
   each stored file once its item is finished. One bad file never stops the others.

The job is idempotent: a re-run skips finished items, and an item whose stored file is gone
(already imported by an earlier try, then deleted) is matched to its transcript by checksum.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import PurePath
from typing import Any

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.contrib.auth.models import User
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from interviews.importers.transcripts import size_error
from interviews.models import ResearchProject, Session, Transcript
from interviews.transcripts import (
    ImportOutcome,
    TranscriptImportError,
    transcript_import,
    transcripts_import_as_sessions,
)
from jobs.models import BackgroundJob, JobItem
from jobs.runner import TRANSIENT_ERRORS, JobContext, JobError, JobOutcome, job_start
from jobs.uploads import upload_folder

logger = logging.getLogger(__name__)

# Raised on for the job runner to handle: it retries the transient ones and fails the job.
_FOR_THE_RUNNER: tuple[type[Exception], ...] = (*TRANSIENT_ERRORS, SoftTimeLimitExceeded, JobError)
Outcome = JobItem.Outcome


# --- In the request -----------------------------------------------------------------------------


def upload_imports_now(files: Sequence[UploadedFile[bytes]]) -> bool:
    """Whether the request imports the upload itself rather than starting a job.

    One file of at most TRANSCRIPT_IMPORT_IN_REQUEST_MAX_BYTES: parsing and storing it takes
    tens of milliseconds, less than the job's own bookkeeping. Several files, or a large one,
    go to a job, so no request runs long.
    """
    if len(files) != 1 or files[0].size is None:
        return False
    limit = min(settings.TRANSCRIPT_IMPORT_IN_REQUEST_MAX_BYTES, settings.TRANSCRIPT_MAX_BYTES)
    return limit > 0 and files[0].size <= limit


def transcript_upload_import(
    *,
    project: ResearchProject,
    session: Session | None,
    upload: UploadedFile[bytes],
    by: User,
) -> ImportOutcome:
    """Import one small upload into `session`, or as a new session, now; a refusal leaves nothing.

    The outcome's error names the file, as a job item's does.
    """
    filename = _filename(upload)
    try:
        data = upload.read()
    finally:
        upload.close()
    try:
        with transaction.atomic():
            return _import_data(data, filename, project, session, by)
    except Exception:
        logger.exception("Transcript upload: %s failed", filename)
        return ImportOutcome(filename, error=_unexpected(filename))


def outcome_message(outcome: ImportOutcome, *, new_session: bool) -> str:
    """What a researcher reads about one imported (or already imported) file."""
    if not outcome.created:
        return "Already imported; nothing added."
    if new_session and not outcome.participant_linked:
        return "Imported into a new session; edit the session to link its participant."
    return "Imported."


def transcripts_upload_start(
    *,
    project: ResearchProject,
    session: Session | None,
    files: Sequence[UploadedFile[bytes]],
    by: User,
) -> BackgroundJob:
    """Store the uploads and start the job that imports them, into `session` or as new sessions.

    The job is private to its starter: its items are the files' names, which often carry a
    participant's real name.
    """
    from interviews import tasks  # interviews.tasks imports this module

    folder = upload_folder(BackgroundJob.Kind.IMPORT_TRANSCRIPTS)
    items: list[tuple[str, dict[str, Any]]] = []
    try:
        for upload in files:
            # One at a time, so a failure half-way knows which files to delete again.
            items.append(_store(upload, folder))  # noqa: PERF401
        return job_start(
            kind=BackgroundJob.Kind.IMPORT_TRANSCRIPTS,
            task=tasks.import_transcripts,
            project=project,
            user=by,
            params={"folder": folder, "session": session.pk if session else None},
            items=items,
            private=True,
            unique_params=True,  # the batch's own folder
        )
    except BaseException:
        for _label, params in items:
            _discard(params)
        raise


def _filename(upload: UploadedFile[bytes]) -> str:
    return PurePath(upload.name or "").name or "unnamed file"


def _store(upload: UploadedFile[bytes], folder: str) -> tuple[str, dict[str, Any]]:
    """(label, item params) for one upload; one over the size limit is refused unread."""
    filename = _filename(upload)
    try:
        limit = settings.TRANSCRIPT_MAX_BYTES
        if upload.size is not None and upload.size > limit:
            error = size_error(filename, upload.size, max_bytes=limit)
            return filename, {"filename": filename, "refused": str(error)}
        digest = hashlib.sha256()
        for chunk in upload.chunks():
            digest.update(chunk)
        valid = default_storage.get_valid_name(filename) or "upload"
        stored = default_storage.save(f"{folder}/{valid}", upload)
        return filename, {"filename": filename, "stored": stored, "sha256": digest.hexdigest()}
    finally:
        upload.close()  # frees an in-memory upload, deletes the temporary file of a large one


# --- In the worker ------------------------------------------------------------------------------


def uploads_import_job(context: JobContext) -> JobOutcome:
    """The work of an IMPORT_TRANSCRIPTS job (interviews.tasks.import_transcripts)."""
    job = context.job
    project = job.project
    if project is None:
        raise JobError("This import has no study to import into.")
    session: Session | None = None
    if (session_id := context.params.get("session")) is not None:
        session = Session.objects.filter(pk=session_id, project=project).first()
    session_gone = session_id is not None and session is None
    items = context.items()
    for number, item in enumerate(items, start=1):
        if item.outcome == Outcome.PENDING:
            _import_item(context, item, project=project, session=session, gone=session_gone)
        _discard(item.params)
        if number < len(items):  # after the last file the job's outcome is written at once
            context.progress(number, len(items), f"{number} of {len(items)} files done.")
    _remove_folder(str(context.params.get("folder", "")))

    counts = Counter(item.outcome for item in items)
    summary = {
        "imported": counts[Outcome.DONE],
        "already": counts[Outcome.SKIPPED],
        "refused": counts[Outcome.REFUSED],
    }
    return JobOutcome(
        summary=summary,
        url=session.get_absolute_url() if session else project.get_absolute_url(),
        message=(
            f"Imported {summary['imported']}, already imported {summary['already']}, "
            f"refused {summary['refused']}."
        ),
    )


def _import_item(
    context: JobContext,
    item: JobItem,
    *,
    project: ResearchProject,
    session: Session | None,
    gone: bool,
) -> None:
    filename = str(item.params.get("filename") or item.label)
    by = context.job.started_by
    try:
        # The transcript and the item's outcome commit together: a worker killed between
        # the two would otherwise import the file again on the next try.
        with transaction.atomic():
            if gone:
                outcome = ImportOutcome(
                    filename, error=f"{filename}: the session it was uploaded to was deleted."
                )
            else:
                outcome = _import_file(item.params, filename, project, session, by)
            _record(context, item, outcome, new_session=session is None)
    except _FOR_THE_RUNNER:
        raise  # the runner retries, or fails the job, as for any job
    except Exception:
        logger.exception("Transcript upload: %s (job item %s) failed", filename, item.pk)
        error = _unexpected(filename)
        _record(context, item, ImportOutcome(filename, error=error), new_session=False)


def _unexpected(filename: str) -> str:
    return f"{filename}: an unexpected error stopped its import; it has been logged."


def _import_file(
    params: Mapping[str, Any],
    filename: str,
    project: ResearchProject,
    session: Session | None,
    by: User | None,
) -> ImportOutcome:
    if refused := params.get("refused"):
        return ImportOutcome(filename, error=str(refused))
    data = _read(str(params.get("stored", "")))
    if data is None:
        earlier = Transcript.objects.filter(source_sha256=params.get("sha256", ""))
        earlier = earlier.filter(session=session) if session else earlier
        transcript = earlier.filter(session__project=project).first()
        if transcript is not None:
            return ImportOutcome(filename, transcript, created=False)
        return ImportOutcome(
            filename, error=f"{filename}: the uploaded file is no longer stored; upload it again."
        )
    return _import_data(data, filename, project, session, by)


def _import_data(
    data: bytes,
    filename: str,
    project: ResearchProject,
    session: Session | None,
    by: User | None,
) -> ImportOutcome:
    if session is None:
        [outcome] = transcripts_import_as_sessions(project=project, files=[(filename, data)], by=by)
        return outcome
    try:
        transcript, created = transcript_import(
            session=session, filename=filename, data=data, by=by
        )
    except TranscriptImportError as error:
        return ImportOutcome(filename, error=str(error))
    return ImportOutcome(filename, transcript, created)


def _record(
    context: JobContext, item: JobItem, outcome: ImportOutcome, *, new_session: bool
) -> None:
    if not outcome.ok or outcome.transcript is None:
        context.item_done(item, outcome=Outcome.REFUSED, message=outcome.error)
        return
    message = outcome_message(outcome, new_session=new_session)
    state = Outcome.DONE if outcome.created else Outcome.SKIPPED
    url = outcome.transcript.get_absolute_url()
    context.item_done(item, outcome=state, message=message, url=url)


def _read(name: str) -> bytes | None:
    if not name:
        return None
    try:
        with default_storage.open(name, "rb") as file:
            data: bytes = file.read()
            return data
    except FileNotFoundError:
        return None


def _discard(params: Mapping[str, Any]) -> None:
    """Delete an item's stored upload, if still there; a failure leaves only clutter."""
    if name := params.get("stored"):
        try:
            default_storage.delete(str(name))
        except OSError:
            logger.warning("Transcript upload: could not delete %s", name, exc_info=True)


def _remove_folder(folder: str) -> None:
    """Remove the batch's emptied folder where the storage is a local directory."""
    if not folder:
        return
    # Not a local directory, already gone, or not empty: nothing to tidy.
    with contextlib.suppress(NotImplementedError, OSError):
        os.rmdir(default_storage.path(folder))
