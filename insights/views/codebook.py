"""A study's codebook: the tree of codes, and creating, editing, merging, deleting, copying."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Count, QuerySet
from django.forms import Form
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from cxresearch.lib.concurrency import EditConflict
from cxresearch.lib.http import AuthenticatedHttpRequest
from insights import codebook as services
from insights.coding import CodingError
from insights.forms import (
    CodebookCopyForm,
    CodebookImportForm,
    CodeDeleteForm,
    CodeForm,
    CodeMergeForm,
)
from insights.models import Code, Stage
from interviews.access import ProjectAccess, get_project_for_member, projects_for_user
from interviews.models import ResearchProject

# Badge colour per kind, so pain points and delights stand out in a long codebook.
KIND_BADGES: dict[str, str] = {
    Code.Kind.PAIN_POINT: "badge-error",
    Code.Kind.NEED: "badge-info",
    Code.Kind.DELIGHT: "badge-ok",
    Code.Kind.WORKAROUND: "badge-warn",
}


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _flash_errors(request: AuthenticatedHttpRequest, form: Form) -> None:
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, str(error))


def _codebook_url(slug: str, code_id: int | None = None) -> str:
    url = reverse("insights:codebook", args=[slug])
    return f"{url}#code-{code_id}" if code_id else url


def _other_studies(
    request: AuthenticatedHttpRequest, access: ProjectAccess
) -> QuerySet[ResearchProject]:
    return projects_for_user(request.user).exclude(pk=access.project.pk)


def codebook(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    access = get_project_for_member(request, slug)
    project = access.project
    codes = (
        Code.objects.filter(project=project)
        .select_related("parent")
        .annotate(
            # One CodedHighlight row per (highlight, code), so this counts highlights.
            highlight_count=Count("coded_items"),
            coder_count=Count("coded_items__coder", distinct=True),
        )
    )
    tree = services.code_tree(codes)
    rows = [
        {"code": row.code, "depth": row.depth, "badge": KIND_BADGES.get(row.code.kind, "")}
        for row in tree
    ]
    stages: list[Stage] = []
    if project.framework is not None:
        stages = list(project.framework.stages.prefetch_related("metrics"))
    context = {
        "access": access,
        "project": project,
        "rows": rows,
        "stages": stages,
        "merge_form": None,
        "copy_form": None,
        "import_form": CodebookImportForm() if access.is_lead else None,
    }
    if access.can_edit:
        context["merge_form"] = CodeMergeForm(project=project, rows=tree)
        context["copy_form"] = CodebookCopyForm(sources=_other_studies(request, access))
    return render(request, "insights/codebook.html", context)


def code_create(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    access = get_project_for_member(request, slug, write=True)
    codes = list(Code.objects.filter(project=access.project))
    form = CodeForm(
        request.POST or None,
        project=access.project,
        codes=codes,
        initial={"parent": request.GET.get("parent")},
    )
    if request.method == "POST" and form.is_valid():
        code = form.save_versioned(by=request.user)
        messages.success(request, f"Code “{code}” added to the codebook.")
        return redirect(_codebook_url(slug, code.pk))
    return render(
        request,
        "insights/code_form.html",
        {"access": access, "project": access.project, "form": form},
    )


def code_edit(request: AuthenticatedHttpRequest, slug: str, code_id: int) -> HttpResponse:
    access = get_project_for_member(request, slug, write=True)
    codes = list(Code.objects.filter(project=access.project))
    code = next((c for c in codes if c.pk == code_id), None)
    if code is None:
        raise Http404("No such code in this codebook.")
    form = CodeForm(request.POST or None, instance=code, project=access.project, codes=codes)
    if request.method == "POST" and form.is_valid():
        try:
            code = form.save_versioned(by=request.user)
        except EditConflict as conflict:
            if conflict.current is None:
                messages.error(request, "This code was deleted since you opened it.")
                return redirect(_codebook_url(slug))
            code = conflict.current
            codes = list(Code.objects.filter(project=access.project))
            form = CodeForm(instance=code, project=access.project, codes=codes)
            form.show_conflict(conflict, noun="code")
        else:
            messages.success(request, f"Code “{code}” saved.")
            return redirect(_codebook_url(slug, code.pk))
    context = {"access": access, "project": access.project, "form": form, "code": code}
    return render(request, "insights/code_form.html", context)


@require_POST
def code_merge(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    access = get_project_for_member(request, slug, write=True)
    form = CodeMergeForm(request.POST, project=access.project)
    if not form.is_valid():
        _flash_errors(request, form)
        return redirect(_codebook_url(slug))
    source, target = form.cleaned_data["source"], form.cleaned_data["target"]
    try:
        result = services.code_merge(source=source, target=target, by=request.user)
    except CodingError as error:
        messages.error(request, str(error))
        return redirect(_codebook_url(slug))
    message = (
        f"Merged “{source}” into “{target}”: {_plural(result.moved, 'highlight')} moved, "
        f"{_plural(result.duplicates_dropped, 'duplicate')} dropped."
    )
    if result.children_moved:
        message += f" {_plural(result.children_moved, 'code')} now nested under “{target}”."
    messages.success(request, message)
    return redirect(_codebook_url(slug, target.pk))


@require_POST
def codebook_copy(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    access = get_project_for_member(request, slug, write=True)
    form = CodebookCopyForm(request.POST, sources=_other_studies(request, access))
    if not form.is_valid():
        _flash_errors(request, form)
        return redirect(_codebook_url(slug))
    source_project = form.cleaned_data["source"]
    try:
        result = services.codebook_copy(
            source_project=source_project, target_project=access.project, by=request.user
        )
    except CodingError as error:
        messages.error(request, str(error))
        return redirect(_codebook_url(slug))
    message = f"Copied {_plural(result.copied, 'code')} from “{source_project}”."
    if result.skipped:
        message += (
            f" Skipped {len(result.skipped)} this codebook already has: "
            f"{', '.join(result.skipped)}."
        )
    messages.success(request, message)
    return redirect(_codebook_url(slug))


def code_delete(request: AuthenticatedHttpRequest, slug: str, code_id: int) -> HttpResponse:
    """GET: what deleting the code would do. POST: delete it, confirming its use count."""
    access = get_project_for_member(request, slug, write=True)
    code = get_object_or_404(
        Code.objects.select_related("parent"), pk=code_id, project=access.project
    )
    if request.method == "POST":
        form = CodeDeleteForm(request.POST)
        confirm_uses = form.cleaned_data["confirm_uses"] if form.is_valid() else None
        try:
            result = services.code_delete(code=code, by=request.user, confirm_uses=confirm_uses)
        except CodingError as error:
            messages.error(request, str(error))
            return redirect("insights:code-delete", slug=slug, code_id=code_id)
        message = f"Deleted “{code}”."
        if result.highlights_uncoded:
            uncoded = result.highlights_uncoded
            verb = "carries" if uncoded == 1 else "carry"
            message += f" {_plural(uncoded, 'highlight')} no longer {verb} it."
        if result.children_moved:
            where = f"under “{code.parent}”" if code.parent else "at the top level"
            message += f" {_plural(result.children_moved, 'code')} moved {where}."
        messages.success(request, message)
        return redirect(_codebook_url(slug))
    uses = services.code_uses(code)
    context = {
        "access": access,
        "project": access.project,
        "code": code,
        "uses": uses,
        "children": list(code.children.all()),
        "form": CodeDeleteForm(initial={"confirm_uses": uses}),
    }
    return render(request, "insights/code_confirm_delete.html", context)
