"""Studies: the list, a study's page with its recruitment pipeline, members and attributes."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from cxresearch.lib.http import AuthenticatedHttpRequest
from interviews import page_extras, pipeline, selectors, services
from interviews.access import get_project_for_member, is_researcher_anywhere
from interviews.forms import AttributeForm, EnrollmentMoveForm, MemberForm, ProjectForm
from interviews.models import Membership, ProjectAttribute


def project_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    rows = [
        (project, project.progress_percent(project.completed_count))
        for project in selectors.projects_with_progress(request.user)
    ]
    can_create = is_researcher_anywhere(request.user)
    context = {
        "rows": rows,
        "can_create": can_create,
        "extra_links": page_extras.study_list_links(request.user, can_create=can_create),
    }
    return render(request, "interviews/project_list.html", context)


def project_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    if not is_researcher_anywhere(request.user):
        raise PermissionDenied("Only researchers can start a study.")
    form = ProjectForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        project = services.project_create(project=form.save(commit=False), lead=request.user)
        messages.success(request, f"Study “{project}” created. You are its lead.")
        return redirect(project)
    return render(request, "interviews/project_form.html", {"form": form})


def project_detail(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    access = get_project_for_member(request, slug)
    project = access.project
    counts = selectors.pipeline_counts(project)
    completed = counts[pipeline.Status.COMPLETED]
    biggest = max(counts.values()) or 1
    funnel = [
        {
            "status": status,
            "label": pipeline.status_label(status),
            "count": counts[status],
            "width": round(100 * counts[status] / biggest),
            "exit": status in pipeline.EXITS,
        }
        for status in (*pipeline.FUNNEL, *pipeline.EXITS)
    ]
    board = None
    if access.can_edit:
        board = [
            {
                "status": status,
                "label": pipeline.status_label(status),
                "enrollments": enrollments,
                "moves": [(s, pipeline.status_label(s)) for s in pipeline.moves_from(status)],
            }
            for status, enrollments in selectors.pipeline_board(project).items()
        ]
    context = {
        "access": access,
        "project": project,
        "funnel": funnel,
        "board": board,
        "completed": completed,
        "progress_percent": project.progress_percent(completed),
        "enrolled": sum(counts.values()),
        "sessions": selectors.project_sessions(project)[:20],
        "extra_links": page_extras.study_links(access),
        "move_form": EnrollmentMoveForm(),
    }
    return render(request, "interviews/project_detail.html", context)


def project_edit(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    access = get_project_for_member(request, slug, write=True)
    form = ProjectForm(request.POST or None, instance=access.project)
    if request.method == "POST" and form.is_valid():
        project = form.save()
        messages.success(request, "Study details saved.")
        return redirect(project)
    return render(
        request, "interviews/project_form.html", {"form": form, "project": access.project}
    )


def project_members(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    access = get_project_for_member(request, slug)
    project = access.project
    form = MemberForm(request.POST or None)
    if request.method == "POST":
        if not access.is_lead:
            raise PermissionDenied("Only the study's lead can change its members.")
        if form.is_valid():
            user = form.cleaned_data["username"]
            role = form.cleaned_data["role"]
            membership, created = services.membership_set(
                project=project, user=user, role=role, by=request.user
            )
            verb = "added as" if created else "is now"
            messages.success(request, f"{user.username} {verb} {membership.get_role_display()}.")
            return redirect("interviews:project-members", slug=project.slug)
    context = {
        "access": access,
        "project": project,
        "members": selectors.project_members(project),
        "form": form,
    }
    return render(request, "interviews/project_members.html", context)


@require_POST
def member_remove(request: AuthenticatedHttpRequest, slug: str, membership_id: int) -> HttpResponse:
    access = get_project_for_member(request, slug, lead=True)
    membership = get_object_or_404(
        Membership.objects.select_related("user"), pk=membership_id, project=access.project
    )
    leads = access.project.memberships.filter(role=Membership.Role.LEAD)
    if membership.role == Membership.Role.LEAD and leads.count() == 1:
        messages.error(request, "A study needs at least one lead: make someone else lead first.")
    else:
        services.membership_remove(membership=membership, by=request.user)
        messages.success(request, f"{membership.user.username} no longer has access to this study.")
    return redirect("interviews:project-members", slug=slug)


def attribute_list(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    access = get_project_for_member(request, slug)
    project = access.project
    form = AttributeForm(request.POST or None, project=project)
    if request.method == "POST":
        if not access.can_edit:
            raise PermissionDenied("Viewers can read this study but not change it.")
        if form.is_valid():
            attribute = form.save(commit=False)
            attribute.position = project.attributes.count()
            attribute.save()
            messages.success(request, f"Attribute “{attribute.label}” added.")
            return redirect("interviews:attribute-list", slug=project.slug)
    context = {
        "access": access,
        "project": project,
        "attributes": project.attributes.all(),
        "form": form,
    }
    return render(request, "interviews/attribute_list.html", context)


@require_POST
def attribute_delete(
    request: AuthenticatedHttpRequest, slug: str, attribute_id: int
) -> HttpResponse:
    access = get_project_for_member(request, slug, write=True)
    attribute = get_object_or_404(ProjectAttribute, pk=attribute_id, project=access.project)
    used = attribute.values.count()
    attribute.delete()
    messages.success(
        request, f"Attribute “{attribute.label}” deleted, with its {used} recorded values."
    )
    return redirect("interviews:attribute-list", slug=slug)
