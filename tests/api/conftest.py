"""Token clients for the personas, and the world of tests/test_permissions.py (one of
everything, with a cx-journey framework whose stages carry metrics)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.contrib.auth.models import User
from rest_framework.test import APIClient

from api.tokens import token_create
from tests import test_permissions

world = test_permissions.world


def token_client(user: User) -> APIClient:
    _token, raw = token_create(user=user, name="tests")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


@pytest.fixture
def api_for() -> Callable[[User], APIClient]:
    return token_client


@pytest.fixture
def lead_api(lead: User) -> APIClient:
    return token_client(lead)


@pytest.fixture
def researcher_api(researcher: User) -> APIClient:
    return token_client(researcher)


@pytest.fixture
def viewer_api(viewer: User) -> APIClient:
    return token_client(viewer)


@pytest.fixture
def outsider_api(outsider: User) -> APIClient:
    return token_client(outsider)
