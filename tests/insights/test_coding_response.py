"""What the coding panel gets back when it saves: the same highlight and the same text as
reading them back from the database would give.

A new highlight's answer is built from what was saved (insights.views.coding._respond_created)
and the re-rendered text from the marks alone (insights.marks.source_fragments); the answer
to an update still reads both back whole (fragments_and_highlights). These tests compare the
two on the same highlight, for the cases that change the HTML: nested and equal-length
highlights, codes given twice, a coder's full name, redactions, blind coding, a field note.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from insights.coding import HighlightFields, code_get_or_create, highlight_create
from insights.marks import fragments_and_highlights, source_fragments
from insights.models import Highlight, Stage
from insights.views.coding import _respond
from insights.visibility import evidence_reader
from interviews.access import ProjectAccess, role_in_project
from interviews.models import FieldNote, Redaction, ResearchProject, Transcript
from interviews.redaction import redaction_create
from tests.factories import (
    make_ada_transcript,
    set_blind_coding,
)


@pytest.fixture
def transcript(project: ResearchProject) -> Transcript:
    return make_ada_transcript(project)


def stage() -> Stage:
    return Stage.objects.get(framework__slug="cx-journey", name="Onboarding")


def span(text: str, needle: str) -> tuple[int, int]:
    start = text.index(needle)
    return start, start + len(needle)


def post(client: Client, source: Transcript | FieldNote, needle: str, **fields: Any) -> Any:
    start, end = span(source.text, needle)
    kind = "transcript" if isinstance(source, Transcript) else "field_note"
    project = source.session.project
    body = {
        "source": kind,
        "sourceId": source.pk,
        "start16": start,
        "end16": end,
        "text": needle,
        **fields,
    }
    response = client.post(
        reverse("insights:highlight-create", args=[project.slug]),
        json.dumps(body),
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    return response.json()


def read_back(user: User, project: ResearchProject, highlight_id: int) -> Any:
    """The answer the database gives for this highlight: what an update answers."""
    project = ResearchProject.objects.get(pk=project.pk)
    role = role_in_project(user, project)
    assert role is not None
    highlight = Highlight.objects.select_related("transcript", "field_note").get(pk=highlight_id)
    response = _respond(ProjectAccess(project=project, role=role), user, highlight)
    return json.loads(response.content)


def code(project: ResearchProject, name: str, colour: str, by: User) -> None:
    made, _ = code_get_or_create(project=project, name=name, by=by)
    made.colour = colour
    made.save(update_fields=["colour"])


def test_a_new_highlight_answers_what_reading_it_back_gives(
    researcher_client: Client, researcher: User, lead: User, transcript: Transcript
) -> None:
    project = transcript.session.project
    researcher.first_name, researcher.last_name = "Rita", "Search"
    researcher.save()
    code(project, "SSO", "#5fa8d3", lead)
    code(project, "Docs", "#e07a5f", lead)
    # Someone else's highlights around and inside the span: nested, and of the same length.
    start, end = span(transcript.text, "the SAML setup took three weeks")
    for a, b in [(start, end), span(transcript.text, "three weeks")]:
        highlight_create(
            project=project,
            coder=lead,
            start=a,
            end=b,
            fields=HighlightFields(codes=[]),
            transcript=transcript,
        )
    redaction_create(
        source=transcript, start=start + 4, end=start + 8, kind=Redaction.Kind.OTHER, by=lead
    )

    answer = post(
        researcher_client,
        transcript,
        "the SAML setup took three weeks",
        stage=stage().pk,
        codes=["sso", "Docs", "SSO", "Pricing"],
        sentiment=-1,
        painSeverity=2,
        memo="  Slow SSO  ",
    )

    assert answer == read_back(researcher, project, answer["highlight"]["id"])
    assert answer["highlight"]["codes"] == ["SSO", "Docs", "Pricing"]
    assert answer["highlight"]["coder"] == "Rita Search"
    assert answer["highlight"]["memo"] == "Slow SSO"
    assert 'class="redaction"' in next(iter(answer["fragments"].values()))


def test_a_highlight_over_two_turns_answers_both(
    researcher_client: Client, researcher: User, transcript: Transcript
) -> None:
    answer = post(researcher_client, transcript, "onboarding?\n\nHonestly")
    assert len(answer["fragments"]) == 2
    assert answer == read_back(researcher, transcript.session.project, answer["highlight"]["id"])


def test_without_codes_or_stage_the_answer_is_the_same_too(
    researcher_client: Client, researcher: User, transcript: Transcript
) -> None:
    answer = post(researcher_client, transcript, "true-up clause")
    assert answer["highlight"]["codes"] == []
    assert answer == read_back(researcher, transcript.session.project, answer["highlight"]["id"])


def test_under_blind_coding_the_text_leaves_out_the_others_marks(
    researcher_client: Client, researcher: User, lead: User, transcript: Transcript
) -> None:
    project = transcript.session.project
    other = User.objects.create_user("second")
    project.memberships.create(user=other, role="researcher")
    start, end = span(transcript.text, "SAML setup")
    theirs = highlight_create(
        project=project,
        coder=other,
        start=start,
        end=end,
        fields=HighlightFields(),
        transcript=transcript,
    )
    set_blind_coding(project)

    answer = post(researcher_client, transcript, "the SAML setup took")

    assert answer == read_back(researcher, project, answer["highlight"]["id"])
    html = "".join(answer["fragments"].values())
    assert f'data-h="{answer["highlight"]["id"]}"' in html
    assert html.count("<mark") == 1  # not theirs, id {theirs.pk}, though it lies inside
    assert theirs.pk != answer["highlight"]["id"]


def test_a_field_notes_answer_is_what_reading_it_back_gives(
    researcher_client: Client, researcher: User, lead: User, transcript: Transcript
) -> None:
    project = transcript.session.project
    note = FieldNote.objects.create(
        session=transcript.session, text="She keeps a spreadsheet of every seat change."
    )
    start, end = span(note.text, "spreadsheet")
    highlight_create(
        project=project,
        coder=lead,
        start=start,
        end=end,
        fields=HighlightFields(),
        field_note=note,
    )
    answer = post(researcher_client, note, "a spreadsheet of every seat", codes=["Workaround"])
    assert list(answer["fragments"]) == [f"note-{note.pk}"]
    assert answer == read_back(researcher, project, answer["highlight"]["id"])


def test_the_marks_alone_draw_what_the_whole_highlights_draw(
    lead: User, researcher: User, transcript: Transcript
) -> None:
    """source_fragments (delete and redaction answers too) against fragments_and_highlights,
    over highlights of equal length in both orders, nested, and with and without codes."""
    project = transcript.session.project
    code(project, "Pricing", "#81b29a", lead)
    pricing = code_get_or_create(project=project, name="Pricing", by=lead)[0]
    spans = [
        span(transcript.text, "Procurement wanted"),
        span(transcript.text, "true-up clause"),
        span(transcript.text, "wanted a true"),
        span(transcript.text, "Procurement wanted a true-up clause before"),
    ]
    for number, (start, end) in enumerate(spans):
        highlight_create(
            project=project,
            coder=lead if number % 2 else researcher,
            start=start,
            end=end,
            fields=HighlightFields(codes=[pricing] if number % 2 else []),
            transcript=transcript,
        )
    reader = evidence_reader(project=project, user=lead)
    start, end = spans[-1]
    whole, _drawn = fragments_and_highlights(reader, transcript=transcript, start=start, end=end)
    assert source_fragments(reader, transcript=transcript, start=start, end=end) == whole
    assert whole and all("<mark" in html for html in whole.values())
