"""Highlights: the service's checks, the JSON endpoints, marks in the reader, coding progress."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.urls import reverse

from insights.coding import (
    CodingError,
    HighlightFields,
    Segment,
    code_get_or_create,
    highlight_create,
    highlight_delete,
    segments,
    transcript_coverage_refresh,
)
from insights.models import (
    Code,
    CodedHighlight,
    Highlight,
    JourneyFramework,
    Stage,
    TranscriptCoverage,
)
from interviews.models import FieldNote, Membership, ResearchProject, Transcript
from tests.factories import (
    coded_utterances,
    make_participant,
    make_project,
    make_session,
    make_transcript,
    set_blind_coding,
)

TEXT = """Sam Rivera: How was onboarding?

Ada Lovelace: Honestly 👍 the SAML setup took three weeks.

Sam Rivera: And pricing?

Ada Lovelace: Procurement wanted a true-up clause.
"""


@pytest.fixture
def coded_project(project: ResearchProject) -> ResearchProject:
    project.framework = JourneyFramework.objects.get(slug="cx-journey")
    project.save()
    return project


@pytest.fixture
def transcript(coded_project: ResearchProject) -> Transcript:
    session = make_session(coded_project, participants=[make_participant(name="Ada Lovelace")])
    return make_transcript(session, filename="ada.txt", data=TEXT.encode())


def stage(name: str) -> Stage:
    return Stage.objects.get(framework__slug="cx-journey", name=name)


def span_of(transcript: Transcript, needle: str) -> tuple[int, int]:
    start = transcript.text.index(needle)
    return start, start + len(needle)


def utf16(text: str, offset: int) -> int:
    return len(text[:offset].encode("utf-16-le")) // 2


# --- The service ---------------------------------------------------------------------------------


def test_highlight_snapshots_the_quote_and_records_coders(transcript, researcher) -> None:
    sso, _ = code_get_or_create(project=transcript.session.project, name="SSO", by=researcher)
    start, end = span_of(transcript, "SAML setup took three weeks")
    highlight = highlight_create(
        project=transcript.session.project,
        coder=researcher,
        start=start,
        end=end,
        fields=HighlightFields(stage=stage("Onboarding"), codes=[sso], sentiment=-1),
        transcript=transcript,
    )
    assert highlight.text == "SAML setup took three weeks"
    assert highlight.utterance.text.startswith("Honestly")
    assert highlight.utterance.speaker.participant.identity.name == "Ada Lovelace"
    assert CodedHighlight.objects.get().coder == researcher


def test_a_highlight_belongs_to_the_turn_it_starts_in_or_else_the_next_one(
    transcript, researcher
) -> None:
    first, second = transcript.utterances.order_by("position")[:2]
    assert first.end < second.start  # blank lines between them

    def turn_of(start: int, end: int) -> int | None:
        return highlight_create(
            project=transcript.session.project,
            coder=researcher,
            start=start,
            end=end,
            fields=HighlightFields(),
            transcript=transcript,
        ).utterance_id

    assert turn_of(first.start + 1, first.end) == first.pk
    assert turn_of(first.end, second.start + 3) == second.pk  # starts between the two
    assert turn_of(second.start, second.end) == second.pk


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [(-1, 5, "outside the text"), (5, 5, "outside the text"), (0, 10_000, "outside the text")],
)
def test_spans_outside_the_text_are_refused(transcript, researcher, start, end, message) -> None:
    with pytest.raises(CodingError, match=message):
        highlight_create(
            project=transcript.session.project,
            coder=researcher,
            start=start,
            end=end,
            fields=HighlightFields(),
            transcript=transcript,
        )
    assert not Highlight.objects.exists()


def test_snapshot_must_match_the_source(transcript, researcher) -> None:
    start, end = span_of(transcript, "three weeks")
    with pytest.raises(CodingError, match="does not match"):
        highlight_create(
            project=transcript.session.project,
            coder=researcher,
            start=start,
            end=end,
            fields=HighlightFields(),
            transcript=transcript,
            snapshot="four weeks!",
        )


def test_stage_of_another_framework_and_foreign_codes_are_refused(
    transcript, researcher, lead
) -> None:
    project = transcript.session.project
    other = make_project(members={lead: Membership.Role.LEAD})
    foreign, _ = code_get_or_create(project=other, name="Elsewhere", by=lead)
    start, end = span_of(transcript, "three weeks")
    success_stage = Stage.objects.get(framework__slug="customer-success-lifecycle", position=1)
    for fields, message in (
        (HighlightFields(stage=success_stage), "not in this study's journey framework"),
        (HighlightFields(codes=[foreign]), "Not in this study's codebook: Elsewhere"),
        (HighlightFields(sentiment=3), "Sentiment goes from"),
        (HighlightFields(pain_severity=9), "Pain severity goes from"),
    ):
        with pytest.raises(CodingError, match=message):
            highlight_create(
                project=project,
                coder=researcher,
                start=start,
                end=end,
                fields=fields,
                transcript=transcript,
            )
    assert not Highlight.objects.exists()


def test_viewers_and_outsiders_cannot_code(transcript, viewer, outsider) -> None:
    for user in (viewer, outsider):
        with pytest.raises(CodingError, match="leads and researchers"):
            highlight_create(
                project=transcript.session.project,
                coder=user,
                start=0,
                end=5,
                fields=HighlightFields(),
                transcript=transcript,
            )


def test_a_transcript_of_another_study_is_refused(transcript, lead, researcher) -> None:
    other = make_project(members={researcher: Membership.Role.RESEARCHER})
    with pytest.raises(CodingError, match="another study"):
        highlight_create(
            project=other,
            coder=researcher,
            start=0,
            end=5,
            fields=HighlightFields(),
            transcript=transcript,
        )


def test_code_names_are_found_ignoring_case_and_spaces(coded_project, researcher) -> None:
    first, created = code_get_or_create(
        project=coded_project, name="Single  sign-on", by=researcher
    )
    again, created_again = code_get_or_create(
        project=coded_project, name="single sign-on", by=researcher
    )
    assert created and not created_again
    assert first == again
    assert first.name == "Single sign-on"


def test_same_code_name_in_two_projects(coded_project, researcher, lead) -> None:
    other = make_project(members={lead: Membership.Role.LEAD})
    a, _ = code_get_or_create(project=coded_project, name="Pricing", by=researcher)
    b, _ = code_get_or_create(project=other, name="Pricing", by=lead)
    assert a.pk != b.pk
    assert a.slug == b.slug == "pricing"


def test_coding_progress_counts_utterances_with_a_highlight(transcript, researcher) -> None:
    assert transcript.utterance_count == 4
    assert coded_utterances(transcript) == 0
    assert not TranscriptCoverage.objects.filter(transcript=transcript).exists()
    start, end = span_of(transcript, "three weeks.\n\nAnd pricing")  # spans two turns
    highlight = highlight_create(
        project=transcript.session.project,
        coder=researcher,
        start=start,
        end=end,
        fields=HighlightFields(),
        transcript=transcript,
    )
    assert coded_utterances(transcript) == 2
    highlight_delete(highlight=highlight, by=researcher)
    assert coded_utterances(transcript) == 0


def test_a_transcript_without_a_coverage_row_is_counted_whole(transcript, researcher) -> None:
    """Transcripts coded before the count was kept (or whose row went missing) get their row
    at the next coding, counted from all their highlights, and a delete leaves itself out."""
    project = transcript.session.project
    _first, second = (
        highlight_create(
            project=project,
            coder=researcher,
            start=start,
            end=end,
            fields=HighlightFields(),
            transcript=transcript,
        )
        for start, end in (span_of(transcript, "three weeks."), span_of(transcript, "And pricing"))
    )
    TranscriptCoverage.objects.filter(transcript=transcript).delete()
    highlight_delete(highlight=second, by=researcher)
    assert coded_utterances(transcript) == 1
    TranscriptCoverage.objects.filter(transcript=transcript).delete()
    start, end = span_of(transcript, "And pricing")
    highlight_create(
        project=project,
        coder=researcher,
        start=start,
        end=end,
        fields=HighlightFields(),
        transcript=transcript,
    )
    assert coded_utterances(transcript) == 2


def test_coverage_counts_each_utterance_once_across_overlapping_highlights(
    transcript, researcher, lead
) -> None:
    """Creating and deleting changes the count by what only that highlight covers, so the
    stored count always equals a full recount (transcript_coverage_refresh)."""
    project = transcript.session.project

    def code(needle: str, coder) -> Highlight:  # noqa: ANN001
        start, end = span_of(transcript, needle)
        return highlight_create(
            project=project,
            coder=coder,
            start=start,
            end=end,
            fields=HighlightFields(),
            transcript=transcript,
        )

    def stored() -> int:
        count = coded_utterances(transcript)
        transcript_coverage_refresh(transcript)
        assert coded_utterances(transcript) == count, "the stored count drifted"
        return count

    both_turns = code("three weeks.\n\nAnd pricing", researcher)
    inside = code("SAML setup", researcher)
    same_by_lead = code("SAML setup", lead)
    assert stored() == 2
    last = code("true-up clause", lead)
    assert stored() == 3
    highlight_delete(highlight=both_turns, by=researcher)
    assert stored() == 2  # the answer is still covered by the other two; the question is not
    highlight_delete(highlight=inside, by=researcher)
    assert stored() == 2
    highlight_delete(highlight=same_by_lead, by=lead)
    assert stored() == 1
    highlight_delete(highlight=last, by=lead)
    assert stored() == 0


# --- Marks ---------------------------------------------------------------------------------------


def test_overlapping_and_nested_spans_become_flat_segments() -> None:
    text = "abcdefghij"
    spans = [(1, 2, 8), (2, 4, 6), (3, 7, 10)]
    assert segments(text, 0, spans) == [
        Segment("ab", ()),
        Segment("cd", (1,)),
        Segment("ef", (1, 2)),
        Segment("g", (1,)),
        Segment("h", (1, 3)),
        Segment("ij", (3,)),
    ]


def test_segments_clip_spans_to_a_text_with_an_offset() -> None:
    assert segments("hello", 100, [(7, 90, 102)]) == [Segment("he", (7,)), Segment("llo", ())]


# --- The JSON endpoints --------------------------------------------------------------------------


def post_json(client: Client, url: str, body: object) -> tuple[int, dict]:
    response = client.post(url, json.dumps(body), content_type="application/json")
    return response.status_code, response.json()


def create_url(project: ResearchProject) -> str:
    return reverse("insights:highlight-create", args=[project.slug])


def test_create_with_utf16_offsets_after_an_emoji(researcher_client, transcript) -> None:
    project = transcript.session.project
    start, end = span_of(transcript, "SAML setup")
    status, data = post_json(
        researcher_client,
        create_url(project),
        {
            "source": "transcript",
            "sourceId": transcript.pk,
            "start16": utf16(transcript.text, start),
            "end16": utf16(transcript.text, end),
            "text": "SAML setup",
            "stage": stage("Onboarding").pk,
            "codes": ["SSO", "sso", "Identity provider"],
            "sentiment": "-1",
            "painSeverity": 2,
            "memo": "Blocked on IdP team",
        },
    )
    assert status == 201, data
    highlight = Highlight.objects.get()
    assert highlight.text == "SAML setup"
    assert sorted(highlight.codes.names()) == ["Identity provider", "SSO"]
    assert (highlight.sentiment, highlight.pain_severity) == (-1, 2)
    fragment = data["fragments"][f"u-{highlight.utterance_id}"]
    assert f'data-h="{highlight.pk}"' in fragment
    assert ">SAML setup</mark>" in fragment
    assert data["highlight"]["codes"] == ["SSO", "Identity provider"]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("not json", "not valid JSON"),
        ([1, 2], "must be a JSON object"),
        ({"source": "video", "sourceId": 1, "start16": 0, "end16": 3}, "must be transcript"),
        ({"source": "transcript", "start16": 0, "end16": 3}, "Say which text"),
        ({"source": "transcript", "sourceId": "x", "start16": 0, "end16": 3}, "whole number"),
        (
            {"source": "transcript", "sourceId": "T", "start16": 0, "end16": 99999},
            "does not fit the text",
        ),
        ({"source": "transcript", "sourceId": "T", "start16": 3, "end16": 2}, "outside the text"),
        (
            {"source": "transcript", "sourceId": "T", "start16": 0, "end16": 3, "codes": "SSO"},
            "list of code",
        ),
        (
            {"source": "transcript", "sourceId": "T", "start16": 0, "end16": 3, "stage": 999999},
            "does not exist",
        ),
        (
            {"source": "transcript", "sourceId": "T", "start16": 0, "end16": 3, "sentiment": True},
            "whole number",
        ),
        (
            {"source": "transcript", "sourceId": "T", "start16": 0, "end16": 3, "memo": 5},
            "must be text",
        ),
    ],
)
def test_bad_requests_get_a_400_with_a_reason_and_change_nothing(
    researcher_client, transcript, body, message
) -> None:
    if isinstance(body, dict) and body.get("sourceId") == "T":
        body = {**body, "sourceId": transcript.pk}
    payload = body if isinstance(body, str) else json.dumps(body)
    response = researcher_client.post(
        create_url(transcript.session.project), payload, content_type="application/json"
    )
    assert response.status_code == 400
    assert message in response.json()["error"]
    assert not Highlight.objects.exists()
    assert not Code.objects.exists()


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"painSeverity": "high"}, "painSeverity", "“painSeverity” must be a whole number."),
        ({"sentiment": 2**63}, "sentiment", "“sentiment” is out of range."),
        ({"codes": ["SSO", 3]}, "codes", "“codes” must be a list of code names."),
        ({"stage": [1]}, "stage", "“stage” must be a whole number."),
        ({"text": 12}, "text", "“text” must be text."),
        ({"pain_severity": 2}, "pain_severity", "“pain_severity” is not something"),
        ({"sourceId": 1.5}, "sourceId", "“sourceId” must be a whole number."),
    ],
)
def test_a_malformed_field_is_named_in_the_400(
    researcher_client, transcript, body, field, message
) -> None:
    selection = {"source": "transcript", "sourceId": transcript.pk, "start16": 0, "end16": 3}
    status, data = post_json(
        researcher_client, create_url(transcript.session.project), {**selection, **body}
    )
    assert status == 400
    assert data == {"error": data["error"], "field": field}
    assert message in data["error"]
    assert not Highlight.objects.exists()
    assert not Code.objects.exists()


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"not json", "not valid JSON"),
        (b"[]", "must be a JSON object"),
        (b'{"memo": 5}', "“memo” must be text."),
        (b'{"codes": "Pricing"}', "“codes” must be a list of code names."),
        (b'{"sentiment": "very"}', "“sentiment” must be a whole number."),
        (b'{"stage": 999999}', "That journey stage does not exist."),
        (b'{"source": "transcript"}', "“source” is not something this request takes."),
    ],
)
def test_a_malformed_update_gets_a_400_with_a_reason_and_changes_nothing(
    researcher_client, transcript, researcher, body, message
) -> None:
    project = transcript.session.project
    start, end = span_of(transcript, "true-up clause")
    highlight = highlight_create(
        project=project,
        coder=researcher,
        start=start,
        end=end,
        fields=HighlightFields(memo="kept", sentiment=1),
        transcript=transcript,
    )
    url = reverse("insights:highlight-update", args=[project.slug, highlight.pk])
    response = researcher_client.post(url, body, content_type="application/json")
    assert response.status_code == 400
    assert message in response.json()["error"]
    highlight.refresh_from_db()
    assert (highlight.memo, highlight.sentiment) == ("kept", 1)
    assert not Code.objects.exists()


def hostile_bodies(transcript: Transcript) -> dict[str, bytes]:
    """Raw bodies that each once gave a 500; the valid parts point at real text."""
    base = f'"source": "transcript", "sourceId": {transcript.pk}, "start16": 0, "end16": 3'
    many_codes = json.dumps([f"c{n}" for n in range(500)])
    return {
        "a 5,000-digit integer": f'{{{base}, "stage": {"9" * 5000}}}'.encode(),
        "a 5,000-digit string": f'{{{base}, "stage": "{"9" * 5000}"}}'.encode(),
        "a 30-digit id": f'{{{base}, "stage": {"9" * 30}}}'.encode(),
        "an id past 64 bits": f'{{{base}, "stage": "{2**63}"}}'.encode(),
        "a NUL in a code name": f'{{{base}, "codes": ["SSO\\u0000x"]}}'.encode(),
        "a NUL in the memo": f'{{{base}, "memo": "a\\u0000b"}}'.encode(),
        "a lone surrogate in a code name": f'{{{base}, "codes": ["\\ud800"]}}'.encode(),
        "a lone surrogate in the memo": f'{{{base}, "memo": "x\\udfff"}}'.encode(),
        "a right-to-left override in a code name": (
            f'{{{base}, "codes": ["SSO\\u202egnp.exe"]}}'.encode()
        ),
        "an isolate in a code name": f'{{{base}, "codes": ["\\u2067x\\u2069"]}}'.encode(),
        "20,000-deep arrays": b"[" * 20_000 + b"]" * 20_000,
        "20,000-deep objects": b'{"a":' * 20_000 + b"1" + b"}" * 20_000,
        "deep nesting inside a field": f'{{{base}, "codes": {"[" * 50}{"]" * 50}}}'.encode(),
        "invalid UTF-8": b'{"memo": "\xff\xfe"}',
        "too many codes": f'{{{base}, "codes": {many_codes}}}'.encode(),
    }


HOSTILE = [
    "a 5,000-digit integer",
    "a 5,000-digit string",
    "a 30-digit id",
    "an id past 64 bits",
    "a NUL in a code name",
    "a NUL in the memo",
    "a lone surrogate in a code name",
    "a lone surrogate in the memo",
    "a right-to-left override in a code name",
    "an isolate in a code name",
    "20,000-deep arrays",
    "20,000-deep objects",
    "deep nesting inside a field",
    "invalid UTF-8",
    "too many codes",
]


@pytest.mark.parametrize("case", HOSTILE)
def test_hostile_bodies_get_a_400_and_change_nothing(researcher_client, transcript, case) -> None:
    body = hostile_bodies(transcript)[case]
    project = transcript.session.project
    response = researcher_client.post(create_url(project), body, content_type="application/json")
    assert response.status_code == 400, response.content[:300]
    assert response.json()["error"]
    assert not Highlight.objects.exists()
    assert not Code.objects.exists()


@pytest.mark.parametrize("case", HOSTILE)
def test_hostile_bodies_cannot_change_a_highlight(
    researcher_client, transcript, researcher, case
) -> None:
    start, end = span_of(transcript, "SAML setup")
    highlight = highlight_create(
        project=transcript.session.project,
        coder=researcher,
        start=start,
        end=end,
        transcript=transcript,
        fields=HighlightFields(memo="kept"),
    )
    url = reverse("insights:highlight-update", args=[transcript.session.project.slug, highlight.pk])
    response = researcher_client.post(
        url, hostile_bodies(transcript)[case], content_type="application/json"
    )
    assert response.status_code == 400, response.content[:300]
    highlight.refresh_from_db()
    assert highlight.memo == "kept"
    assert not Code.objects.exists()


def test_a_declared_length_over_the_limit_is_refused_unread(researcher_client, transcript) -> None:
    response = researcher_client.post(
        create_url(transcript.session.project),
        b"{}",
        content_type="application/json",
        headers={"content-length": str(10 * 1024 * 1024)},
    )
    assert response.status_code == 400
    assert "too large" in response.json()["error"]


def test_right_to_left_marks_are_allowed_in_code_names(coded_project, researcher) -> None:
    # U+200F (RLM) is ordinary in Hebrew and Arabic text; only reordering controls are refused.
    code, created = code_get_or_create(project=coded_project, name="שלום\u200f SSO", by=researcher)
    assert created and code.name == "שלום\u200f SSO"


def test_offset_inside_an_emoji_is_refused(researcher_client, transcript) -> None:
    inside = utf16(transcript.text, transcript.text.index("👍")) + 1
    status, data = post_json(
        researcher_client,
        create_url(transcript.session.project),
        {"source": "transcript", "sourceId": transcript.pk, "start16": inside, "end16": inside + 5},
    )
    assert status == 400
    assert "inside a character" in data["error"]


def test_viewer_gets_403_and_outsider_404_as_json(viewer_client, outsider_client, transcript):
    body = {"source": "transcript", "sourceId": transcript.pk, "start16": 0, "end16": 5}
    status, data = post_json(viewer_client, create_url(transcript.session.project), body)
    assert status == 403 and "error" in data
    status, _ = post_json(outsider_client, create_url(transcript.session.project), body)
    assert status == 404
    assert not Highlight.objects.exists()


def test_a_transcript_of_another_study_is_404(researcher_client, transcript, researcher) -> None:
    other = make_project(members={researcher: Membership.Role.RESEARCHER})
    status, data = post_json(
        researcher_client,
        create_url(other),
        {"source": "transcript", "sourceId": transcript.pk, "start16": 0, "end16": 5},
    )
    assert status == 404, data


def test_update_and_delete(researcher_client, transcript, researcher) -> None:
    project = transcript.session.project
    start, end = span_of(transcript, "true-up clause")
    highlight = highlight_create(
        project=project,
        coder=researcher,
        start=start,
        end=end,
        fields=HighlightFields(),
        transcript=transcript,
    )
    url = reverse("insights:highlight-update", args=[project.slug, highlight.pk])
    status, data = post_json(
        researcher_client, url, {"stage": stage("Purchase").pk, "codes": ["Pricing"], "memo": "!"}
    )
    assert status == 200, data
    highlight.refresh_from_db()
    assert highlight.stage.name == "Purchase"
    assert list(highlight.codes.names()) == ["Pricing"]

    status, data = post_json(researcher_client, url, {"codes": []})
    assert list(highlight.codes.names()) == []

    delete = reverse("insights:highlight-delete", args=[project.slug, highlight.pk])
    status, data = post_json(researcher_client, delete, {})
    assert status == 200
    assert "<mark" not in "".join(data["fragments"].values())
    assert not Highlight.objects.exists()


def test_highlight_a_field_note(researcher_client, coded_project) -> None:
    session = make_session(coded_project)
    note = FieldNote.objects.create(
        session=session, kind="observation", text="Keeps a spreadsheet 📊 of\nlicence seats"
    )
    start = note.text.index("licence")
    status, data = post_json(
        researcher_client,
        create_url(coded_project),
        {
            "source": "field_note",
            "sourceId": note.pk,
            "start16": utf16(note.text, start),
            "end16": utf16(note.text, len(note.text)),
            "codes": ["Workaround"],
        },
    )
    assert status == 201, data
    assert Highlight.objects.get().text == "licence seats"
    assert f"note-{note.pk}" in data["fragments"]


# --- The reader ----------------------------------------------------------------------------------


def test_reader_draws_marks_and_shows_the_panel_only_to_coders(
    researcher_client, viewer_client, transcript, researcher
) -> None:
    project = transcript.session.project
    start, end = span_of(transcript, "SAML setup took three weeks")
    highlight_create(
        project=project,
        coder=researcher,
        start=start,
        end=end,
        fields=HighlightFields(),
        transcript=transcript,
    )
    page = researcher_client.get(transcript.get_absolute_url()).content.decode()
    assert "SAML setup took three weeks</mark>" in page
    assert 'id="coding-panel"' in page
    assert '<span id="coding-coverage">25</span>% of turns coded' in page
    viewer_page = viewer_client.get(transcript.get_absolute_url()).content.decode()
    assert "SAML setup took three weeks</mark>" in viewer_page
    assert 'id="coding-panel"' not in viewer_page


def test_blind_coding_hides_other_coders_until_revealed(
    researcher_client, lead_client, transcript, lead
) -> None:
    project = transcript.session.project
    set_blind_coding(project)
    start, end = span_of(transcript, "true-up clause")
    highlight_create(
        project=project,
        coder=lead,
        start=start,
        end=end,
        fields=HighlightFields(),
        transcript=transcript,
    )
    badge = "Blind coding: you see only your own codings"
    as_researcher = researcher_client.get(transcript.get_absolute_url()).content.decode()
    as_lead = lead_client.get(transcript.get_absolute_url()).content.decode()
    assert "<mark" not in as_researcher and badge in as_researcher
    # The lead is not bound by blind coding, and is not told so.
    assert "<mark" in as_lead and badge not in as_lead
    set_blind_coding(project, codings_revealed=True)
    as_researcher = researcher_client.get(transcript.get_absolute_url()).content.decode()
    assert "<mark" in as_researcher and badge not in as_researcher


def test_reader_queries_do_not_grow_with_highlights(
    researcher_client,
    transcript,
    researcher,
    django_assert_num_queries,
    django_assert_max_num_queries,
) -> None:
    project = transcript.session.project

    def add(needle: str, code: str) -> None:
        start, end = span_of(transcript, needle)
        found, _ = code_get_or_create(project=project, name=code, by=researcher)
        highlight_create(
            project=project,
            coder=researcher,
            start=start,
            end=end,
            fields=HighlightFields(stage=stage("Onboarding"), codes=[found]),
            transcript=transcript,
        )

    add("SAML", "SSO")
    with django_assert_max_num_queries(100) as few:
        researcher_client.get(transcript.get_absolute_url())
    for index, needle in enumerate(["setup", "three", "weeks", "Procurement", "pricing"]):
        add(needle, f"Code {index}")
    with django_assert_num_queries(len(few.captured_queries)):
        researcher_client.get(transcript.get_absolute_url())


def test_codes_created_while_coding_get_different_colours(coded_project, researcher) -> None:
    first, _ = code_get_or_create(project=coded_project, name="SSO", by=researcher)
    second, _ = code_get_or_create(project=coded_project, name="Pricing", by=researcher)
    assert first.colour != second.colour


def test_renaming_a_code_renews_its_slug(coded_project, researcher) -> None:
    code, _ = code_get_or_create(project=coded_project, name="SSO", by=researcher)
    code.name = "Single sign-on"
    code.save()
    assert code.slug == "single-sign-on"


def test_create_endpoint_queries_do_not_grow_with_codes(
    researcher_client, transcript, researcher, django_assert_max_num_queries
) -> None:
    project = transcript.session.project
    for name in ("A", "B", "C", "D", "E"):
        code_get_or_create(project=project, name=name, by=researcher)
    text = transcript.text

    def create(needle: str, codes: list[str]):  # noqa: ANN202
        start = text.index(needle)
        body = {
            "source": "transcript",
            "sourceId": transcript.pk,
            "start16": utf16(text, start),
            "end16": utf16(text, start + len(needle)),
            "codes": codes,
        }
        return researcher_client.post(
            create_url(project), json.dumps(body), content_type="application/json"
        )

    with django_assert_max_num_queries(100) as one:
        assert create("SAML", ["a"]).status_code == 201
    with django_assert_max_num_queries(len(one.captured_queries)):
        # Five existing codes cost what one does: one lookup for all names, one bulk insert.
        assert create("true-up", ["a", "b", "c", "d", "e"]).status_code == 201
