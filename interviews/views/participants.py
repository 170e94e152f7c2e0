"""The participant directory and each participant's page. Personal data only via interviews.pii."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from cxresearch.lib.http import AuthenticatedHttpRequest
from interviews import pii, selectors, services
from interviews.access import (
    OUTSIDE_YOUR_STUDIES,
    can_change_participant,
    editable_projects,
    get_participant_for_user,
    get_project_for_member,
    is_researcher_anywhere,
    projects_for_user,
)
from interviews.audit import audit
from interviews.filters import ParticipantFilter
from interviews.forms import (
    AddToStudyForm,
    ConsentForm,
    ParticipantForm,
    ParticipantIdentityForm,
)
from interviews.models import (
    AuditEvent,
    ConsentRecord,
    Enrollment,
    Participant,
    ParticipantIdentity,
)

PAGE_SIZE = 25


@dataclass(frozen=True)
class DirectoryRow:
    participant: Participant
    identity: ParticipantIdentity | None
    enrollment: Enrollment | None
    attributes: list[str]


def participant_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    studies = list(projects_for_user(user).order_by("title"))
    project = next((p for p in studies if p.slug == request.GET.get("study")), None)
    attributes = list(project.attributes.all()) if project else []
    show_pii = pii.can_see_pii(user)
    participant_filter = ParticipantFilter(
        request.GET or None,
        selectors.participant_directory(user, project=project),
        project=project,
        attributes=attributes,
        search_pii=show_pii,
    )
    search = request.GET.get("q", "").strip()
    if show_pii and search and participant_filter.is_valid():
        # The term may be a name or an e-mail address: who looked for whom is on the record.
        audit(user, AuditEvent.Action.PII_SEARCHED, detail=f"participant directory: {search}")
    matching: QuerySet[Participant] = participant_filter.qs
    page = Paginator(matching, PAGE_SIZE).get_page(request.GET.get("page"))
    on_page = list(page.object_list)
    identities = pii.read_identities(user, on_page, purpose="participant directory")
    rows = []
    for participant in on_page:
        # With a study, the selector prefetched the participant's enrollment in it (to_attr).
        enrollments: list[Enrollment] = (
            participant.project_enrollments  # type: ignore[attr-defined]
            if project
            else []
        )
        enrollment = enrollments[0] if enrollments else None
        values = (
            {v.attribute_id: v.display for v in enrollment.attribute_values.all()}
            if enrollment
            else {}
        )
        rows.append(
            DirectoryRow(
                participant=participant,
                identity=identities.get(participant.pk),
                enrollment=enrollment,
                attributes=[values.get(a.pk, "") for a in attributes],
            )
        )
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "filter": participant_filter,
        "page": page,
        "rows": rows,
        "studies": studies,
        "project": project,
        "attributes": attributes,
        "show_pii": show_pii,
        "can_edit": is_researcher_anywhere(user),
        "query": query.urlencode(),
        "filtered": any(v for k, v in request.GET.items() if k not in ("page", "study")),
    }
    return render(request, "interviews/participant_list.html", context)


def participant_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    if not is_researcher_anywhere(request.user):
        raise PermissionDenied("Only researchers can add participants.")
    form = ParticipantForm(request.POST or None)
    identity_form = ParticipantIdentityForm(request.POST or None, prefix="identity")
    study_form = AddToStudyForm(
        request.POST or None,
        projects=editable_projects(request.user).order_by("title"),
        initial={"project": request.GET.get("study")},
        prefix="study",
    )
    study_form.fields["project"].required = False
    forms_valid = form.is_valid() and identity_form.is_valid() and study_form.is_valid()
    if request.method == "POST" and forms_valid:
        project = study_form.cleaned_data["project"]
        with transaction.atomic():
            participant = services.participant_create(
                identity=identity_form.cleaned_data, **form.cleaned_data
            )
            if project is not None:
                services.enrollment_create(project=project, participant=participant)
        where = f" and added to “{project}” as identified" if project else ""
        messages.success(request, f"Participant {participant} added{where}.")
        return redirect(project or participant)
    return render(
        request,
        "interviews/participant_form.html",
        {"form": form, "identity_form": identity_form, "study_form": study_form},
    )


def participant_detail(request: AuthenticatedHttpRequest, pseudonym: str) -> HttpResponse:
    participant = get_participant_for_user(request, pseudonym)
    user = request.user
    identity = pii.read_identity(user, participant, purpose="participant page")
    can_edit = is_researcher_anywhere(user)
    can_change = can_edit and can_change_participant(user, participant)
    context = {
        "participant": participant,
        "identity": identity,
        "show_pii": pii.can_see_pii(user),
        "can_edit": can_edit,
        "can_change": can_change,
        "out_of_reach": "" if can_change else OUTSIDE_YOUR_STUDIES.format(pseudonym=participant),
        "enrollments": selectors.participant_enrollments(participant, user),
        "sessions": selectors.participant_sessions(participant, user),
        "consents": participant.consents.select_related("project") if can_edit else [],
        "consent_form": ConsentForm(
            projects=editable_projects(user),
            initial={
                "given_on": timezone.localdate(),
                "project": editable_projects(user)
                .filter(slug=request.GET.get("consent_for", ""))
                .first(),
            },
        )
        if can_change
        else None,
        "consent_open": "consent_for" in request.GET,
        "add_form": AddToStudyForm(
            projects=editable_projects(user)
            .exclude(enrollments__participant=participant)
            .order_by("title")
        )
        if can_change and participant.erased_at is None
        else None,
    }
    return render(request, "interviews/participant_detail.html", context)


@require_POST
def participant_enroll(request: AuthenticatedHttpRequest, pseudonym: str) -> HttpResponse:
    """Add this participant to one of the user's studies, as identified."""
    participant = get_participant_for_user(request, pseudonym, write=True)
    form = AddToStudyForm(request.POST, projects=editable_projects(request.user))
    if not form.is_valid():
        messages.error(request, "Choose one of your studies to add them to.")
        return redirect(participant)
    project = form.cleaned_data["project"]
    access = get_project_for_member(request, project.slug, write=True)
    if participant.erased_at is not None:
        messages.error(request, "An erased participant cannot join a study.")
    elif participant.enrollments.filter(project=access.project).exists():
        messages.info(request, f"{participant} is already in “{access.project}”.")
    else:
        services.enrollment_create(project=access.project, participant=participant)
        messages.success(request, f"{participant} added to “{access.project}” as identified.")
    return redirect(participant)


