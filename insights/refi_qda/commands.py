"""What the REFI-QDA management commands share: finding the study and the user."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.core.management.base import CommandError

from interviews.access import role_in_project
from interviews.models import ResearchProject


def study(slug: str) -> ResearchProject:
    project = ResearchProject.objects.filter(slug=slug).first()
    if project is None:
        raise CommandError(
            f"No study has the short name “{slug}”. The short name is the part after "
            "/studies/ in the study's address."
        )
    return project


def user(username: str, project: ResearchProject | None = None) -> User:
    found = User.objects.filter(username=username, is_active=True).first()
    if found is None:
        raise CommandError(f"No active user is called “{username}”.")
    if project is not None and role_in_project(found, project) is None:
        raise CommandError(f"{username} is not a member of “{project}”.")
    return found
