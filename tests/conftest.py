"""Personas: a lead, a researcher and a viewer of one study, and an outsider who belongs to none."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client

from interviews.models import Membership, ResearchProject
from tests.factories import make_project, make_user


@pytest.fixture
def lead(db) -> User:
    return make_user("lead")


@pytest.fixture
def researcher(db) -> User:
    return make_user("researcher")


@pytest.fixture
def viewer(db) -> User:
    return make_user("viewer")


@pytest.fixture
def outsider(db) -> User:
    return make_user("outsider")


@pytest.fixture
def staff(db) -> User:
    return make_user("admin", is_staff=True)


@pytest.fixture
def project(lead: User, researcher: User, viewer: User) -> ResearchProject:
    return make_project(
        "Premium to Ultimate up-tier",
        slug="uptier",
        members={
            lead: Membership.Role.LEAD,
            researcher: Membership.Role.RESEARCHER,
            viewer: Membership.Role.VIEWER,
        },
    )


def _client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def lead_client(lead: User) -> Client:
    return _client_for(lead)


@pytest.fixture
def researcher_client(researcher: User) -> Client:
    return _client_for(researcher)


@pytest.fixture
def viewer_client(viewer: User) -> Client:
    return _client_for(viewer)


@pytest.fixture
def outsider_client(outsider: User) -> Client:
    return _client_for(outsider)


# A real Celery worker through Redis, for the tests of the deployed path (tests/workers.py).
from tests.workers import celery_worker, ran_tasks, redis_broker  # noqa: E402, F401
