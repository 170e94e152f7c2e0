"""Themes, hand-offs and recommendations on the journey overview and stage pages.

The coding is tests.insights.evidence's (see tests/insights/test_themes.py for the table):
aggregation proposes one theme, "SSO + SAML" at Onboarding (4 quotes, 3 people, 3 sessions),
with a hand-off to Purchase (Sales → Customer Success). Viewers read only the latest
published report; the research team reads the analysis as it stands, drafts marked.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from insights.models import Recommendation, Theme
from insights.reports import report_build, report_publish
from insights.themes.aggregate import themes_aggregate
from insights.themes.curation import theme_confirm, theme_rename
from insights.themes.recommendations import RecommendationFields, recommendation_create
from tests.insights.evidence import EvidenceStudy, build_study, code_quotes, stage_named

OVERVIEW = reverse("insights:journey-overview")
ONBOARDING = reverse("insights:journey-stage", args=["cx-journey", "onboarding"])


@pytest.fixture
def published(project, lead: User) -> dict[str, Any]:  # noqa: ANN001
    """The theme confirmed, a recommendation proposed, report #1 built and published."""
    study = build_study(project, lead)
    quotes = code_quotes(study)
    themes_aggregate(project=project)
    theme = Theme.objects.get(project=project)
    theme = theme_confirm(theme=theme, by=lead, version=theme.version)
    recommendation_create(
        project=project,
        by=lead,
        fields=RecommendationFields(
            statement="Ship an SSO setup checklist",
            stage=stage_named("onboarding"),
            status=Recommendation.Status.PROPOSED,
            owning_team="Customer Success",
            impact="high",
            effort="low",
            themes=[theme],
        ),
    )
    report = report_publish(report=report_build(project=project, by=lead), by=lead)
    return {"study": study, "quotes": quotes, "theme": theme, "report": report}


def add_drafts(study: EvidenceStudy, theme: Theme, lead: User) -> None:
    """After publication: the theme renamed, a new candidate, a recommendation, a draft report."""
    theme_rename(theme=theme, by=lead, version=theme.version, name="Renamed in draft")
    Theme.objects.create(
        project=study.project,
        stage=stage_named("onboarding"),
        name="Unpublished pricing theme",
        participant_count=9,
        quote_count=9,
    )
    recommendation_create(
        project=study.project,
        by=lead,
        fields=RecommendationFields(
            statement="Draft idea nobody approved",
            stage=stage_named("onboarding"),
            status=Recommendation.Status.PROPOSED,
            owning_team="Product",
        ),
    )
    report_build(project=study.project, by=lead)  # report #2, a draft


def cards(client: Client, **params: str) -> dict[str, Any]:
    response = client.get(OVERVIEW, params)
    assert response.status_code == 200
    return {summary.stage.slug: found for summary, found in response.context["cards"]}


def test_overview_counts_published_themes_and_handoffs_per_stage(
    published: dict, viewer_client: Client
) -> None:
    found = cards(viewer_client)
    assert [t.name for t in found["onboarding"].themes] == ["SSO + SAML"]
    assert found["purchase"].themes == [] and found["adoption"].themes == []
    (handoff,) = found["onboarding"].handoffs
    assert (handoff.from_stage, handoff.to_stage) == ("Purchase", "Onboarding")
    assert (handoff.from_team, handoff.to_team) == ("Sales", "Customer Success")
    assert (handoff.quotes, handoff.participants) == (4, 3)
    html = viewer_client.get(OVERVIEW).content.decode()
    assert "<strong>1</strong> theme</a>" in html
    # The hand-off's figure links straight to the theme's quotes on the stage page.
    assert f"{ONBOARDING}?theme={handoff.theme_id}#quotes-heading" in html


def test_stage_page_ranks_themes_with_coverage_and_shows_recommendations_with_owners(
    published: dict, viewer_client: Client
) -> None:
    response = viewer_client.get(ONBOARDING)
    (theme,) = response.context["themes"]
    assert (theme.participants, theme.sessions, theme.quotes) == (3, 3, 4)
    assert theme.coverage.startswith("3 of 4 participants")
    assert theme.label == "Published in report #1"
    (rec,) = response.context["recommendations"]
    assert (rec.statement, rec.team, rec.impact) == (
        "Ship an SSO setup checklist",
        "Customer Success",
        "High",
    )
    html = response.content.decode()
    assert "Coverage: 3 of 4 participants" in html
    assert "Owner: <strong>Customer Success</strong>" in html


def test_a_themes_quotes_are_one_click_from_the_stage_page(
    published: dict, viewer_client: Client
) -> None:
    theme = published["theme"]
    quotes = published["quotes"]
    response = viewer_client.get(ONBOARDING, {"theme": theme.pk})
    shown = {row["highlight"].pk for row in response.context["rows"]}
    assert shown == {quotes[k].pk for k in ("ada0", "ada1", "ben0", "cleo0")}
    assert "behind the theme <strong>SSO + SAML</strong>" in response.content.decode()


