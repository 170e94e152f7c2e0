"""The door (interviews.access.get_project_for_member): the project and the user's role in one
query, whoever asks."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.test import RequestFactory

from interviews.access import get_project_for_member
from interviews.models import Membership, ResearchProject


def request_by(user: User | AnonymousUser):  # noqa: ANN201 - a WSGIRequest
    request = RequestFactory().get("/")
    request.user = user
    return request


@pytest.mark.parametrize(
    ("persona", "role"),
    [("lead", "lead"), ("researcher", "researcher"), ("viewer", "viewer"), ("staff", "lead")],
)
def test_the_project_and_the_role_come_in_one_query(
    request: pytest.FixtureRequest,
    project: ResearchProject,
    persona: str,
    role: str,
    django_assert_num_queries,
) -> None:
    user = request.getfixturevalue(persona)
    with django_assert_num_queries(1):
        access = get_project_for_member(request_by(user), project.slug)
    assert (access.project, access.role) == (project, role)


def test_an_outsider_a_stranger_and_a_wrong_slug_get_404(
    project: ResearchProject, outsider: User, researcher: User
) -> None:
    for user, slug in (
        (outsider, project.slug),
        (AnonymousUser(), project.slug),
        (researcher, "no-such-study"),
    ):
        with pytest.raises(Http404):
            get_project_for_member(request_by(user), slug)


def test_a_membership_of_another_study_opens_nothing_here(
    project: ResearchProject, outsider: User
) -> None:
    other = ResearchProject.objects.create(title="Other", slug="other")
    Membership.objects.create(project=other, user=outsider, role=Membership.Role.LEAD)
    with pytest.raises(Http404):
        get_project_for_member(request_by(outsider), project.slug)
    assert get_project_for_member(request_by(outsider), "other").role == "lead"


def test_a_viewer_who_writes_gets_403(project: ResearchProject, viewer: User) -> None:
    with pytest.raises(PermissionDenied):
        get_project_for_member(request_by(viewer), project.slug, write=True)
