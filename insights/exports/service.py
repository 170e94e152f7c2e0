"""Building a study's spreadsheet export: at once, in a background job, or from the shell.

1. `export_highlight_ids` applies the quote list's filters (insights.filters.QuoteFilter) to
   the quotes the reader may see (insights.quotes.quotes_for_project), in the list's order.
2. Up to INLINE_MAX_ROWS quotes, the request writes the file and sends it; more, and
   `export_start` records a private EXPORT job (jobs.runner) whose file only its starter
   may download (jobs.access), while `export_job` writes it in the worker with progress.
3. `export_write` writes the workbook or CSV and records the export in the audit log.
"""

from __future__ import annotations

import tempfile
from collections.abc import Mapping, Sequence
from typing import IO, Any

from django.contrib.auth.models import User
from django.core.files import File
from django.http import QueryDict
from django.utils import timezone

from insights.exports.rows import (
    ExportOptions,
    Progress,
    quote_columns,
    quote_values,
    study_export,
    with_names,
    workbook_sheets,
)
from insights.exports.writer import Sheet, write_csv, write_xlsx
from insights.filters import QuoteFilter
from insights.quotes import quotes_for_project
from insights.visibility import EvidenceReader, evidence_reader
from interviews.audit import audit_export
from interviews.models import ResearchProject
from jobs.models import BackgroundJob
from jobs.runner import JobContext, JobError, JobOutcome, job_start

# More quotes than this are exported by a background job. A workbook of 5,000 quotes takes
# about a second to write, which a request can afford; larger ones would hold a web worker.
INLINE_MAX_ROWS = 5_000

FORMATS = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}
# Query-string keys of the quote list that do not narrow what is exported.
NOT_FILTERS = {"page", "per_page"}


class ExportError(Exception):
    """The export cannot be built as asked; the message says why, for the user."""


def export_filters(query: Mapping[str, str]) -> dict[str, str]:
    """The quote list's filters from its query string, as a job stores them."""
    return {key: value for key, value in query.items() if key not in NOT_FILTERS}


def export_highlight_ids(reader: EvidenceReader, filters: Mapping[str, str]) -> list[int]:
    """Ids of the quotes to export, filtered and ordered as the quote list shows them."""
    unknown = sorted(set(filters) - set(QuoteFilter.base_filters))
    if unknown:
        known = ", ".join(QuoteFilter.base_filters)
        raise ExportError(f"Unknown filter {', '.join(unknown)}: the filters are {known}.")
    data = QueryDict(mutable=True)
    data.update(filters)
    quote_filter = QuoteFilter(data, quotes_for_project(reader), project=reader.project)
    if not quote_filter.is_valid():
        problems = "; ".join(
            f"{quote_filter.form.fields[name].label or name}: {' '.join(errors)}"
            if name in quote_filter.form.fields
            else " ".join(errors)
            for name, errors in quote_filter.form.errors.items()
        )
        raise ExportError(f"These filters cannot be applied: {problems}")
    return list(quote_filter.qs.prefetch_related(None).values_list("pk", flat=True))


def export_filename(project: ResearchProject, fmt: str) -> str:
    return f"{project.slug}-quotes-{timezone.localdate():%Y-%m-%d}.{fmt}"


def export_write(
    *,
    reader: EvidenceReader,
    user: User | None,
    ids: Sequence[int],
    fmt: str,
    options: ExportOptions,
    out: IO[bytes],
    progress: Progress | None = None,
) -> int:
    """Write the export of these quotes to `out`; returns the number of quote rows.

    The .xlsx holds every sheet; the CSV holds the Quotes sheet alone. Audited, with
    whether it holds personal data (participants' names, research team only).
    """
    if fmt not in FORMATS:
        raise ExportError(f"Unknown export format “{fmt}”: choose xlsx or csv.")
    export = study_export(reader, user=user, options=options)
    if fmt == "csv":
        quotes = Sheet("Quotes", quote_columns(reader), quote_values(export, ids, progress))
        rows = write_csv(quotes, out)
        personal = False
    else:
        rows = write_xlsx(workbook_sheets(export, ids, progress), out)["Quotes"]
        personal = with_names(export)
    audit_export(
        user,  # None: the shell, recorded without a user
        project=reader.project,
        what=f"quotes spreadsheet (.{fmt}{', names' if personal else ''})",
        rows=rows,
        personal_data=personal,
    )
    return rows


# --- In the background --------------------------------------------------------------------------


def export_start(
    *,
    project: ResearchProject,
    user: User,
    filters: Mapping[str, str],
    fmt: str,
    options: ExportOptions,
) -> BackgroundJob:
    """A private EXPORT job for this user (asking again while it runs returns the same job)."""
    from insights import tasks  # insights.tasks imports this module

    return job_start(
        kind=BackgroundJob.Kind.EXPORT,
        task=tasks.export_spreadsheet,
        project=project,
        user=user,
        params={
            "filters": dict(filters),
            "format": fmt,
            "names": options.include_names,
            "base_url": options.base_url,
        },
        private=True,
    )


def export_job(context: JobContext) -> JobOutcome:
    """The work of an EXPORT job (insights.tasks.export_spreadsheet).

    It reads as its starter reads today: a role taken away since the job was queued takes
    the export with it. The file replaces any earlier one of the job, so a rerun is safe.
    """
    job = context.job
    user, project = job.started_by, job.project
    if user is None or project is None:
        raise JobError("This export has no study or no user to export for.")
    reader = evidence_reader(project=project, user=user)
    if reader.role is None:
        raise JobError("You are no longer a member of this study.")
    params: dict[str, Any] = context.params
    fmt = str(params.get("format", "xlsx"))
    options = ExportOptions(
        include_names=bool(params.get("names")), base_url=str(params.get("base_url", ""))
    )
    try:
        ids = export_highlight_ids(reader, params.get("filters", {}))
    except ExportError as error:
        raise JobError(str(error)) from error

    def progress(done: int, total: int) -> None:
        context.progress(done, total, f"{done:,} of {total:,} quotes written.")

    filename = export_filename(project, fmt)
    with tempfile.TemporaryFile() as out:
        try:
            rows = export_write(
                reader=reader,
                user=user,
                ids=ids,
                fmt=fmt,
                options=options,
                out=out,
                progress=progress,
            )
        except ExportError as error:
            raise JobError(str(error)) from error
        out.seek(0)
        context.result_file_save(filename, File(out), {"filename": filename, "rows": rows})
    return JobOutcome(
        summary={"filename": filename, "rows": rows},
        message=f"{rows:,} quotes exported. Only you can download this file.",
    )