def participant_edit(request: AuthenticatedHttpRequest, pseudonym: str) -> HttpResponse:
    participant = get_participant_for_user(request, pseudonym, write=True)
    identity = pii.read_identity(request.user, participant, purpose="participant edit form")
    form = ParticipantForm(request.POST or None, instance=participant)
    identity_form = ParticipantIdentityForm(
        request.POST or None,
        instance=identity or ParticipantIdentity(participant=participant),
        prefix="identity",
    )
    if request.method == "POST" and form.is_valid() and identity_form.is_valid():
        services.participant_update(
            participant=form.save(commit=False),
            identity=identity_form.save(commit=False),
            identity_changed=identity_form.changed_data,
            by=request.user,
        )
        messages.success(request, f"Saved {participant}.")
        return redirect(participant)
    return render(
        request,
        "interviews/participant_form.html",
        {"form": form, "identity_form": identity_form, "participant": participant},
    )


@require_POST
def consent_create(request: AuthenticatedHttpRequest, pseudonym: str) -> HttpResponse:
    participant = get_participant_for_user(request, pseudonym, write=True)
    form = ConsentForm(request.POST, projects=editable_projects(request.user))
    if form.is_valid():
        services.consent_record(
            participant=participant, recorded_by=request.user, **form.cleaned_data
        )
        messages.success(request, f"Consent recorded for {participant}.")
    else:
        errors = "; ".join(str(e) for errors in form.errors.values() for e in errors)
        messages.error(request, f"Consent not recorded: {errors}")
    return redirect(participant)


@require_POST
def consent_withdraw(
    request: AuthenticatedHttpRequest, pseudonym: str, consent_id: int
) -> HttpResponse:
    participant = get_participant_for_user(request, pseudonym, write=True)
    consent = get_object_or_404(ConsentRecord, pk=consent_id, participant=participant)
    services.consent_withdraw(consent=consent)
    messages.success(
        request,
        f"Consent withdrawn for {participant}: they cannot move forward in the studies it covered.",
    )
    return redirect(participant)


@require_POST
def participant_erase(request: AuthenticatedHttpRequest, pseudonym: str) -> HttpResponse:
    participant = get_participant_for_user(request, pseudonym, write=True)
    if request.POST.get("confirm") != participant.pseudonym:
        messages.error(request, f"Type {participant.pseudonym} to confirm erasure.")
        return redirect(participant)
    services.participant_erase(participant=participant, by=request.user)
    messages.success(
        request,
        f"{participant}'s personal data was erased. Their pseudonymous quotes and sessions remain.",
    )
    return redirect(participant)
