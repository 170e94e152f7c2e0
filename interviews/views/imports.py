"""Importing participants from a CSV or xlsx file: upload → preview → confirm.

The pipeline lives in interviews.importers.participants. Between the preview and the confirmation
the file waits in default_storage; the page carries only its token and file name, the token must
also be in this user's session (put there at upload), and the confirmation validates the stored
bytes again before writing anything.
"""

from __future__ import annotations

import csv

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from cxresearch.lib.http import AuthenticatedHttpRequest
from interviews.access import get_project_for_member, is_researcher_anywhere
from interviews.forms_import import ImportConfirmForm, ParticipantImportForm
from interviews.importers.participants import (
    UPLOAD_GONE,
    ImportFileError,
    ImportPlan,
    ParticipantImportError,
    column_help,
    format_size,
    import_plan_apply,
    read_rows,
    template_rows,
    upload_delete,
    upload_read,
    upload_save,
    validate_rows,
)
from interviews.models import ResearchProject

# token → {"filename": …, "project": pk or None}: uploads this session may confirm.
PENDING_KEY = "participant_imports"
# Tokens already imported, so a second click on "Import" says so instead of failing.
DONE_KEY = "participant_imports_done"
MAX_PENDING = 5
MAX_DONE = 20


@require_http_methods(["GET", "POST"])
def participant_import(request: AuthenticatedHttpRequest, slug: str | None = None) -> HttpResponse:
    project = _target_project(request, slug)
    if request.method == "GET" and request.GET.get("template") == "csv":
        return _template_csv(project)
    step = request.POST.get("step")
    if step in ("confirm", "cancel"):
        return _confirm(request, project, cancel=step == "cancel")
    if request.method == "POST":
        form = ParticipantImportForm(request.POST, request.FILES)
    else:
        form = ParticipantImportForm()
    if form.is_bound and form.is_valid():
        upload = form.cleaned_data["file"]
        data = upload.read()
        try:
            plan = validate_rows(read_rows(upload.name, data), project=project)
        except ImportFileError as error:
            form.add_error("file", str(error))
        else:
            confirm = _hold(request, project, upload.name, data) if plan.can_apply else None
            return _render(request, project, plan=plan, confirm=confirm)
    return _render(request, project, form=form)


def _target_project(request: AuthenticatedHttpRequest, slug: str | None) -> ResearchProject | None:
    if slug is not None:
        return get_project_for_member(request, slug, write=True).project
    if not is_researcher_anywhere(request.user):
        raise PermissionDenied("Only researchers can import participants.")
    return None


def _confirm(
    request: AuthenticatedHttpRequest, project: ResearchProject | None, *, cancel: bool
) -> HttpResponse:
    form = ImportConfirmForm(request.POST)
    if not form.is_valid():
        return _render(request, project, error=UPLOAD_GONE, status=400)
    token, filename = form.cleaned_data["token"], form.cleaned_data["filename"]
    if token in request.session.get(DONE_KEY, []):
        messages.info(request, "This file has already been imported.")
        return redirect(_done_url(project))
    pending = request.session.get(PENDING_KEY, {})
    if pending.get(token) != {"filename": filename, "project": project.pk if project else None}:
        return _render(request, project, error=UPLOAD_GONE, status=400)
    if cancel:
        _forget(request, token)
        messages.info(request, f"Nothing was imported from {filename}.")
        return redirect(request.path)
    try:
        plan = validate_rows(read_rows(filename, upload_read(token, filename)), project=project)
        result = None
        if plan.can_apply:
            result = import_plan_apply(plan=plan, project=project, by=request.user)
    except ParticipantImportError as error:
        _forget(request, token)
        return _render(request, project, error=str(error), status=400)
    _forget(request, token)
    if result is None:  # the study's attributes changed since the preview
        return _render(request, project, plan=plan)
    request.session[DONE_KEY] = [*request.session.get(DONE_KEY, [])[-MAX_DONE + 1 :], token]
    messages.success(request, result.summary)
    return redirect(_done_url(project))


def _hold(
    request: AuthenticatedHttpRequest, project: ResearchProject | None, filename: str, data: bytes
) -> ImportConfirmForm:
    """Store the upload until it is confirmed, and bind its token to this session."""
    token = upload_save(filename=filename, data=data)
    pending = dict(request.session.get(PENDING_KEY, {}))
    pending[token] = {"filename": filename, "project": project.pk if project else None}
    while len(pending) > MAX_PENDING:  # abandoned previews: drop the oldest file
        oldest = next(iter(pending))
        upload_delete(oldest, pending.pop(oldest)["filename"])
    request.session[PENDING_KEY] = pending
    # auto_id=False: the confirm and cancel forms both render these inputs, so no ids.
    return ImportConfirmForm(initial={"token": token, "filename": filename}, auto_id=False)


def _forget(request: AuthenticatedHttpRequest, token: str) -> None:
    pending = dict(request.session.get(PENDING_KEY, {}))
    record = pending.pop(token, None)
    if record is not None:
        upload_delete(token, record["filename"])
    request.session[PENDING_KEY] = pending


def _done_url(project: ResearchProject | None) -> str:
    if project is not None:
        return reverse("interviews:project-detail", args=[project.slug])
    return reverse("interviews:participant-list")


def _template_csv(project: ResearchProject | None) -> HttpResponse:
    attributes = list(project.attributes.all()) if project is not None else []
    name = f"{project.slug}-participants.csv" if project is not None else "participants.csv"
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response.write("\ufeff")  # a byte-order mark, so Excel on Windows reads the file as UTF-8
    csv.writer(response).writerows(template_rows(attributes))
    return response


def _render(
    request: AuthenticatedHttpRequest,
    project: ResearchProject | None,
    *,
    form: ParticipantImportForm | None = None,
    plan: ImportPlan | None = None,
    confirm: ImportConfirmForm | None = None,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    if plan is not None:
        attributes = list(plan.attributes)
    else:
        attributes = list(project.attributes.all()) if project is not None else []
    context = {
        "project": project,
        "form": form or ParticipantImportForm(),
        "plan": plan,
        "confirm_form": confirm,
        "error": error,
        "columns": column_help(attributes),
        "template_url": f"{request.path}?template=csv",
        "back_url": _done_url(project),
        "max_size": format_size(settings.PARTICIPANT_IMPORT_MAX_BYTES),
        "max_rows": f"{settings.PARTICIPANT_IMPORT_MAX_ROWS:,}",
    }
    return render(request, "interviews/participant_import.html", context, status=status)