def test_an_unknown_theme_shows_an_error_and_no_quotes(
    published: dict, viewer_client: Client
) -> None:
    for bad in ("999999", "abc"):
        response = viewer_client.get(ONBOARDING, {"theme": bad})
        assert response.status_code == 200
        assert response.context["rows"] == []
        assert response.context["quote_form"].errors["theme"]
    html = viewer_client.get(ONBOARDING, {"theme": "999999"}).content.decode()
    assert "That theme is not among this stage&#x27;s findings." in html


def test_a_draft_never_reaches_a_viewer(published: dict, viewer_client: Client, lead: User) -> None:
    add_drafts(published["study"], published["theme"], lead)
    for url in (OVERVIEW, ONBOARDING):
        html = viewer_client.get(url).content.decode()
        assert "Unpublished pricing theme" not in html
        assert "Renamed in draft" not in html
        assert "Draft idea nobody approved" not in html
        assert "Draft" not in html.replace("Drafts", "")
    found = cards(viewer_client)["onboarding"]
    assert [t.name for t in found.themes] == ["SSO + SAML"]
    assert [r.statement for r in found.recommendations] == ["Ship an SSO setup checklist"]
    # The draft's theme cannot be reached by guessing its id either.
    draft = Theme.objects.get(name="Unpublished pricing theme")
    assert viewer_client.get(ONBOARDING, {"theme": draft.pk}).context["rows"] == []


def test_a_viewer_sees_no_themes_before_anything_is_published(
    project,
    lead: User,
    viewer_client: Client,  # noqa: ANN001
) -> None:
    code_quotes(build_study(project, lead))
    themes_aggregate(project=project)
    theme = Theme.objects.get(project=project)
    theme_confirm(theme=theme, by=lead, version=theme.version)
    report_build(project=project, by=lead)  # built, not published
    assert cards(viewer_client)["onboarding"].themes == []
    assert "none published yet" in viewer_client.get(OVERVIEW).content.decode()


def test_researchers_see_the_analysis_as_it_stands_labelled(
    published: dict, researcher_client: Client, lead: User
) -> None:
    add_drafts(published["study"], published["theme"], lead)
    response = researcher_client.get(ONBOARDING)
    labels = {t.name: t.label for t in response.context["themes"]}
    assert labels == {
        "Unpublished pricing theme": "Draft: candidate",
        "Renamed in draft": "Published in report #1",
    }
    assert [t.name for t in response.context["themes"]][0] == "Unpublished pricing theme"
    published_flags = {r.statement: r.published for r in response.context["recommendations"]}
    # The aggregation job's own draft (status draft) is shown to researchers too, as a draft.
    assert published_flags == {
        "Ship an SSO setup checklist": True,
        "Draft idea nobody approved": False,
        "Address “SSO + SAML” at Onboarding: raised by 3 of 4 participants in 4 quotes.": False,
    }
    html = response.content.decode()
    assert "Draft: candidate" in html and "drafts marked" in html


def test_rejected_themes_stay_off_the_researchers_pages(
    published: dict, researcher_client: Client
) -> None:
    Theme.objects.filter(pk=published["theme"].pk).update(status=Theme.Status.REJECTED)
    assert cards(researcher_client)["onboarding"].themes == []


def test_journey_pages_with_themes_have_bounded_queries(
    published: dict,
    viewer_client: Client,
    researcher_client: Client,
    lead: User,
    django_assert_max_num_queries,  # noqa: ANN001
) -> None:
    add_drafts(published["study"], published["theme"], lead)
    # session, user, frameworks ×2, projects, lens form, 2 per study for consent clearance,
    # 4 stage summaries; findings: roles, latest published reports.
    with django_assert_max_num_queries(16):
        viewer_client.get(OVERVIEW, {"segment": "large"})
    # As above, plus the stage, a page of quotes (count, ids, rows, codes) and clearance.
    with django_assert_max_num_queries(21):
        viewer_client.get(ONBOARDING, {"theme": published["theme"].pk})
    # The research team's findings add themes, their codes, evidence summaries,
    # recommendations and their themes.
    with django_assert_max_num_queries(18):
        researcher_client.get(OVERVIEW)
    with django_assert_max_num_queries(23):
        researcher_client.get(ONBOARDING)


def test_a_segment_lens_keeps_that_segments_studies_and_cross_segment_ones(
    published: dict,
    viewer_client: Client,
    project,  # noqa: ANN001
) -> None:
    project.segment = "large"
    project.save(update_fields=["segment"])
    assert cards(viewer_client, segment="mid_market")["onboarding"].themes == []
    assert len(cards(viewer_client, segment="large")["onboarding"].themes) == 1
    project.segment = "cross"
    project.save(update_fields=["segment"])
    assert len(cards(viewer_client, segment="mid_market")["onboarding"].themes) == 1
