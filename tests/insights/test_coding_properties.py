"""Hostile input, generated: any body sent to the coding endpoints gives a 2xx or a 4xx.

Never a 500 (the test client re-raises a view's exception, so one fails the test), and a 4xx
changes nothing: the highlight, code and coding counts are those before the request. Bodies
are bounded (a few KB, nesting kept by the size); deadline=None instead of timing asserts.
"""

from __future__ import annotations

import json
import os

import pytest
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from insights.coding import HighlightFields, highlight_create
from insights.models import Code, CodedHighlight, Highlight
from interviews.models import ResearchProject, Transcript
from tests.factories import make_ada_transcript

pytestmark = pytest.mark.django_db
THOROUGH = os.environ.get("HYPOTHESIS_PROFILE") == "thorough"

TEXT = "Ada Lovelace: Honestly 👍 the SAML setup took three weeks.\n\nSam: And pricing?\n"


def examples(count: int) -> settings:
    return settings(
        max_examples=count * 10 if THOROUGH else count,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        derandomize=not THOROUGH,
    )


@pytest.fixture
def transcript(project: ResearchProject) -> Transcript:
    return make_ada_transcript(project, text=TEXT)


def counts() -> tuple[int, int, int]:
    return Highlight.objects.count(), Code.objects.count(), CodedHighlight.objects.count()


scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(),
    st.text(max_size=30),
    st.sampled_from(["", "0", "-1", "9" * 25, "\x00", "\ud800", "\u202e", "transcript"]),
)
json_values = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=5), st.dictionaries(st.text(max_size=10), children, max_size=5)
    ),
    max_leaves=30,
)
KEYS = [
    "source",
    "sourceId",
    "start16",
    "end16",
    "text",
    "stage",
    "codes",
    "sentiment",
    "painSeverity",
    "memo",
]


@st.composite
def coding_body(draw: st.DrawFn, transcript_id: int) -> dict:
    """An object with the endpoint's keys, each any JSON value or a plausible one."""
    plausible = {
        "source": st.sampled_from(["transcript", "field_note"]),
        "sourceId": st.sampled_from([transcript_id, str(transcript_id)]),
        "start16": st.integers(-5, 120),
        "end16": st.integers(-5, 120),
        "codes": st.lists(st.text(max_size=30), max_size=25),
        "memo": st.text(max_size=200),
        "stage": st.integers(0, 40),
        "sentiment": st.integers(-3, 3),
        "painSeverity": st.integers(-1, 4),
    }
    body = {}
    if draw(st.booleans()):  # a selection that can be saved, the rest of the body anything
        body = {
            "source": "transcript",
            "sourceId": transcript_id,
            "start16": draw(st.integers(0, 20)),
            "end16": draw(st.integers(21, 58)),
        }
    for key in draw(st.lists(st.sampled_from(KEYS), unique=True)):
        strategy = plausible.get(key, json_values)
        body[key] = draw(st.one_of(strategy, json_values) if key in plausible else strategy)
    return body


def encode(value: object) -> bytes:
    # ensure_ascii keeps lone surrogates as \\ud800 escapes: what a hostile client sends.
    return json.dumps(value, ensure_ascii=True, allow_nan=True).encode()


def post(client: Client, url: str, body: bytes):  # noqa: ANN201
    return client.post(url, body, content_type="application/json")


def check(response, before: tuple[int, int, int]) -> None:  # noqa: ANN001
    event(f"status {response.status_code}")
    assert response.status_code < 500
    assert response.status_code in (200, 201, 400, 403, 404)
    data = response.json()
    if response.status_code >= 400:
        assert data["error"]
        assert counts() == before


@examples(200)
@given(data=st.data())
def test_create_answers_any_json_with_a_2xx_or_a_4xx(researcher_client, transcript, data) -> None:
    url = reverse("insights:highlight-create", args=[transcript.session.project.slug])
    body = data.draw(st.one_of(coding_body(transcript.pk), json_values), label="body")
    before = counts()
    check(post(researcher_client, url, encode(body)), before)


@examples(120)
@given(
    raw=st.one_of(
        st.binary(max_size=2048),
        st.text(max_size=500).map(lambda t: t.encode("utf-8", "surrogatepass")),
    )
)
def test_create_answers_any_bytes_with_a_4xx(researcher_client, transcript, raw: bytes) -> None:
    url = reverse("insights:highlight-create", args=[transcript.session.project.slug])
    before = counts()
    check(post(researcher_client, url, raw), before)


@examples(120)
@given(data=st.data())
def test_update_and_delete_answer_any_json(researcher_client, researcher, transcript, data) -> None:
    start = transcript.text.index("SAML")
    highlight = highlight_create(
        project=transcript.session.project,
        coder=researcher,
        start=start,
        end=start + 4,
        transcript=transcript,
        fields=HighlightFields(memo="kept"),
    )
    slug = transcript.session.project.slug
    body = data.draw(st.one_of(coding_body(transcript.pk), json_values), label="body")
    before = counts()
    response = post(
        researcher_client,
        reverse("insights:highlight-update", args=[slug, highlight.pk]),
        encode(body),
    )
    check(response, before)
    if response.status_code >= 400:
        highlight.refresh_from_db()
        assert highlight.memo == "kept"
    response = post(
        researcher_client,
        reverse("insights:highlight-delete", args=[slug, highlight.pk]),
        encode(body),
    )
    assert response.status_code == 200
    assert not Highlight.objects.filter(pk=highlight.pk).exists()
