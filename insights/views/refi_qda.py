"""Codebook and project exchange: .qdc/.csv codebooks, .qdpx projects (REFI-QDA)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from cxresearch.lib.http import AuthenticatedHttpRequest
from insights.forms import CodebookImportForm, QdpxImportForm
from insights.models import Code
from insights.refi_qda import background, export, rows
from insights.refi_qda.codebook_csv import codebook_csv, codebook_import_csv
from insights.refi_qda.importer import codebook_import_qdc, qdpx_import
from insights.refi_qda.reader import ImportFileError
from interviews.access import get_project_for_member, is_researcher_anywhere


def _download(data: bytes, *, filename: str, content_type: str) -> HttpResponse:
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def codebook_export(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    access = get_project_for_member(request, slug)
    project = access.project
    if request.GET.get("format") == "csv":
        data = codebook_csv(list(Code.objects.filter(project=project)))
        return _download(data, filename=f"{slug}-codebook.csv", content_type="text/csv")
    try:
        data = export.codebook_qdc(rows.codebook_rows(project=project))
    except export.ExportError as error:
        messages.error(request, str(error))
        return redirect("insights:codebook", slug=slug)
    return _download(data, filename=f"{slug}-codebook.qdc", content_type="application/xml")


@require_POST
def codebook_import(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    access = get_project_for_member(request, slug, lead=True)
    form = CodebookImportForm(request.POST, request.FILES)
    if not form.is_valid():
        for error in form.errors.get("file", []):
            messages.error(request, str(error))
        return redirect("insights:codebook", slug=slug)
    upload = form.cleaned_data["file"]
    importer = codebook_import_csv if upload.name.lower().endswith(".csv") else codebook_import_qdc
    try:
        result = importer(project=access.project, data=upload.read(), filename=upload.name)
    except ImportFileError as error:
        messages.error(request, str(error))
        return redirect("insights:codebook", slug=slug)
    messages.success(request, result.summary.lines[0])
    for line in result.summary.lines[1:]:
        messages.warning(request, line)
    return redirect("insights:codebook", slug=slug)


@require_POST
def project_export_qdpx(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    """A small study downloads at once; a large one becomes a private job (its page next)."""
    access = get_project_for_member(request, slug, write=True)
    project = access.project
    include_names = request.POST.get("names") == "1"
    if background.qdpx_export_in_background(project):
        job = background.qdpx_export_start(
            project=project, user=request.user, include_names=include_names
        )
        return redirect("jobs:job-detail", pk=job.pk)
    data = background.qdpx_export_bytes(
        project=project, user=request.user, include_names=include_names
    )
    return _download(
        data, filename=background.qdpx_export_filename(project), content_type="application/zip"
    )


def project_import_qdpx(request: AuthenticatedHttpRequest) -> HttpResponse:
    """A .qdpx becomes a new study; any researcher (or staff) may import one and leads it.
    A large file is imported by a private job, whose page the importer is sent to."""
    if not is_researcher_anywhere(request.user):
        raise PermissionDenied("Only researchers can import a study.")
    form = QdpxImportForm(request.POST or None, request.FILES or None)
    result, status = None, 200
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        if upload.size is not None and upload.size > background.QDPX_INLINE_MAX_IMPORT_BYTES:
            job = background.qdpx_import_start(upload=upload, by=request.user)
            return redirect("jobs:job-detail", pk=job.pk)
        try:
            result = qdpx_import(data=upload.read(), filename=upload.name, by=request.user)
        except ImportFileError as error:
            form.add_error("file", str(error))
            status = 400
    context: dict[str, object] = {"form": form, "result": result}
    if result is not None:
        context["project_url"] = reverse("interviews:project-detail", args=[result.project.slug])
    return render(request, "insights/qdpx_import.html", context, status=status)
