"""Fixtures for the interviews tests."""

from __future__ import annotations

import pytest

from interviews.models import ResearchProject, Session
from tests.factories import make_session


@pytest.fixture
def session(project: ResearchProject) -> Session:
    """A session whose participant is still to be linked."""
    return make_session(project)
