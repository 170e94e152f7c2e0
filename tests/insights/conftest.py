"""Every insights test gets its own search index directory and a fresh backend.

Saving a transcript, note or highlight queues an index update; where a test runs those
updates (transactional tests, captured on_commit callbacks) they land in tmp_path, never
in the checkout's var/search-index.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pytest_django import Settings

from insights.search.backends import reset_backend
from insights.search.scheduling import resume_publishing
from interviews.models import ResearchProject
from tests.insights.refi_data import build_coded_project


@pytest.fixture(autouse=True)
def search_index_dir(settings: Settings, tmp_path: Path) -> Iterator[Path]:
    settings.SEARCH_INDEX_DIR = tmp_path / "index"
    reset_backend()
    resume_publishing()  # a test's broker failure must not pause the next test's publishing
    yield settings.SEARCH_INDEX_DIR
    reset_backend()
    resume_publishing()


@pytest.fixture
def coded_project(project: ResearchProject, lead, researcher) -> ResearchProject:  # noqa: ANN001
    """A study coded by two coders, for the REFI-QDA exchange tests (tests/insights/refi_data)."""
    return build_coded_project(project, lead, researcher)
