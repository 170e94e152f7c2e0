"""How many queries the coding panel's endpoints take: each runs on every click of a coder."""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.urls import reverse

from insights.models import Highlight, JourneyFramework, Stage
from interviews.models import ResearchProject, Transcript
from tests.factories import make_participant, make_session, make_transcript

TEXT = """Sam Rivera: How was onboarding?

Ada Lovelace: Honestly the SAML setup took three weeks, and the docs were out of date.

Sam Rivera: And pricing?

Ada Lovelace: Procurement wanted a true-up clause before they would sign anything.
"""


@pytest.fixture
def transcript(project: ResearchProject) -> Transcript:
    project.framework = JourneyFramework.objects.get(slug="cx-journey")
    project.save()
    session = make_session(project, participants=[make_participant(name="Ada Lovelace")])
    return make_transcript(session, filename="ada.txt", data=TEXT.encode())


def body(transcript: Transcript, needle: str) -> str:
    start = transcript.text.index(needle)
    return json.dumps(
        {
            "source": "transcript",
            "sourceId": transcript.pk,
            "start16": start,
            "end16": start + len(needle),
            "text": needle,
            "stage": Stage.objects.get(framework__slug="cx-journey", name="Onboarding").pk,
            "codes": ["SSO", "Docs", "Pricing"],
            "sentiment": -1,
        }
    )


def create_url(transcript: Transcript) -> str:
    return reverse("insights:highlight-create", args=[transcript.session.project.slug])


def test_creating_a_highlight_takes_a_bounded_number_of_queries(
    researcher_client, transcript, django_assert_max_num_queries
) -> None:
    """Inside the test's transaction the view's atomic block is a savepoint too:
    session, user; the door: the project with the user's role; the transcript; savepoint;
    stage, codes; savepoint; savepoint, its utterance, insert, outbox row, release; codings;
    coverage (one UPDATE); release ×2; the response: redactions, utterances of the span, their
    highlights, their codings with their codes. The membership is read with the project; a
    span saved before is found by its unique constraint, not asked for first. On SQLite the
    transcript is not locked by a query (its transactions begin IMMEDIATE), on PostgreSQL one
    SELECT … FOR UPDATE locks it."""
    researcher_client.post(
        create_url(transcript), body(transcript, "SAML setup"), content_type="application/json"
    )
    second = body(transcript, "docs were out of date")
    lock = 1 if connection.features.has_select_for_update else 0
    with django_assert_max_num_queries(21 + lock):
        response = researcher_client.post(
            create_url(transcript), second, content_type="application/json"
        )
    assert response.status_code == 201
    assert Highlight.objects.count() == 2


def test_the_response_still_carries_the_highlight_and_the_fragments(
    researcher_client, transcript
) -> None:
    response = researcher_client.post(
        create_url(transcript), body(transcript, "SAML setup"), content_type="application/json"
    )
    data = response.json()
    highlight = Highlight.objects.get()
    assert data["highlight"]["id"] == highlight.pk
    assert data["highlight"]["codes"] == ["SSO", "Docs", "Pricing"]
    assert data["highlight"]["stageName"] == "Onboarding"
    assert data["highlight"]["text"] == "SAML setup"
    utterance = highlight.utterance
    assert list(data["fragments"]) == [f"u-{utterance.pk}"]
    assert f'data-h="{highlight.pk}"' in data["fragments"][f"u-{utterance.pk}"]
