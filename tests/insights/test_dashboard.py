"""The study dashboard: numbers behind every picture, accessible SVG, bounded queries."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from insights.charts import bar_chart, emotion_curve, heat_map
from insights.coding import HighlightFields, code_get_or_create, highlight_create
from insights.dashboard import project_dashboard
from insights.journey_maps import journey_cell_update, journey_map_get
from insights.models import JourneyFramework, JourneyMap, Theme
from insights.reports import report_build, report_publish
from insights.themes.aggregate import themes_aggregate
from insights.themes.curation import theme_confirm
from insights.themes.recommendations import RecommendationFields, recommendation_create
from insights.visibility import evidence_reader
from interviews.models import Enrollment, ResearchProject
from tests.factories import make_enrollment, make_participant, make_session, make_transcript
from tests.insights.evidence import build_study, code_quotes, stage_named


@pytest.fixture
def coded(project: ResearchProject, lead: User) -> ResearchProject:
    framework = JourneyFramework.objects.get(slug="cx-journey")
    project.framework = framework
    project.target_interviews = 2
    project.save(update_fields=["framework", "target_interviews"])
    stages = {s.slug: s for s in framework.stages.all()}
    person = make_participant(name="Ada Lovelace")
    make_enrollment(project, person, status=Enrollment.Status.COMPLETED)
    make_enrollment(project, status=Enrollment.Status.SCHEDULED)
    transcript = make_transcript(make_session(project, participants=[person]))
    sso, _ = code_get_or_create(project=project, name="SSO", by=lead)
    pricing, _ = code_get_or_create(project=project, name="Pricing", by=lead)
    for start, stage, codes, sentiment in [
        (0, "onboarding", [sso], -2),
        (30, "onboarding", [sso, pricing], -1),
        (60, "purchase", [pricing], 1),
        (90, "onboarding", [], None),
    ]:
        highlight_create(
            project=project,
            coder=lead,
            start=start,
            end=start + 20,
            fields=HighlightFields(stage=stages[stage], codes=codes, sentiment=sentiment),
            transcript=transcript,
        )
    return project


def test_dashboard_numbers_match_the_data(coded: ResearchProject, lead: User) -> None:
    dash = project_dashboard(evidence_reader(project=coded, user=lead))
    assert (dash.interviews_done, dash.interviews_target) == (1, 2)
    assert dash.deliverables[0].detail == "1 of 2" and not dash.deliverables[0].done
    assert dash.deliverables[0].url == coded.get_absolute_url()
    assert dash.quotes == 4
    sentiment = {s.stage: (s.mean, s.quotes) for s in dash.sentiment}
    assert sentiment["Onboarding"] == (-1.5, 2)
    assert sentiment["Purchase"] == (1.0, 1)
    assert sentiment["Awareness"] == (None, 0)
    heat = dash.code_frequency
    assert heat is not None
    values = {cell.title: cell.value for cell in heat.cells}
    assert values["SSO at Onboarding: 2 quotes"] == 2
    assert values["Pricing at Onboarding: 1 quotes"] == 1
    assert values["Pricing at Purchase: 1 quotes"] == 1
    assert [label.text for label in heat.rows] == ["Pricing", "SSO"]  # 2 uses each, by name
    funnel = {bar.title: bar for bar in dash.funnel.bars}
    assert "Completed: 1 people" in funnel and "Scheduled: 1 people" in funnel


def test_dashboard_page_renders_accessible_svg_within_query_budget(
    coded: ResearchProject, lead_client: Client, django_assert_max_num_queries
) -> None:
    url = reverse("insights:project-dashboard", args=[coded.slug])
    # session, user, project with the role, 8 dashboard reads (5 figures, 3 deliverables)
    with django_assert_max_num_queries(11):
        response = lead_client.get(url)
    html = response.content.decode()
    assert html.count('role="img"') == 3
    assert '<title id="heat-title">Code frequency by journey stage</title>' in html
    assert "Onboarding: mean sentiment −1.5" in html or "Onboarding: mean sentiment -1.5" in html
    assert "SSO at Onboarding: 2 quotes" in html


def test_viewers_cannot_open_the_dashboard(coded: ResearchProject, viewer_client: Client) -> None:
    url = reverse("insights:project-dashboard", args=[coded.slug])
    assert viewer_client.get(url).status_code == 403


def test_heat_map_darkens_with_the_count() -> None:
    chart = heat_map(title="t", row_labels=["a", "b"], column_labels=["x"], values=[[0], [8]])
    empty, full = chart.cells
    assert empty.fill == "#f4f7f9" and not empty.dark
    assert full.dark and full.value == 8 and chart.maximum == 8


def test_diverging_bars_grow_left_for_negative_values() -> None:
    chart = bar_chart(
        title="t", items=[("neg", -1, "−1"), ("pos", 2, "+2")], diverging=True, limit=2
    )
    negative, positive = chart.bars
    assert negative.x + negative.width == pytest.approx(chart.axis_x)
    assert positive.x == pytest.approx(chart.axis_x)
    assert positive.width == pytest.approx(2 * negative.width)


def test_emotion_curve_skips_stages_without_quotes() -> None:
    chart = emotion_curve(title="t", stages=[("A", 1.0, 3), ("B", None, 0), ("C", -2.0, 1)])
    assert chart.path.count("L") == 1  # two points joined; B is a gap
    assert [p.has_value for p in chart.points] == [True, False, True]
    assert chart.points[2].y > chart.zero_y > chart.points[0].y


def test_emotion_curve_labels_near_zero_means_without_a_sign() -> None:
    chart = emotion_curve(title="t", stages=[("A", -0.04, 2), ("B", 0.03, 2), ("C", 0.46, 2)])
    assert [p.value_label.text for p in chart.points] == ["0.0", "0.0", "+0.5"]


def deliverables(project: ResearchProject, user: User) -> dict[str, tuple[bool, str, str]]:
    dash = project_dashboard(evidence_reader(project=project, user=user))
    return {item.label: (item.done, item.detail, item.url) for item in dash.deliverables}


def test_findings_deliverables_start_open_with_their_numbers(
    coded: ResearchProject, lead: User
) -> None:
    items = deliverables(coded, lead)
    assert list(items) == [
        "Interviews done",
        "Current state journey map drafted",
        "Future state journey map drafted",
        "At least 3 recommendations",
        "Report published",
    ]
    assert items["Current state journey map drafted"] == (
        False,
        "0 cells written",
        reverse("insights:journey-map", args=[coded.slug, "current"]),
    )
    assert items["At least 3 recommendations"] == (
        False,
        "0 of 3",
        reverse("insights:recommendation-list", args=[coded.slug]),
    )
    assert items["Report published"] == (
        False,
        "0 published of 0 built",
        reverse("insights:report-list", args=[coded.slug]),
    )


def test_findings_deliverables_are_checked_by_the_work_done(
    project: ResearchProject, lead: User
) -> None:
    study = build_study(project, lead)
    code_quotes(study)
    themes_aggregate(project=project)
    theme = Theme.objects.get(project=project)
    theme_confirm(theme=theme, by=lead, version=theme.version)
    onboarding = stage_named("onboarding")
    current = journey_map_get(project, JourneyMap.State.CURRENT)
    for lane in ("goals", "touchpoints"):
        journey_cell_update(
            journey_map=current,
            stage=onboarding,
            lane=lane,
            text="Set up SSO",
            expected_version=0,
            by=lead,
        )
    journey_map_get(project, JourneyMap.State.FUTURE)  # opened, nothing written
    # The job's draft (status draft) and a dropped one do not count; three proposed do.
    for number, status in enumerate(["proposed", "accepted", "in_progress", "dropped"]):
        recommendation_create(
            project=project,
            by=lead,
            fields=RecommendationFields(statement=f"Do thing {number}", status=status),
        )
    report_build(project=project, by=lead)
    second = report_publish(report=report_build(project=project, by=lead), by=lead)
    items = deliverables(project, lead)
    assert items["Current state journey map drafted"][:2] == (True, "2 cells written")
    assert items["Future state journey map drafted"][:2] == (False, "0 cells written")
    assert items["At least 3 recommendations"][:2] == (True, "3 of 3")
    assert items["Report published"] == (
        True,
        "1 published of 2 built",
        reverse("insights:report-detail", args=[project.slug, second.number]),
    )
