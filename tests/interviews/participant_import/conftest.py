"""Fixtures for the participant import tests."""

from __future__ import annotations

import pytest
from django.core.files.storage import default_storage

from interviews.importers.participants import (
    UPLOAD_DIR,
)
from interviews.models import (
    ProjectAttribute,
    ResearchProject,
)
from tests.factories import (
    make_attribute,
)
from tests.interviews.participant_import.helpers import stored_uploads


@pytest.fixture(autouse=True)
def _empty_upload_storage():
    """default_storage is one InMemoryStorage for the whole run; start each test without uploads."""
    for name in stored_uploads():
        default_storage.delete(f"{UPLOAD_DIR}/{name}")


@pytest.fixture
def attributes(project: ResearchProject) -> dict[str, ProjectAttribute]:
    return {
        "seats": make_attribute(
            project, "seats_purchased", kind=ProjectAttribute.Kind.NUMBER, label="Seats purchased"
        ),
        "plan": make_attribute(
            project,
            "current_plan",
            kind=ProjectAttribute.Kind.CHOICE,
            choices=["Premium", "Ultimate"],
            label="Current plan",
        ),
        "renewal": make_attribute(
            project, "renewal_date", kind=ProjectAttribute.Kind.DATE, label="Renewal date"
        ),
    }
