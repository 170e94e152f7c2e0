"""The one door to a project: every project-scoped view and export starts here.

A non-member gets 404 (never a hint that the project exists); a viewer who tries
to write gets 403. Staff act as leads everywhere. A view that loads an object of the
project goes through the same door: `get_transcript_for_member(request, slug, pk)`
(sessions, transcripts, field notes here; highlights, which the evidence selector also
limits, in the analysis app's access module). Another study's object is a 404, like another study.

Participants are a pool shared by every study, and the rules for them are these:

- Reading. A lead or researcher of any study reads the whole pool, personal data included
  (recruiting for a new study means finding people other studies met, and the contact
  cooldown spans studies); every read of personal data is audited (interviews.pii). A
  viewer reads only the people enrolled in their studies, pseudonymised. Others read nobody.
- Changing (the profile and personal data, consent records, erasure): staff always. A lead
  or researcher may change someone enrolled in no study yet (the pool they recruit from),
  and someone whose every study is one they lead or research. Someone also enrolled in a
  study the user is not a lead or researcher of may be changed only by a lead of one of
  their studies, or by staff: their record is shared with a team the user does not belong
  to. Viewers never change anyone. The participant import applies the same rule: it enrolls
  such a person but leaves their record as it is.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import PermissionDenied
from django.db.models import Model, OuterRef, QuerySet, Subquery
from django.http import Http404, HttpRequest

from interviews import page_extras
from interviews.evidence import Audience, audience_for_role
from interviews.models import (
    Enrollment,
    FieldNote,
    Membership,
    Participant,
    ResearchProject,
    Session,
    Transcript,
)

Role = Membership.Role


@dataclass(frozen=True)
class ProjectAccess:
    project: ResearchProject
    role: str  # a Membership.Role value; staff get "lead"

    @property
    def can_edit(self) -> bool:
        return self.role in (Role.LEAD, Role.RESEARCHER)

    @property
    def is_lead(self) -> bool:
        return self.role == Role.LEAD

    @property
    def audience(self) -> Audience:
        return audience_for_role(self.role)


def role_in_project(user: User | AnonymousUser, project: ResearchProject) -> str | None:
    if not user.is_authenticated:
        return None
    if user.is_staff:
        return Role.LEAD
    membership = Membership.objects.filter(project=project, user=user).only("role").first()
    return membership.role if membership else None


def get_project_for_member(
    request: HttpRequest, slug: str, *, write: bool = False, lead: bool = False
) -> ProjectAccess:
    """Load a project the requesting user is a member of, or raise 404/403.

    The user's role comes with the project, in the same query: every project page and
    coding click passes this door, and a second query for the membership cost each one.
    """
    user = request.user
    # Unordered (the slug and the membership are unique): the models' default orderings, by
    # title and through two joins, cost each request a third of this query.
    projects = (
        ResearchProject.objects.select_related("framework", *page_extras.project_joins())
        .filter(slug=slug)
        .order_by()
    )
    if user.is_authenticated and not user.is_staff:
        memberships = Membership.objects.filter(project=OuterRef("pk"), user=user).order_by()
        projects = projects.annotate(member_role=Subquery(memberships.values("role")[:1]))
    project = _one(projects)
    role: str | None = None
    if project is not None and user.is_authenticated:
        # member_role: the annotation above, which the model's type does not know.
        role = Role.LEAD if user.is_staff else project.member_role  # type: ignore[attr-defined]
    if project is None or role is None:
        raise Http404("No such project.")
    access = ProjectAccess(project=project, role=role)
    if lead and not access.is_lead:
        raise PermissionDenied("Only the study's lead can do this.")
    if write and not access.can_edit:
        raise PermissionDenied("Viewers can read this study but not change it.")
    return access


# --- Objects of a project: each loaded through the door, another study's is a 404 ----------------


def get_session_for_member(
    request: HttpRequest, slug: str, pk: int, *, write: bool = False
) -> tuple[ProjectAccess, Session]:
    access = get_project_for_member(request, slug, write=write)
    return access, session_in_project(access, pk)


def get_transcript_for_member(
    request: HttpRequest, slug: str, pk: int, *, session_id: int | None = None, write: bool = False
) -> tuple[ProjectAccess, Transcript]:
    """The door, then one of the study's transcripts (of `session_id` when the URL names it)."""
    access = get_project_for_member(request, slug, write=write)
    return access, transcript_in_project(access, pk, session_id=session_id)


def get_field_note_for_member(
    request: HttpRequest, slug: str, pk: int, *, session_id: int | None = None, write: bool = False
) -> tuple[ProjectAccess, FieldNote]:
    access = get_project_for_member(request, slug, write=write)
    return access, field_note_in_project(access, pk, session_id=session_id)


def _one[M: Model](rows: QuerySet[M]) -> M | None:
    """The row a unique lookup finds, or None, without the ORDER BY that first() adds."""
    return next(iter(rows.order_by()[:1]), None)


