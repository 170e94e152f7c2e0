"""How many queries the coding panel's endpoints take: each runs on every click of a coder."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from insights.models import Highlight, Stage
from interviews.models import ResearchProject, Transcript
from tests.factories import make_ada_transcript


@pytest.fixture
def transcript(project: ResearchProject) -> Transcript:
    return make_ada_transcript(project)


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
    researcher_client, transcript, django_assert_num_queries
) -> None:
    """Inside the test's transaction the view's atomic block is a savepoint (in production,
    BEGIN and COMMIT): session, user; the door: the project with the user's role; savepoint;
    the transcript, which on PostgreSQL is its lock too (FOR UPDATE; SQLite's transactions
    begin IMMEDIATE instead); stage, codes; the utterance the span starts in and the same span
    saved before, in one query; insert, outbox row; codings; coverage (one UPDATE); release;
    the response: redactions, utterances of the span, the marks over them (each highlight's
    span and first code's colour, in one query). The new highlight's own data is what was
    saved: it is not read back. The membership is read with the project; the service opens no
    savepoint of its own inside the view's transaction."""
    researcher_client.post(
        create_url(transcript), body(transcript, "SAML setup"), content_type="application/json"
    )
    second = body(transcript, "docs were out of date")
    with django_assert_num_queries(16):
        response = researcher_client.post(
            create_url(transcript), second, content_type="application/json"
        )
    assert response.status_code == 201
    assert Highlight.objects.count() == 2


def test_saving_a_span_again_takes_no_more_queries_and_saves_nothing(
    researcher_client, transcript, django_assert_max_num_queries
) -> None:
    """The repeat is found by the query that finds the span's utterance; it is then read
    whole instead of inserted, and no codings, outbox row or coverage are written."""
    first = researcher_client.post(
        create_url(transcript), body(transcript, "SAML setup"), content_type="application/json"
    )
    with django_assert_max_num_queries(17) as again:
        second = researcher_client.post(
            create_url(transcript), body(transcript, "SAML setup"), content_type="application/json"
        )
    assert (first.status_code, second.status_code) == (201, 200)
    assert second.json()["highlight"]["id"] == first.json()["highlight"]["id"]
    writes = [q["sql"] for q in again.captured_queries if q["sql"].startswith(("INSERT", "UPDATE"))]
    assert writes == []
    assert Highlight.objects.count() == 1


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
