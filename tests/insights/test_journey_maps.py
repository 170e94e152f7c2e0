"""Journey maps: evidence-filled lanes, edits with optimistic locking, publishing to viewers."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from insights.coding import HighlightFields, code_get_or_create, highlight_create
from insights.journey_maps import (
    EditConflict,
    Lane,
    journey_cell_update,
    journey_map_get,
    journey_map_view,
)
from insights.models import Code, JourneyFramework, JourneyMap, JourneyMapCell, StageMetric
from insights.visibility import evidence_reader
from interviews.models import ConsentRecord, ResearchProject
from tests.factories import make_participant, make_session, make_transcript


@pytest.fixture
def mapped(project: ResearchProject, lead: User) -> ResearchProject:
    framework = JourneyFramework.objects.get(slug="cx-journey")
    project.framework = framework
    project.save(update_fields=["framework"])
    onboarding = framework.stages.get(slug="onboarding")
    StageMetric.objects.filter(stage__framework=framework).delete()
    StageMetric.objects.create(
        stage=onboarding, name="Days to first value", baseline=38, target=14, unit="days"
    )
    person = make_participant(name="Ada Lovelace")
    transcript = make_transcript(make_session(project, participants=[person]))
    sso, _ = code_get_or_create(project=project, name="SSO setup", by=lead)
    sso.kind = Code.Kind.PAIN_POINT
    sso.save()
    for start, sentiment in [(0, -2), (30, -1), (60, None)]:
        highlight_create(
            project=project,
            coder=lead,
            start=start,
            end=start + 20,
            fields=HighlightFields(stage=onboarding, codes=[sso], sentiment=sentiment),
            transcript=transcript,
        )
    return project


def cell(view, lane: str, stage_slug: str):
    row = next(item for item in view.lanes if item.lane == lane)
    return next(c for c in row.cells if c.stage.slug == stage_slug)


def test_current_map_fills_evidence_lanes_from_quotes_and_metrics(
    mapped: ResearchProject, lead: User
) -> None:
    view = journey_map_view(
        evidence_reader(project=mapped, user=lead), journey_map_get(mapped, "current")
    )
    assert [line.text for line in cell(view, Lane.EMOTIONS, "onboarding").evidence] == [
        "-1.5 (very negative), from 2 quotes"
    ]
    assert [line.text for line in cell(view, Lane.PAIN_POINTS, "onboarding").evidence] == [
        "SSO setup (3 quotes)"
    ]
    assert [line.text for line in cell(view, Lane.METRICS, "onboarding").evidence] == [
        "Days to first value: 38 days today"
    ]
    assert cell(view, Lane.TEAMS, "onboarding").evidence[0].text.startswith("Owner: ")
    assert cell(view, Lane.GOALS, "onboarding").evidence == []


def test_future_map_shows_metric_targets_and_no_quote_evidence(
    mapped: ResearchProject, lead: User
) -> None:
    view = journey_map_view(
        evidence_reader(project=mapped, user=lead), journey_map_get(mapped, "future")
    )
    assert [line.text for line in cell(view, Lane.METRICS, "onboarding").evidence] == [
        "Days to first value: 14 days target"
    ]
    assert cell(view, Lane.EMOTIONS, "onboarding").evidence == []


def test_viewers_do_not_get_evidence_their_consent_scope_hides(
    mapped: ResearchProject, viewer: User
) -> None:
    ConsentRecord.objects.update(scope=ConsentRecord.Scope.RESEARCH_TEAM)
    view = journey_map_view(
        evidence_reader(project=mapped, user=viewer), journey_map_get(mapped, "current")
    )
    assert cell(view, Lane.PAIN_POINTS, "onboarding").evidence == []


def test_a_stale_edit_is_refused_and_keeps_the_other_text(
    mapped: ResearchProject, lead: User, researcher: User
) -> None:
    journey_map = journey_map_get(mapped, "current")
    stage = mapped.framework.stages.get(slug="onboarding")
    journey_cell_update(
        journey_map=journey_map,
        stage=stage,
        lane=Lane.GOALS,
        text="Get SSO working",
        expected_version=0,
        by=lead,
    )
    with pytest.raises(EditConflict) as raised:
        journey_cell_update(
            journey_map=journey_map,
            stage=stage,
            lane=Lane.GOALS,
            text="Invite the team",
            expected_version=0,
            by=researcher,
        )
    assert raised.value.cell.text == "Get SSO working"
    assert JourneyMapCell.objects.get().text == "Get SSO working"


def test_editing_through_the_page_and_a_conflict_answer_409(
    mapped: ResearchProject, researcher_client: Client, lead_client: Client
) -> None:
    stage = mapped.framework.stages.get(slug="onboarding")
    url = reverse("insights:journey-cell-edit", args=[mapped.slug, "current"])
    data = {"stage": stage.pk, "lane": "touchpoints", "version": 0, "text": "Admin console"}
    assert researcher_client.post(url, data).status_code == 302
    response = lead_client.post(url, {**data, "text": "Docs site"})
    assert response.status_code == 409
    html = response.content.decode()
    assert "changed this cell while you were editing it" in html
    assert "Docs site" in html and "Admin console" in html
    assert JourneyMapCell.objects.get().text == "Admin console"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"version": "latest"}, "“version” must be a whole number."),
        ({"version": ""}, "“version” is missing."),
        ({"stage": "onboarding"}, "“stage” must be a whole number."),
        ({"lane": None}, "“lane” is missing."),
    ],
)
def test_a_malformed_cell_edit_says_which_field_and_saves_nothing(
    mapped: ResearchProject, researcher_client: Client, change: dict, message: str
) -> None:
    stage = mapped.framework.stages.get(slug="onboarding")
    url = reverse("insights:journey-cell-edit", args=[mapped.slug, "current"])
    data = {"stage": stage.pk, "lane": "touchpoints", "version": 0, "text": "Admin console"}
    data = {key: value for key, value in {**data, **change}.items() if value is not None}
    response = researcher_client.post(url, data, follow=True)
    assert f"Nothing saved: {message}" in response.content.decode()
    assert not JourneyMapCell.objects.exists()


def test_viewers_see_only_published_maps(
    mapped: ResearchProject, viewer_client: Client, lead_client: Client
) -> None:
    url = reverse("insights:journey-map", args=[mapped.slug, "current"])
    assert viewer_client.get(url).status_code == 404
    publish = reverse("insights:journey-map-publish", args=[mapped.slug, "current"])
    assert lead_client.post(publish).status_code == 302
    assert JourneyMap.objects.get(state="current").published_at is not None
    response = viewer_client.get(url)
    assert response.status_code == 200
    assert "<textarea" not in response.content.decode()


def test_an_unknown_state_is_404(mapped: ResearchProject, lead_client: Client) -> None:
    assert lead_client.get(f"/studies/{mapped.slug}/journey/someday/").status_code == 404


def test_map_page_queries_are_bounded(
    mapped: ResearchProject, lead_client: Client, django_assert_max_num_queries
) -> None:
    url = reverse("insights:journey-map", args=[mapped.slug, "current"])
    with django_assert_max_num_queries(14):
        assert lead_client.get(url).status_code == 200
