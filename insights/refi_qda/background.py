"""Large .qdpx exports and imports, as private background jobs (jobs.runner).

A small study exports, and a small file imports, inside the request. A study over either
QDPX_INLINE_MAX_HIGHLIGHTS or QDPX_INLINE_MAX_SOURCES, or an upload over
QDPX_INLINE_MAX_IMPORT_BYTES, would take a web worker more than about a second (README,
"Exchange with other QDA tools"), so the request records a job instead and sends its
starter to the job's page:

- QDPX_EXPORT: `qdpx_export_job` writes the archive to the job's result file, which only
  its starter may download (jobs.access), as the spreadsheet export job does.
- QDPX_IMPORT: the request stores the upload (jobs.uploads); `qdpx_import_job` imports
  it all-or-nothing (insights.refi_qda.importer) and deletes it; a file that cannot be
  imported fails the job with the importer's reason and creates nothing.
"""

from __future__ import annotations

from pathlib import PurePath
from typing import Any

from django.contrib.auth.models import User
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from insights.models import Highlight
from insights.refi_qda import export, rows
from insights.refi_qda.importer import qdpx_import
from insights.refi_qda.reader import ImportFileError
from interviews import pii
from interviews.access import is_researcher_anywhere, role_in_project
from interviews.models import FieldNote, ResearchProject, Transcript
from jobs.models import BackgroundJob
from jobs.runner import TRANSIENT_ERRORS, JobContext, JobError, JobOutcome, job_start
from jobs.uploads import upload_folder

# Above either, a study's .qdpx is written by a background job (about a second's work inline).
QDPX_INLINE_MAX_HIGHLIGHTS = 2_000
QDPX_INLINE_MAX_SOURCES = 30
# Above this, an uploaded .qdpx is imported by a background job.
QDPX_INLINE_MAX_IMPORT_BYTES = 128 * 1024


def qdpx_export_filename(project: ResearchProject) -> str:
    return f"{project.slug}.qdpx"


def qdpx_export_in_background(project: ResearchProject) -> bool:
    """Whether the study is too large to export inside a request (two counts, no rows read)."""
    if Highlight.objects.filter(project=project).count() > QDPX_INLINE_MAX_HIGHLIGHTS:
        return True
    sources = (
        Transcript.objects.filter(session__project=project).count()
        + FieldNote.objects.filter(session__project=project).count()
    )
    return sources > QDPX_INLINE_MAX_SOURCES


def qdpx_export_bytes(*, project: ResearchProject, user: User, include_names: bool) -> bytes:
    """The study as this user may export it, audited. Names only for someone allowed them."""
    include_names = include_names and pii.can_see_pii(user)
    exported = rows.project_rows(
        project=project, user=user, options=rows.ExportOptions(include_names=include_names)
    )
    data = export.qdpx(exported)
    rows.audit_project_export(user, project, exported, personal_data=include_names)
    return data


def qdpx_export_start(
    *, project: ResearchProject, user: User, include_names: bool
) -> BackgroundJob:
    """A private QDPX_EXPORT job for this user (asking again while it runs returns it)."""
    from insights import tasks  # insights.tasks imports this module

    return job_start(
        kind=BackgroundJob.Kind.QDPX_EXPORT,
        task=tasks.export_qdpx,
        project=project,
        user=user,
        params={"names": include_names},
        private=True,
    )


def qdpx_export_job(context: JobContext) -> JobOutcome:
    """The work of a QDPX_EXPORT job (insights.tasks.export_qdpx): it exports as its starter
    may today (a researcher demoted to viewer since gets nothing); a rerun replaces the file."""
    job = context.job
    user, project = job.started_by, job.project
    if user is None or project is None:
        raise JobError("This export has no study or no user to export for.")
    if role_in_project(user, project) not in ("lead", "researcher"):
        raise JobError(
            "Only the study's lead and researchers can export it, and you no longer are."
        )
    context.progress(0, 1, "Reading the study.")
    data = qdpx_export_bytes(
        project=project, user=user, include_names=bool(context.params.get("names"))
    )
    filename = qdpx_export_filename(project)
    context.result_file_save(
        filename, ContentFile(data), {"filename": filename, "bytes": len(data)}
    )
    return JobOutcome(
        summary=job.result,
        message=f"{project.title} exported ({len(data):,} bytes). Only you can download this file.",
    )


def qdpx_import_start(*, upload: UploadedFile[bytes], by: User) -> BackgroundJob:
    """Store the upload and start the private QDPX_IMPORT job that imports it."""
    from insights import tasks  # insights.tasks imports this module

    filename = PurePath(upload.name or "").name or "study.qdpx"
    valid = default_storage.get_valid_name(filename) or "study.qdpx"
    try:
        folder = upload_folder(BackgroundJob.Kind.QDPX_IMPORT)
        stored = default_storage.save(f"{folder}/{valid}", upload)
    finally:
        upload.close()
    try:
        return job_start(
            kind=BackgroundJob.Kind.QDPX_IMPORT,
            task=tasks.import_qdpx,
            user=by,
            params={"stored": stored, "filename": filename},
            private=True,
        )
    except BaseException:
        default_storage.delete(stored)
        raise


def qdpx_import_job(context: JobContext) -> JobOutcome:
    """The work of a QDPX_IMPORT job (insights.tasks.import_qdpx). The stored upload is
    deleted once the import has succeeded or failed; only a failure the runner retries
    (the database briefly away) leaves it for the next try."""
    user = context.job.started_by
    params: dict[str, Any] = context.params
    stored, filename = str(params.get("stored", "")), str(params.get("filename", "study.qdpx"))
    if user is None or not is_researcher_anywhere(user):
        if stored:
            default_storage.delete(stored)
        raise JobError("Only researchers can import a study, and you no longer are one.")
    done = _imported_before(context)
    if done is not None:
        project, lines = done
    else:
        if not stored or not default_storage.exists(stored):
            raise JobError(f"{filename}: the uploaded file is no longer here; upload it again.")
        with default_storage.open(stored, "rb") as upload:
            data = upload.read()
        context.progress(0, 1, f"Importing {filename}.")
        try:
            with transaction.atomic():
                result = qdpx_import(data=data, filename=filename, by=user)
                project, lines = result.project, list(result.summary.lines)
                # Committed with the study: a worker that dies before the job is recorded
                # as done finds it on its next try instead of importing a second copy.
                BackgroundJob.objects.filter(pk=context.job.pk).update(
                    result={"project": project.slug, "lines": lines}
                )
        except ImportFileError as error:
            default_storage.delete(stored)
            raise JobError(str(error)) from error
        except TRANSIENT_ERRORS:
            raise  # the runner tries again later, with the file
        except BaseException:
            default_storage.delete(stored)  # a bug or a time limit: no upload left behind
            raise
    if stored:
        default_storage.delete(stored)
    return JobOutcome(
        summary={"project": project.slug, "lines": lines},
        url=project.get_absolute_url(),
        message=lines[0] if lines else "Imported.",
    )


def _imported_before(context: JobContext) -> tuple[ResearchProject, list[str]] | None:
    """The study an earlier try of this job imported, if one did (see qdpx_import_job)."""
    result = BackgroundJob.objects.filter(pk=context.job.pk).values_list("result", flat=True)
    recorded: dict[str, Any] = result.first() or {}
    project = ResearchProject.objects.filter(slug=recorded.get("project") or "").first()
    if project is None:
        return None
    return project, [str(line) for line in recorded.get("lines", [])]
