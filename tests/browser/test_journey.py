"""A stakeholder's journey through the published findings, and the pages holding at laptop sizes.

Screenshots of every step are kept in var/screenshots/ (git-ignored) for a person to look at.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps as django_apps
from django.conf import settings
from django.contrib.auth.models import User

from insights.models import Code, Recommendation, Theme
from insights.reports import report_build, report_publish
from insights.themes.aggregate import themes_aggregate
from insights.themes.curation import theme_confirm
from insights.themes.recommendations import RecommendationFields, recommendation_create
from interviews.models import ResearchProject
from tests.insights.evidence import build_study, code_quotes, sentence, stage_named

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

SCREENSHOTS = Path(settings.BASE_DIR) / "var" / "screenshots"
SIZES = [(1280, 720), (1366, 768)]
LONG_CODE = "SAML single sign-on configuration for self-managed instances behind a proxy"


@pytest.fixture(autouse=True)
def shipped_frameworks() -> None:
    """Transactional tests empty every table, the data migration's frameworks included."""
    ship = importlib.import_module("insights.migrations.0002_ship_journey_frameworks")
    ship.ship_frameworks(django_apps, None)


@pytest.fixture
def published(project: ResearchProject, lead: User) -> dict[str, Any]:
    """The evidence study, its theme confirmed, a recommendation, report #1 published."""
    study = build_study(project, lead)
    Code.objects.filter(pk=study.codes["SAML"].pk).update(name=LONG_CODE)
    study.codes["SAML"].refresh_from_db()
    quotes = code_quotes(study)
    themes_aggregate(project=project)
    theme = Theme.objects.get(project=project)
    theme_confirm(theme=theme, by=lead, version=theme.version)
    recommendation_create(
        project=project,
        by=lead,
        fields=RecommendationFields(
            statement="Ship an SSO setup checklist with the welcome e-mail",
            stage=stage_named("onboarding"),
            status=Recommendation.Status.PROPOSED,
            owning_team="Customer Success",
            themes=[theme],
        ),
    )
    report_publish(report=report_build(project=project, by=lead), by=lead)
    return {"study": study, "quotes": quotes, "theme": theme}


def shoot(page, name: str) -> None:  # noqa: ANN001
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def test_viewer_filters_the_journey_opens_a_stage_and_a_quote_in_context(
    logged_in_page,  # noqa: ANN001
    published: dict,
    viewer: User,
) -> None:
    page = logged_in_page(viewer)
    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto("/")
    page.get_by_role("heading", name="Where in the journey do customers struggle?").wait_for()
    shoot(page, "journey-1-overview")

    page.select_option("#id_segment", "large")
    page.get_by_role("button", name="Apply").click()
    page.wait_for_url("**segment=large**")
    onboarding = page.locator("section.stage-card", has=page.locator("#stage-onboarding"))
    assert "3 quotes" in onboarding.inner_text()  # Ada's two and Ben's one
    assert "1 theme" in onboarding.inner_text()
    assert page.get_by_role("cell", name="Purchase → Onboarding").is_visible()
    shoot(page, "journey-2-segment")

    page.get_by_role("link", name="Onboarding", exact=True).click()
    page.get_by_role("heading", name="Themes, strongest first").wait_for()
    assert page.get_by_text("Published in report #1").is_visible()
    assert page.get_by_text("Owner: Customer Success").first.is_visible()
    assert page.get_by_text("Ship an SSO setup checklist").is_visible()
    shoot(page, "journey-3-stage")

    page.get_by_role("link", name="4 quotes").click()  # the theme's quotes
    page.get_by_text("behind the theme").wait_for()
    shoot(page, "journey-4-theme-quotes")

    page.get_by_role("link", name="In context").first.click()
    page.get_by_role("heading", name="Quote in context").wait_for()
    assert page.get_by_text("How did it go?").first.is_visible()
    assert "Example" not in page.content()  # the participants' real names
    shoot(page, "journey-5-quote-in-context")


@pytest.mark.parametrize(("width", "height"), SIZES)
def test_pages_hold_at_laptop_sizes(
    logged_in_page,  # noqa: ANN001
    published: dict,
    lead: User,
    viewer: User,
    project: ResearchProject,
    width: int,
    height: int,
) -> None:
    """No page wider than the window, and no table scrolled inside its box (a cut-off column)."""
    highlight = published["quotes"]["ada0"]
    pages = {
        viewer: [
            "/journey/",
            "/journey/cx-journey/onboarding/",
            f"/studies/{project.slug}/quotes/{highlight.pk}/context/",
        ],
        lead: [
            f"/studies/{project.slug}/quotes/",
            f"/studies/{project.slug}/codebook/",
            f"/studies/{project.slug}/journey/current/",
            f"/studies/{project.slug}/dashboard/",
        ],
    }
    for user, paths in pages.items():
        page = logged_in_page(user)
        page.set_viewport_size({"width": width, "height": height})
        for path in paths:
            page.goto(path)
            assert page.get_by_text(sentence("Ada", 0)).count() or "quotes" not in path
            fits = page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
            clipped = page.evaluate(
                """() => [...document.querySelectorAll('.table-wrap')]
                    .filter(box => box.scrollWidth > box.clientWidth + 1)
                    .map(box => box.querySelector('caption, th')?.textContent.trim())"""
            )
            name = path.strip("/").replace("/", "-")
            shoot(page, f"layout-{width}x{height}-{name}")
            assert fits, f"{path} is wider than {width} px"
            assert clipped == [], f"{path} cuts off table columns at {width} px: {clipped}"
        page.context.close()
