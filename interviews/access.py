"""The one door to a project: every project-scoped view and export starts here.

A non-member gets 404 (never a hint that the project exists); a viewer who tries
to write gets 403. Staff act as leads everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest

from interviews.models import Membership, Participant, ResearchProject

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


def role_in_project(user: AbstractBaseUser | AnonymousUser, project: ResearchProject) -> str | None:
    if not user.is_authenticated:
        return None
    if user.is_staff:
        return Role.LEAD
    membership = Membership.objects.filter(project=project, user=user).only("role").first()
    return membership.role if membership else None


def get_project_for_member(
    request: HttpRequest, slug: str, *, write: bool = False, lead: bool = False
) -> ProjectAccess:
    """Load a project the requesting user is a member of, or raise 404/403."""
    project = ResearchProject.objects.select_related("framework").filter(slug=slug).first()
    role = role_in_project(request.user, project) if project else None
    if project is None or role is None:
        raise Http404("No such project.")
    access = ProjectAccess(project=project, role=role)
    if lead and not access.is_lead:
        raise PermissionDenied("Only the study's lead can do this.")
    if write and not access.can_edit:
        raise PermissionDenied("Viewers can read this study but not change it.")
    return access


def projects_for_user(user: AbstractBaseUser | AnonymousUser) -> QuerySet[ResearchProject]:
    if not user.is_authenticated:
        return ResearchProject.objects.none()
    if user.is_staff:
        return ResearchProject.objects.all()
    return ResearchProject.objects.filter(memberships__user=user)


def editable_projects(user: AbstractBaseUser | AnonymousUser) -> QuerySet[ResearchProject]:
    if not user.is_authenticated:
        return ResearchProject.objects.none()
    if user.is_staff:
        return ResearchProject.objects.all()
    return ResearchProject.objects.filter(
        memberships__user=user, memberships__role__in=[Role.LEAD, Role.RESEARCHER]
    )


def is_researcher_anywhere(user: AbstractBaseUser | AnonymousUser) -> bool:
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
        user._cx_is_researcher_anywhere = cached  # type: ignore[union-attr]
    return cached


def get_participant_for_user(
    request: HttpRequest, pseudonym: str, *, write: bool = False
) -> Participant:
    """Researchers reach the whole pool; viewers only people enrolled in their studies."""
    user = request.user
    participant = Participant.objects.filter(pseudonym=pseudonym).first()
    if participant is None:
        raise Http404("No such participant.")
    if is_researcher_anywhere(user):
        return participant
    in_my_studies = participant.enrollments.filter(project__in=projects_for_user(user)).exists()
    if not in_my_studies:
        raise Http404("No such participant.")
    if write:
        raise PermissionDenied("Viewers can read participant profiles but not change them.")
    return participant