def session_in_project(access: ProjectAccess, pk: int) -> Session:
    session = _one(Session.objects.filter(pk=pk, project=access.project))
    if session is None:
        raise Http404("No such session.")
    session.project = access.project  # the door's row: no query to read it again
    return session


def transcript_in_project(
    access: ProjectAccess, pk: int, *, session_id: int | None = None, lock: bool = False
) -> Transcript:
    """One of the study's transcripts, its session joined; 404 for any other.

    `lock`: inside a transaction, the transcript's row is locked until it ends (its session's
    is not), as a write that recounts what the transcript holds locks it (a coding: one
    statement for both the read and the lock).
    """
    transcripts = Transcript.objects.select_related("session").filter(
        pk=pk, session__project=access.project
    )
    if lock:
        transcripts = transcripts.select_for_update(of=("self",))
    if session_id is not None:
        transcripts = transcripts.filter(session_id=session_id)
    transcript = _one(transcripts)
    if transcript is None:
        raise Http404("No such transcript.")
    transcript.session.project = access.project
    return transcript


def field_note_in_project(
    access: ProjectAccess, pk: int, *, session_id: int | None = None
) -> FieldNote:
    """One of the study's field notes, its session joined; 404 for any other."""
    notes = FieldNote.objects.select_related("session").filter(
        pk=pk, session__project=access.project
    )
    if session_id is not None:
        notes = notes.filter(session_id=session_id)
    note = _one(notes)
    if note is None:
        raise Http404("No such field note.")
    note.session.project = access.project
    return note


def projects_for_user(user: User | AnonymousUser) -> QuerySet[ResearchProject]:
    if not user.is_authenticated:
        return ResearchProject.objects.none()
    if user.is_staff:
        return ResearchProject.objects.all()
    return ResearchProject.objects.filter(memberships__user=user)


def editable_projects(user: User | AnonymousUser) -> QuerySet[ResearchProject]:
    if not user.is_authenticated:
        return ResearchProject.objects.none()
    if user.is_staff:
        return ResearchProject.objects.all()
    return ResearchProject.objects.filter(
        memberships__user=user, memberships__role__in=[Role.LEAD, Role.RESEARCHER]
    )


def is_researcher_anywhere(user: User | AnonymousUser) -> bool:
    """Researchers and leads share one participant pool across studies (recruiting, cooldowns).

    The answer is kept on the user object, which lives for one request, because list pages
    ask several times.
    """
    if not user.is_authenticated:
        return False
    if user.is_staff:
        return True
    cached = getattr(user, "_cx_is_researcher_anywhere", None)
    if cached is None:
        cached = Membership.objects.filter(
            user=user, role__in=[Role.LEAD, Role.RESEARCHER]
        ).exists()
        # A per-request cache kept on the user object, which has no such field.
        user._cx_is_researcher_anywhere = cached  # type: ignore[attr-defined]
    return cached


def get_participant_for_user(
    request: HttpRequest, pseudonym: str, *, write: bool = False
) -> Participant:
    """A participant this user may read (else 404), and with `write` change (else 403)."""
    user = request.user
    participant = Participant.objects.filter(pseudonym=pseudonym).first()
    if participant is None:
        raise Http404("No such participant.")
    if not is_researcher_anywhere(user):
        in_my_studies = participant.enrollments.filter(project__in=projects_for_user(user)).exists()
        if not in_my_studies:
            raise Http404("No such participant.")
        if write:
            raise PermissionDenied("Viewers can read participant profiles but not change them.")
        return participant
    if write and not can_change_participant(user, participant):
        raise PermissionDenied(OUTSIDE_YOUR_STUDIES.format(pseudonym=participant.pseudonym))
    return participant


OUTSIDE_YOUR_STUDIES = (
    "{pseudonym} is also enrolled in studies you are not a member of: only a lead of one of "
    "their studies or an admin can change their record."
)


def can_change_participant(user: User | AnonymousUser, participant: Participant) -> bool:
    """Whether this user may change the participant's record (the rule in the module docstring)."""
    return participant.pk not in participants_out_of_reach(user, [participant.pk])


def participants_out_of_reach(user: User | AnonymousUser, participant_ids: list[int]) -> set[int]:
    """Of these participants, those whose record this user may not change, in one query."""
    if not user.is_authenticated:
        return set(participant_ids)
    if user.is_staff:
        return set()
    if not is_researcher_anywhere(user):
        return set(participant_ids)
    my_role = Membership.objects.filter(project=OuterRef("project"), user=user).values("role")
    roles: dict[int, list[str | None]] = {}
    for participant_id, role in (
        Enrollment.objects.filter(participant_id__in=participant_ids)
        .annotate(my_role=Subquery(my_role[:1]))
        .values_list("participant_id", "my_role")
    ):
        roles.setdefault(participant_id, []).append(role)
    editing = (Role.LEAD, Role.RESEARCHER)
    return {
        participant_id
        for participant_id, study_roles in roles.items()
        if not all(role in editing for role in study_roles) and Role.LEAD not in study_roles
    }
