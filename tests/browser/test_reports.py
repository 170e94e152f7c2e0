"""A lead confirms a theme, builds and publishes a report; a viewer reads and prints it."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps as django_apps

from insights.themes.aggregate import themes_aggregate
from interviews.models import ResearchProject
from tests.insights.evidence import build_study, code_quotes, sentence

pytestmark = [
    pytest.mark.timeout(300),  # a browser or a worker starts, and pages load
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture(autouse=True)
def shipped_frameworks() -> None:
    """Transactional tests empty every table, the data migration's frameworks included."""
    ship = importlib.import_module("insights.migrations.0002_ship_journey_frameworks")
    ship.ship_frameworks(django_apps, None)


def test_confirm_build_publish_and_read_as_viewer(
    logged_in_page,  # noqa: ANN001
    project: ResearchProject,
    lead,  # noqa: ANN001
    viewer,  # noqa: ANN001
) -> None:
    study = build_study(project, lead)
    code_quotes(study)
    themes_aggregate(project=project)

    page = logged_in_page(lead)
    page.goto(f"/studies/{project.slug}/themes/")
    page.get_by_role("link", name="SSO + SAML").click()
    page.get_by_role("button", name="Confirm").click()
    page.get_by_text("is confirmed: reports will show it").wait_for()

    page.goto(f"/studies/{project.slug}/reports/")
    page.get_by_role("button", name="Build a report").click()
    page.get_by_role("link", name=f"{project.title}: findings #1").click()
    page.get_by_role("button", name="Publish for viewers").click()
    page.get_by_text("is published: the study's viewers can read it").wait_for()
    report_url = page.url

    reader = logged_in_page(viewer)
    reader.goto(report_url)
    assert reader.get_by_role("heading", name="SSO + SAML").is_visible()
    assert reader.get_by_text(sentence("Ben", 0)).is_visible()
    assert reader.get_by_text("Sales → Customer Success at Purchase → Onboarding").is_visible()
    reader.emulate_media(media="print")
    assert not reader.locator(".site-header").is_visible()
    assert not reader.get_by_role("button", name="Print").is_visible()
    assert reader.get_by_text(sentence("Ben", 0)).is_visible()
