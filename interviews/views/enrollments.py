"""Participants in a study: enrolling them, their details, moving them along the pipeline."""

from __future__ import annotations

from django.contrib import messages
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from cxresearch.lib.http import AuthenticatedHttpRequest
from interviews import pipeline, services
from interviews.access import get_project_for_member
from interviews.forms import EnrollForm, EnrollmentForm, EnrollmentMoveForm
from interviews.models import Enrollment


def enrollment_add(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    access = get_project_for_member(request, slug, write=True)
    project = access.project
    form = EnrollForm(request.POST or None, project=project)
    if request.method == "POST" and form.is_valid():
        participants = form.cleaned_data["participants"]
        with transaction.atomic():
            for participant in participants:
                services.enrollment_create(project=project, participant=participant)
        names = ", ".join(p.pseudonym for p in participants)
        messages.success(request, f"Added {len(participants)} to the study as identified: {names}.")
        return redirect(project)
    return render(
        request,
        "interviews/enrollment_add.html",
        {"access": access, "project": project, "form": form},
    )


def enrollment_detail(
    request: AuthenticatedHttpRequest, slug: str, enrollment_id: int
) -> HttpResponse:
    access = get_project_for_member(request, slug, write=True)
    project = access.project
    enrollment = get_object_or_404(
        Enrollment.objects.select_related("participant"), pk=enrollment_id, project=project
    )
    attributes = list(project.attributes.all())
    current = {v.attribute_id: v.value for v in enrollment.attribute_values.all()}
    form = EnrollmentForm(
        request.POST or None, instance=enrollment, attributes=attributes, current=current
    )
    if request.method == "POST" and form.is_valid():
        services.enrollment_update(
            enrollment=form.save(commit=False), values=form.attribute_values()
        )
        messages.success(request, f"Saved {enrollment.participant}'s details for this study.")
        return redirect("interviews:enrollment-detail", slug=slug, enrollment_id=enrollment.pk)

    consents = list(enrollment.participant.consents.all())
    has_session = project.sessions.filter(participants=enrollment.participant_id).exists()
    checks = [
        pipeline.check_move(
            enrollment,
            status,
            consents=consents,
            today=timezone.localdate(),
            has_session=has_session,
        )
        for status in pipeline.moves_from(enrollment.status)
    ]
    context = {
        "access": access,
        "project": project,
        "enrollment": enrollment,
        "form": form,
        "checks": [
            {"status": c.to_status, "label": pipeline.status_label(c.to_status), "check": c}
            for c in checks
        ],
        "events": enrollment.events.select_related("by"),
    }
    return render(request, "interviews/enrollment_detail.html", context)


@require_POST
def enrollment_move(
    request: AuthenticatedHttpRequest, slug: str, enrollment_id: int
) -> HttpResponse:
    access = get_project_for_member(request, slug, write=True)
    enrollment = get_object_or_404(
        Enrollment.objects.select_related("participant"), pk=enrollment_id, project=access.project
    )
    form = EnrollmentMoveForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose a pipeline state to move to.")
        return redirect(access.project)
    try:
        event = services.enrollment_move(
            enrollment=enrollment,
            to_status=form.cleaned_data["to_status"],
            by=request.user,
            override_reason=form.cleaned_data["override_reason"],
            note=form.cleaned_data["note"],
        )
    except pipeline.PipelineError as refusal:
        messages.error(request, str(refusal))
        return redirect("interviews:enrollment-detail", slug=slug, enrollment_id=enrollment.pk)
    note = " (rule overridden; reason recorded)" if event.override_reason else ""
    messages.success(
        request,
        f"{enrollment.participant} moved from {pipeline.status_label(event.from_status).lower()} "
        f"to {pipeline.status_label(event.to_status).lower()}{note}.",
    )
    if request.POST.get("next") == "enrollment":
        return redirect("interviews:enrollment-detail", slug=slug, enrollment_id=enrollment.pk)
    return redirect(f"{access.project.get_absolute_url()}#pipeline")
