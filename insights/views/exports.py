"""The quote list's Export action: the filtered quotes as .xlsx or CSV."""

from __future__ import annotations

import tempfile

from django.http import FileResponse, HttpResponseBadRequest
from django.http.response import HttpResponseBase
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from cxresearch.lib.http import AuthenticatedHttpRequest
from insights.exports import service
from insights.exports.rows import ExportOptions
from insights.visibility import evidence_reader
from interviews.access import get_project_for_member


@require_POST
def quote_export(request: AuthenticatedHttpRequest, slug: str) -> HttpResponseBase:
    """Filters come in the query string, as on the quote list; the format and the names
    option in the form. Small exports download at once, large ones become a private job."""
    access = get_project_for_member(request, slug)
    project = access.project
    reader = evidence_reader(project=project, user=request.user, role=access.role)
    fmt = request.POST.get("format", "xlsx")
    if fmt not in service.FORMATS:
        return HttpResponseBadRequest("Choose the xlsx or csv format.", content_type="text/plain")
    filters = service.export_filters(request.GET)
    options = ExportOptions(
        include_names=request.POST.get("names") == "1" and access.can_edit,
        base_url=request.build_absolute_uri("/").rstrip("/"),
    )
    try:
        ids = service.export_highlight_ids(reader, filters)
    except service.ExportError as error:
        return HttpResponseBadRequest(str(error), content_type="text/plain; charset=utf-8")
    if len(ids) > service.INLINE_MAX_ROWS:
        job = service.export_start(
            project=project, user=request.user, filters=filters, fmt=fmt, options=options
        )
        return redirect("jobs:job-detail", pk=job.pk)
    out = tempfile.TemporaryFile()  # noqa: SIM115 - the response closes it once sent
    try:
        service.export_write(
            reader=reader, user=request.user, ids=ids, fmt=fmt, options=options, out=out
        )
    except BaseException:
        out.close()
        raise
    out.seek(0)
    return FileResponse(
        out,
        as_attachment=True,
        filename=service.export_filename(project, fmt),
        content_type=service.FORMATS[fmt],
    )
