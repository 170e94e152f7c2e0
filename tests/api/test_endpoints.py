"""Each endpoint for each persona: what it returns, what it refuses, and that a refusal
changes nothing. Access by persona for every URL is walked in tests/test_permissions.py."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser, User
from rest_framework.exceptions import NotAuthenticated
from rest_framework.request import Request
from rest_framework.test import APIClient, APIRequestFactory

from api.views import signed_in_user
from insights.coding import HighlightFields, highlight_create
from insights.models import Code, Highlight, StageMetric, StageMetricValue
from insights.reports import report_build
from insights.visibility import highlights_visible_to
from interviews.models import (
    AuditEvent,
    ConsentRecord,
    Enrollment,
    FieldNote,
    Participant,
)
from tests.factories import (
    make_participant,
    make_project,
    make_session,
    make_transcript,
    set_blind_coding,
)

pytestmark = pytest.mark.django_db


def api(world: dict, rest: str = "") -> str:
    return f"/api/v1/projects/{world['project'].slug}/{rest}"


def test_a_view_serves_only_a_signed_in_user(lead: User) -> None:
    request = Request(APIRequestFactory().get("/api/v1/projects/"))
    request.user = lead
    assert signed_in_user(request) == lead
    request.user = AnonymousUser()
    with pytest.raises(NotAuthenticated):
        signed_in_user(request)


# --- Studies and sessions ---------------------------------------------------------------------


def test_projects_lists_only_your_studies_with_your_role(
    world: dict, viewer_api: APIClient, outsider_api: APIClient
) -> None:
    make_project("Someone else's", slug="elsewhere")
    rows = viewer_api.get("/api/v1/projects/").json()["results"]
    assert [(r["slug"], r["role"], r["framework"]) for r in rows] == [
        ("uptier", "viewer", "cx-journey")
    ]
    assert outsider_api.get("/api/v1/projects/").json()["results"] == []


def test_sessions_say_whether_you_may_read_them(world: dict, viewer_api: APIClient) -> None:
    rows = viewer_api.get(api(world, "sessions/")).json()["results"]
    assert rows[0]["participants"] == [world["participant"].pseudonym]
    assert rows[0]["shared"] is True
    world["participant"].consents.update(scope=ConsentRecord.Scope.RESEARCH_TEAM)
    assert viewer_api.get(api(world, "sessions/")).json()["results"][0]["shared"] is False


# --- Participants and enrollments ------------------------------------------------------------


def test_viewers_read_pseudonyms_and_researchers_personal_data_audited(
    world: dict, viewer_api: APIClient, researcher_api: APIClient
) -> None:
    seen = viewer_api.get(api(world, "participants/")).json()["results"]
    assert seen[0]["pseudonym"] == world["participant"].pseudonym
    assert seen[0]["identity"] is None
    assert seen[0]["enrollment"]["status"] == "identified"
    assert "Ada" not in str(seen)
    audits = AuditEvent.objects.filter(action=AuditEvent.Action.PII_VIEWED).count()
    rows = researcher_api.get(api(world, "participants/")).json()["results"]
    assert rows[0]["identity"]["name"] == "Ada Lovelace"
    assert AuditEvent.objects.filter(action=AuditEvent.Action.PII_VIEWED).count() == audits + 1


def test_a_new_participant_is_created_and_enrolled(world: dict, researcher_api: APIClient) -> None:
    body = {"persona": "Platform admin", "segment": "smb", "identity": {"name": "Grace Hopper"}}
    response = researcher_api.post(api(world, "participants/"), body, format="json")
    assert response.status_code == 201, response.json()
    created = Participant.objects.get(pseudonym=response.json()["pseudonym"])
    assert created.identity.name == "Grace Hopper"
    assert Enrollment.objects.filter(project=world["project"], participant=created).exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"segment": "galactic"}, "segment"),
        ({"identity": {"email": "ada@analytical.example"}}, "identity"),  # taken already
        ({"identity": {"email": "not an address"}}, "identity"),
        ({"persona": "x" * 500}, "persona"),
        ([1, 2], "non_field_errors"),
    ],
)
def test_a_bad_participant_is_refused_and_nothing_is_created(
    world: dict, researcher_api: APIClient, body: object, field: str
) -> None:
    before = Participant.objects.count()
    response = researcher_api.post(api(world, "participants/"), body, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert Participant.objects.count() == before


def test_enrollments_move_by_the_pipeline_rules(world: dict, researcher_api: APIClient) -> None:
    enrollment = world["enrollment"]
    url = api(world, f"enrollments/{enrollment.pk}/move/")
    moved = researcher_api.post(url, {"to_status": "contacted"}, format="json")
    assert moved.status_code == 200
    assert moved.json()["status"] == "contacted"
    # The pipeline's own refusal, in its own words, and nothing changes.
    again = researcher_api.post(url, {"to_status": "contacted"}, format="json")
    assert again.status_code == 400
    assert "already contacted" in again.json()["detail"]
    enrollment.refresh_from_db()
    assert enrollment.status == "contacted"
    bad = researcher_api.post(url, {"to_status": "teleported"}, format="json")
    assert bad.status_code == 400 and "to_status" in bad.json()


def test_another_studys_enrollment_is_a_404(world: dict, researcher_api: APIClient) -> None:
    elsewhere = make_project("Elsewhere", slug="elsewhere")
    other = Enrollment.objects.create(project=elsewhere, participant=make_participant())
    response = researcher_api.post(
        api(world, f"enrollments/{other.pk}/move/"), {"to_status": "contacted"}, format="json"
    )
    assert response.status_code == 404
    other.refresh_from_db()
    assert other.status == "identified"


def test_enrolling_from_the_pool_once(world: dict, researcher_api: APIClient) -> None:
    person = make_participant()
    url = api(world, "enrollments/")
    first = researcher_api.post(url, {"participant": person.pseudonym}, format="json")
    second = researcher_api.post(url, {"participant": person.pseudonym}, format="json")
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["id"] == second.json()["id"]
    missing = researcher_api.post(url, {"participant": "P-999999"}, format="json")
    assert missing.status_code == 400 and "participant" in missing.json()


# --- Codes ------------------------------------------------------------------------------------


def test_codes_are_added_with_the_codebooks_checks(world: dict, researcher_api: APIClient) -> None:
    url = api(world, "codes/")
    parent = world["code"]
    response = researcher_api.post(
        url, {"name": "SAML", "parent": parent.pk, "kind": "pain_point"}, format="json"
    )
    assert response.status_code == 201, response.json()
    assert response.json()["parent"] == parent.pk
    before = Code.objects.count()
    duplicate = researcher_api.post(url, {"name": "saml"}, format="json")
    assert duplicate.status_code == 400 and "name" in duplicate.json()
    foreign = researcher_api.post(url, {"name": "Other", "parent": 10**9}, format="json")
    assert foreign.status_code == 400 and "parent" in foreign.json()
    assert Code.objects.count() == before
    names = [c["name"] for c in researcher_api.get(url).json()["results"]]
    assert names == ["SSO", "SAML"]


# --- Highlights -------------------------------------------------------------------------------


def test_viewers_read_quotes_redacted_and_within_consent(
    world: dict, lead: User, viewer_api: APIClient, lead_api: APIClient
) -> None:
    transcript = world["transcript"]
    wide = highlight_create(
        project=world["project"],
        coder=lead,
        start=0,
        end=40,
        fields=HighlightFields(),
        transcript=transcript,
    )
    redacted_word = transcript.text[20:26]
    rows = {r["id"]: r for r in viewer_api.get(api(world, "highlights/")).json()["results"]}
    assert redacted_word not in rows[wide.pk]["text"]
    assert rows[world["highlight"].pk]["memo"] == ""  # the memo is not shared
    team = {r["id"]: r for r in lead_api.get(api(world, "highlights/")).json()["results"]}
    assert redacted_word in team[wide.pk]["text"]
    assert team[world["highlight"].pk]["memo"] == "Ask about the IdP team."
    world["participant"].consents.update(scope=ConsentRecord.Scope.RESEARCH_TEAM)
    assert viewer_api.get(api(world, "highlights/")).json()["results"] == []
    assert len(lead_api.get(api(world, "highlights/")).json()["results"]) == 2


@pytest.mark.parametrize("persona", ["lead", "researcher", "viewer"])
def test_each_persona_gets_exactly_what_the_evidence_selector_gives_them(
    world: dict, lead: User, researcher: User, persona: str, request: pytest.FixtureRequest
) -> None:
    """Blind coding on, one quote by each coder, one from a participant who kept it to the team."""
    project = world["project"]
    set_blind_coding(project)
    highlight_create(
        project=project,
        coder=researcher,
        start=9,
        end=18,
        fields=HighlightFields(),
        transcript=world["transcript"],
    )
    private = make_participant(name="Omar Haddad")
    team_only = make_transcript(make_session(project, participants=[private]))
    private.consents.update(scope=ConsentRecord.Scope.RESEARCH_TEAM)
    highlight_create(
        project=project,
        coder=lead,
        start=0,
        end=6,
        fields=HighlightFields(),
        transcript=team_only,
    )
    user = request.getfixturevalue(persona)
    expected = set(highlights_visible_to(project=project, user=user).values_list("pk", flat=True))
    rows = request.getfixturevalue(f"{persona}_api").get(api(world, "highlights/")).json()
    assert {r["id"] for r in rows["results"]} == expected
    assert len(expected) == {"lead": 3, "researcher": 1, "viewer": 2}[persona]


def test_a_viewer_is_told_why_they_may_not_write(world: dict, viewer_api: APIClient) -> None:
    response = viewer_api.post(api(world, "codes/"), {"name": "Pricing"}, format="json")
    assert response.status_code == 403
    assert response.json()["detail"] == "Viewers can read this study but not change it."


def test_highlights_of_one_stage(world: dict, lead: User, viewer_api: APIClient) -> None:
    onboarding = world["project"].framework.stages.get(slug="onboarding")
    staged = highlight_create(
        project=world["project"],
        coder=lead,
        start=9,
        end=18,
        fields=HighlightFields(stage=onboarding),
        transcript=world["transcript"],
    )
    rows = viewer_api.get(api(world, "highlights/"), {"stage": "onboarding"}).json()["results"]
    assert [(r["id"], r["stage"]) for r in rows] == [(staged.pk, "onboarding")]


@pytest.mark.parametrize(
    "query", [{"stage": "nowhere"}, {"code": "abc"}, {"sentiment": "7"}, {"segment": "x"}]
)
def test_a_bad_filter_is_a_400_that_names_it(
    world: dict, viewer_api: APIClient, query: dict
) -> None:
    response = viewer_api.get(api(world, "highlights/"), query)
    assert response.status_code == 400
    assert set(query) <= set(response.json())


def test_blind_coding_shows_a_researcher_only_their_own(
    world: dict, researcher: User, researcher_api: APIClient, lead_api: APIClient
) -> None:
    set_blind_coding(world["project"])
    mine = highlight_create(
        project=world["project"],
        coder=researcher,
        start=9,
        end=18,
        fields=HighlightFields(),
        transcript=world["transcript"],
    )
    rows = researcher_api.get(api(world, "highlights/")).json()["results"]
    assert [r["id"] for r in rows] == [mine.pk]
    assert len(lead_api.get(api(world, "highlights/")).json()["results"]) == 2


def test_coding_a_span_through_the_api(world: dict, researcher_api: APIClient) -> None:
    text = world["transcript"].text
    start = text.index("SSO")
    body = {
        "source": "transcript",
        "source_id": world["transcript"].pk,
        "start": start,
        "end": start + 3,
        "text": "SSO",
        "stage": "onboarding",
        "codes": ["SSO", "Identity provider"],
        "sentiment": -1,
    }
    created = researcher_api.post(api(world, "highlights/"), body, format="json")
    assert created.status_code == 201, created.json()
    assert created.json()["codes"] == ["Identity provider", "SSO"]
    assert created.json()["stage"] == "onboarding"
    again = researcher_api.post(api(world, "highlights/"), body, format="json")
    assert again.status_code == 200
    assert again.json()["id"] == created.json()["id"]


@pytest.mark.parametrize(
    ("change", "says"),
    [
        ({"start": 5, "end": 5}, "outside the text"),
        ({"end": 10**7}, "outside the text"),
        ({"text": "something else"}, "does not match"),
        ({"stage": "nowhere"}, "no stage"),
        ({"sentiment": 5}, "sentiment"),
        ({"codes": "SSO"}, "codes"),
        ({"source": "email"}, "source"),
        ({"memo": ["a list"]}, "memo"),
    ],
)
def test_bad_coding_is_refused_readably_and_saves_nothing(
    world: dict, researcher_api: APIClient, change: dict, says: str
) -> None:
    body = {"source": "transcript", "source_id": world["transcript"].pk, "start": 0, "end": 6}
    counts = (Highlight.objects.count(), Code.objects.count())
    response = researcher_api.post(
        api(world, "highlights/"),
        {**body, **change, "codes": change.get("codes", ["New"])},
        format="json",
    )
    assert response.status_code == 400
    assert says in str(response.json())
    assert (Highlight.objects.count(), Code.objects.count()) == counts


def test_changing_a_highlight_keeps_what_is_not_sent(world: dict, lead_api: APIClient) -> None:
    highlight = world["highlight"]
    url = api(world, f"highlights/{highlight.pk}/")
    response = lead_api.patch(url, {"stage": "onboarding", "sentiment": -2}, format="json")
    assert response.status_code == 200, response.json()
    changed = response.json()
    assert (changed["stage"], changed["sentiment"], changed["codes"]) == ("onboarding", -2, ["SSO"])
    assert changed["memo"] == "Ask about the IdP team."
    recoded = lead_api.patch(url, {"codes": ["Pricing"]}, format="json").json()
    assert (recoded["codes"], recoded["stage"]) == (["Pricing"], "onboarding")
    refused = lead_api.patch(url, {"stage": "nowhere", "codes": []}, format="json")
    assert refused.status_code == 400
    highlight.refresh_from_db()
    assert [c.name for c in highlight.codes.all()] == ["Pricing"]
    assert lead_api.get(url).json()["stage"] == "onboarding"


def test_under_blind_coding_anothers_highlight_is_not_there_to_change(
    world: dict, researcher_api: APIClient, lead_api: APIClient
) -> None:
    set_blind_coding(world["project"])
    url = api(world, f"highlights/{world['highlight'].pk}/")  # the lead's
    assert researcher_api.get(url).status_code == 404
    assert researcher_api.patch(url, {"sentiment": 1}, format="json").status_code == 404
    assert researcher_api.delete(url).status_code == 404
    assert Highlight.objects.filter(pk=world["highlight"].pk, sentiment=None).exists()
    assert lead_api.delete(url).status_code == 204
    assert not Highlight.objects.filter(pk=world["highlight"].pk).exists()


def test_another_studys_transcript_is_a_404(world: dict, researcher: User, researcher_api) -> None:
    elsewhere = make_project("Elsewhere", slug="elsewhere", members={researcher: "researcher"})
    foreign = make_transcript(make_session(elsewhere))
    body = {"source": "transcript", "source_id": foreign.pk, "start": 0, "end": 6}
    response = researcher_api.post(api(world, "highlights/"), body, format="json")
    assert response.status_code == 404
    assert not Highlight.objects.filter(transcript=foreign).exists()


def test_coding_a_field_note_through_the_api(world: dict, researcher_api: APIClient) -> None:
    note = world["note"]
    start = note.text.index("SSO")
    body = {"source": "field_note", "source_id": note.pk, "start": start, "end": start + 3}
    created = researcher_api.post(api(world, "highlights/"), body, format="json")
    assert created.status_code == 201, created.json()
    assert (created.json()["source"], created.json()["source_id"]) == ("field_note", note.pk)
    assert Highlight.objects.get(pk=created.json()["id"]).field_note == note


def test_another_studys_field_note_is_a_404(
    world: dict, researcher: User, researcher_api: APIClient
) -> None:
    elsewhere = make_project("Elsewhere", slug="elsewhere", members={researcher: "researcher"})
    foreign = FieldNote.objects.create(session=make_session(elsewhere), text="Uses two tools")
    body = {"source": "field_note", "source_id": foreign.pk, "start": 0, "end": 4}
    response = researcher_api.post(api(world, "highlights/"), body, format="json")
    assert response.status_code == 404
    assert response.json()["detail"] == f"This study has no field note {foreign.pk}."
    assert not Highlight.objects.filter(field_note=foreign).exists()


def test_the_highlight_list_costs_the_same_whatever_its_length(
    world: dict, lead: User, lead_api: APIClient, django_assert_max_num_queries
) -> None:
    for start in range(10, 40, 3):
        highlight_create(
            project=world["project"],
            coder=lead,
            start=start,
            end=start + 2,
            fields=HighlightFields(codes=[world["code"]]),
            transcript=world["transcript"],
        )
    # The token and its user, and its "last used" (2); the throttle's counter in the database
    # cache (6: read, count for culling, savepoint, key check, write, release); the study and
    # the membership (2); the quote filter's choices: stages, codes, pseudonyms, coders (4);
    # the page of highlights and their codes (2); the sources' redactions (1); the viewers'
    # consent check for the research team's badge (4). None of them grows with the page.
    with django_assert_max_num_queries(21):
        lead_api.get(api(world, "highlights/"), {"page_size": 10})
    with django_assert_max_num_queries(21):
        response = lead_api.get(api(world, "highlights/"), {"page_size": 5})
    page = response.json()
    assert len(page["results"]) == 5 and page["next"]
    seen = [r["id"] for r in page["results"]]
    while page["next"]:
        page = lead_api.get(page["next"]).json()
        seen += [r["id"] for r in page["results"]]
    assert seen == sorted(set(seen)) and len(seen) == 11


# --- Analysis ---------------------------------------------------------------------------------


def test_themes_carry_their_strength(world: dict, researcher_api: APIClient) -> None:
    theme = world["theme"]
    type(theme).objects.filter(pk=theme.pk).update(quote_count=4, participant_count=3)
    rows = researcher_api.get(api(world, "themes/")).json()["results"]
    assert rows[0]["name"] == "SSO pain"
    assert (rows[0]["quote_count"], rows[0]["participant_count"]) == (4, 3)
    assert rows[0]["codes"] == ["SSO"]


def test_recommendations(world: dict, lead_api: APIClient) -> None:
    rows = lead_api.get(api(world, "recommendations/")).json()["results"]
    assert [r["statement"] for r in rows] == ["Ship a checklist"]


def test_only_published_reports_are_there(world: dict, lead: User, lead_api: APIClient) -> None:
    draft = report_build(project=world["project"], by=lead)
    rows = lead_api.get(api(world, "reports/")).json()["results"]
    assert [r["number"] for r in rows] == [world["report"].number]
    assert lead_api.get(api(world, f"reports/{draft.number}/")).status_code == 404
    report = lead_api.get(api(world, f"reports/{world['report'].number}/")).json()
    assert report["title"] and isinstance(report["stages"], list)


# --- Stage metrics ------------------------------------------------------------------------------


def test_metric_values_are_recorded_and_rerun_safely(
    world: dict, researcher_api: APIClient
) -> None:
    metric = world["metric"]
    url = api(world, f"stage-metrics/{metric.pk}/values/")
    body = {"kind": "actual", "value": "31.5", "measured_on": "2026-11-30"}
    assert researcher_api.post(url, body, format="json").status_code == 201
    replaced = researcher_api.post(url, {**body, "value": 29}, format="json")
    assert replaced.status_code == 200
    assert StageMetricValue.objects.get().value == 29
    metrics = researcher_api.get(api(world, "stage-metrics/")).json()["results"]
    latest = next(m for m in metrics if m["id"] == metric.pk)["latest_actual"]
    assert (latest["value"], latest["measured_on"]) == (29.0, "2026-11-30")
    values = researcher_api.get(url).json()["results"]
    assert [v["value"] for v in values] == [29.0]


@pytest.mark.parametrize(
    "body",
    [
        {"kind": "actual", "value": "12.345", "measured_on": "2026-11-30"},
        {"kind": "actual", "value": "1e20", "measured_on": "2026-11-30"},
        {"kind": "forecast", "value": "1", "measured_on": "2026-11-30"},
        {"kind": "actual", "value": "1", "measured_on": "30/11/2026"},
        {"kind": "actual", "value": "NaN", "measured_on": "2026-11-30"},
    ],
)
def test_a_bad_metric_value_is_refused(world: dict, researcher_api: APIClient, body: dict) -> None:
    url = api(world, f"stage-metrics/{world['metric'].pk}/values/")
    response = researcher_api.post(url, body, format="json")
    assert response.status_code == 400
    assert not StageMetricValue.objects.exists()


def test_a_metric_of_another_framework_is_a_404(world: dict, researcher_api: APIClient) -> None:
    other = StageMetric.objects.exclude(stage__framework=world["project"].framework).first()
    response = researcher_api.get(api(world, f"stage-metrics/{other.pk}/values/"))
    assert response.status_code == 404
