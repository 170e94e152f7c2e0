"""The journey overview, stage pages and quotes in context: lenses, consent, redaction."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from insights.coding import HighlightFields, code_get_or_create, highlight_create
from insights.models import Code, Highlight, JourneyFramework
from interviews.models import ConsentRecord, Participant, Redaction, ResearchProject
from tests.factories import ZOOM_VTT, make_participant, make_session, make_transcript


@pytest.fixture
def journey(project: ResearchProject, lead: User) -> dict[str, object]:
    """Two participants (Large, Mid-Market) each quoted at Onboarding with a pain point."""
    framework = JourneyFramework.objects.get(slug="cx-journey")
    project.framework = framework
    project.save(update_fields=["framework"])
    onboarding = framework.stages.get(slug="onboarding")
    pain, _ = code_get_or_create(project=project, name="SSO setup", by=lead)
    pain.kind = Code.Kind.PAIN_POINT
    pain.save()
    quotes = {}
    for name, segment, sentiment in [
        ("Ada Lovelace", "large", -2),
        ("Omar Haddad", "mid_market", 0),
    ]:
        person = make_participant(name=name, segment=segment)
        vtt = ZOOM_VTT.replace("Ada Lovelace", name).encode()
        transcript = make_transcript(make_session(project, participants=[person]), data=vtt)
        start = transcript.text.index("Honestly")
        quotes[segment] = highlight_create(
            project=project,
            coder=lead,
            start=start,
            end=start + 40,
            fields=HighlightFields(stage=onboarding, codes=[pain], sentiment=sentiment),
            transcript=transcript,
        )
    return {"framework": framework, "stage": onboarding, "quotes": quotes}


def overview(client: Client, **params: str):
    response = client.get(reverse("insights:journey-overview"), params)
    assert response.status_code == 200
    return {s.stage.slug: s for s in response.context["summaries"]}


def test_overview_counts_quotes_pain_points_and_sentiment_per_stage(
    journey: dict, viewer_client: Client
) -> None:
    onboarding = overview(viewer_client)["onboarding"]
    assert (onboarding.quotes, onboarding.participants) == (2, 2)
    assert onboarding.mean_sentiment == -1.0
    assert [(p.name, p.quotes, p.participants) for p in onboarding.pain_points] == [
        ("SSO setup", 2, 2)
    ]
    assert overview(viewer_client)["awareness"].quotes == 0


def test_the_segment_lens_narrows_the_evidence(journey: dict, viewer_client: Client) -> None:
    onboarding = overview(viewer_client, segment="mid_market")["onboarding"]
    assert (onboarding.quotes, onboarding.mean_sentiment) == (1, 0.0)
    assert overview(viewer_client, kind=Participant.Kind.INTERNAL)["onboarding"].quotes == 0


def test_overview_leaves_out_quotes_whose_consent_does_not_reach_viewers(
    journey: dict, viewer_client: Client, researcher_client: Client
) -> None:
    ConsentRecord.objects.filter(participant__segment="large").update(
        scope=ConsentRecord.Scope.RESEARCH_TEAM
    )
    assert overview(viewer_client)["onboarding"].quotes == 1
    assert overview(researcher_client)["onboarding"].quotes == 2


def test_stage_page_lists_quotes_filtered_by_code_and_sentiment(
    journey: dict, viewer_client: Client
) -> None:
    url = reverse("insights:journey-stage", args=["cx-journey", "onboarding"])
    response = viewer_client.get(url, {"sentiment": "negative"})
    rows = response.context["rows"]
    assert [row["highlight"].pk for row in rows] == [journey["quotes"]["large"].pk]
    assert rows[0]["participant"].pseudonym.startswith("P-")
    assert viewer_client.get(url, {"code": "no such code"}).context["rows"] == []
    html = response.content.decode()
    assert "Ada Lovelace" not in html


def test_a_quote_in_context_shows_its_neighbours_pseudonymised_and_redacted(
    journey: dict, project: ResearchProject, viewer_client: Client
) -> None:
    highlight: Highlight = journey["quotes"]["large"]
    transcript = highlight.transcript
    at = transcript.text.index("Sam Rivera") if "Sam Rivera" in transcript.text else None
    saml = transcript.text.index("SAML")
    Redaction.objects.create(transcript=transcript, start=saml, end=saml + 4, kind="company")
    url = reverse("insights:quote-context", args=[project.slug, highlight.pk])
    html = viewer_client.get(url).content.decode()
    assert "Thanks for joining" in html  # the utterance before the quote
    assert "SAML" not in html and "[company]" in html
    assert "Ada Lovelace" not in html
    assert at is None or "Sam Rivera" not in html  # a speaker label may be a name


def test_a_quote_the_viewer_may_not_see_is_404_in_context(
    journey: dict, project: ResearchProject, viewer_client: Client
) -> None:
    ConsentRecord.objects.update(scope=ConsentRecord.Scope.RESEARCH_TEAM)
    url = reverse("insights:quote-context", args=[project.slug, journey["quotes"]["large"].pk])
    assert viewer_client.get(url).status_code == 404


def test_home_sends_stakeholders_to_the_journey_and_researchers_to_studies(
    journey: dict, viewer_client: Client, researcher_client: Client
) -> None:
    assert viewer_client.get("/")["Location"] == reverse("insights:journey-overview")
    assert researcher_client.get("/")["Location"] == reverse("interviews:project-list")


def test_journey_pages_have_bounded_queries(
    journey: dict, viewer_client: Client, django_assert_max_num_queries
) -> None:
    with django_assert_max_num_queries(20):
        viewer_client.get(reverse("insights:journey-overview"), {"segment": "large"})
    with django_assert_max_num_queries(25):
        viewer_client.get(reverse("insights:journey-stage", args=["cx-journey", "onboarding"]))


def test_signing_in_takes_stakeholders_to_the_journey(journey: dict, viewer: User) -> None:
    viewer.set_password("a long enough password")
    viewer.save()
    client = Client()
    response = client.post(
        reverse("login"),
        {"username": viewer.username, "password": "a long enough password"},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == reverse("insights:journey-overview")
