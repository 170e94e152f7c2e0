"""Redacting spans: the services, the reader's JSON endpoints, the Redactions pages, rendering."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from insights.coding import HighlightFields, highlight_create
from interviews.models import AuditEvent, FieldNote, Redaction, ResearchProject, Transcript
from interviews.redaction import (
    RedactionError,
    SpanToRedact,
    redaction_create,
    redaction_delete,
    redactions_apply,
)
from tests.factories import make_participant, make_session, make_transcript

# An emoji before the name: the browser counts it as two UTF-16 units, Python as one.
TEXT = """Sam Rivera: 🎉 Thanks for making the time, Ingrid. Is ingrid.berg@nordlys.no still \
best, or +47 912 34 567?

Ingrid Berg: Yes. At Nordlys we moved to SAML in March.
"""


@pytest.fixture
def transcript(project: ResearchProject) -> Transcript:
    ingrid = make_participant(name="Ingrid Berg", company="Nordlys", email="ingrid@nordlys.no")
    session = make_session(project, participants=[ingrid])
    return make_transcript(session, filename="ingrid.txt", data=TEXT.encode())


def span_of(text: str, needle: str, nth: int = 0) -> tuple[int, int]:
    start = -1
    for _ in range(nth + 1):
        start = text.index(needle, start + 1)
    return start, start + len(needle)


def utf16(text: str, offset: int) -> int:
    return len(text[:offset].encode("utf-16-le")) // 2


def reader_url(transcript: Transcript) -> str:
    return transcript.get_absolute_url()


def post_json(client: Client, url: str, body: dict) -> tuple[int, dict]:
    response = client.post(url, json.dumps(body), content_type="application/json")
    return response.status_code, response.json()


def redact_selection(client: Client, transcript: Transcript, needle: str, kind: str = "name"):
    start, end = span_of(transcript.text, needle)
    url = reverse("insights:redaction-create", args=[transcript.session.project.slug])
    return post_json(
        client,
        url,
        {
            "source": "transcript",
            "sourceId": transcript.pk,
            "start16": utf16(transcript.text, start),
            "end16": utf16(transcript.text, end),
            "kind": kind,
        },
    )


# --- The services --------------------------------------------------------------------------------


def test_redacting_the_same_span_twice_keeps_one_redaction(transcript, lead) -> None:
    start, end = span_of(transcript.text, "Ingrid")
    first = redaction_create(source=transcript, start=start, end=end, kind="name", by=lead)
    again = redaction_create(source=transcript, start=start, end=end, kind="name", by=lead)
    assert first.pk == again.pk
    assert Redaction.objects.count() == 1


def test_applying_spans_is_all_or_nothing(transcript, lead) -> None:
    name = span_of(transcript.text, "Ingrid")
    company = span_of(transcript.text, "Nordlys")
    redactions_apply(source=transcript, spans=[SpanToRedact(*name, "name")], by=lead)
    # Already redacted (inside a redaction, or the same span) adds nothing.
    done = redactions_apply(
        source=transcript,
        spans=[SpanToRedact(*name, "name"), SpanToRedact(*company, "company")],
        by=lead,
    )
    assert [(r.start, r.end) for r in done] == [name, company]
    assert Redaction.objects.count() == 2
    # One bad span refuses the lot.
    phone = span_of(transcript.text, "+47 912 34 567")
    with pytest.raises(RedactionError, match="outside the text"):
        redactions_apply(
            source=transcript,
            spans=[SpanToRedact(*phone, "phone"), SpanToRedact(0, 10_000, "name")],
            by=lead,
        )
    assert Redaction.objects.count() == 2


@pytest.mark.parametrize(
    ("start", "end", "kind", "message"),
    [
        (5, 3, "name", "outside the text"),
        (-1, 3, "name", "outside the text"),
        (0, 3, "nickname", "not a kind of redaction"),
        (0, 0, "name", "outside the text"),
    ],
)
def test_bad_spans_are_refused(transcript, lead, start, end, kind, message) -> None:
    with pytest.raises(RedactionError, match=message):
        redaction_create(source=transcript, start=start, end=end, kind=kind, by=lead)
    assert not Redaction.objects.exists()


def test_a_span_overlapping_a_redaction_in_part_is_refused(transcript, lead) -> None:
    start, end = span_of(transcript.text, "time, Ingrid")
    redaction_create(source=transcript, start=end - 6, end=end, kind="name", by=lead)
    with pytest.raises(RedactionError, match="redacted already"):
        redaction_create(source=transcript, start=start, end=end - 3, kind="name", by=lead)
    assert Redaction.objects.count() == 1


def test_viewers_cannot_redact_and_erasures_cannot_be_undone(transcript, lead, viewer) -> None:
    with pytest.raises(RedactionError, match="leads and researchers"):
        redaction_create(source=transcript, start=0, end=3, kind="name", by=viewer)
    permanent = Redaction.objects.create(transcript=transcript, start=0, end=3, permanent=True)
    with pytest.raises(RedactionError, match="erased"):
        redaction_delete(redaction=permanent, by=lead)
    assert Redaction.objects.filter(pk=permanent.pk).exists()


# --- The reader ----------------------------------------------------------------------------------


def test_redacting_a_selection_converts_utf16_offsets_and_returns_the_fragment(
    transcript, researcher_client
) -> None:
    status, body = redact_selection(researcher_client, transcript, "Ingrid")
    assert status == 201, body
    redaction = Redaction.objects.get()
    assert transcript.text[redaction.start : redaction.end] == "Ingrid"
    assert body["redaction"]["placeholder"] == "[name]"
    [fragment] = body["fragments"].values()
    assert f'<span class="redaction" data-r="{redaction.pk}"' in fragment
    assert ">Ingrid</span>" in fragment  # the research team still reads it


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"start16": 10_000}, "does not fit the text"),
        ({"kind": None}, "Say what the selection is"),
        ({"kind": "nickname"}, "not a kind of redaction"),
        ({"sourceId": None}, "Say which text is selected"),
        ({"source": "email"}, "must be transcript or field_note"),
        ({"kind": 3}, "Say what the selection is"),
        ({"end16": "end"}, "“end16” must be a whole number."),
        ({"placeholder": "[x]"}, "“placeholder” is not something this request takes."),
    ],
)
def test_bad_redaction_requests_get_a_readable_400_and_change_nothing(
    transcript, researcher_client, change, message
) -> None:
    start, end = span_of(transcript.text, "Ingrid")
    body = {
        "source": "transcript",
        "sourceId": transcript.pk,
        "start16": utf16(transcript.text, start),
        "end16": utf16(transcript.text, end),
        "kind": "name",
        **change,
    }
    url = reverse("insights:redaction-create", args=[transcript.session.project.slug])
    status, answer = post_json(researcher_client, url, body)
    assert status == 400
    assert message in answer["error"]
    assert not Redaction.objects.exists()


def test_a_redaction_inside_the_emoji_is_refused(transcript, researcher_client) -> None:
    emoji = transcript.text.index("🎉")
    url = reverse("insights:redaction-create", args=[transcript.session.project.slug])
    status, answer = post_json(
        researcher_client,
        url,
        {
            "source": "transcript",
            "sourceId": transcript.pk,
            "start16": utf16(transcript.text, emoji) + 1,
            "end16": utf16(transcript.text, emoji) + 8,
            "kind": "other",
        },
    )
    assert status == 400 and "inside a character" in answer["error"]


def test_viewers_read_the_placeholder_and_the_team_the_words(
    transcript, lead, researcher_client, viewer_client
) -> None:
    start, end = span_of(transcript.text, "Nordlys we moved")
    highlight = highlight_create(
        project=transcript.session.project,
        coder=lead,
        start=start,
        end=end,
        fields=HighlightFields(),
        transcript=transcript,
    )
    redact_selection(researcher_client, transcript, "Ingrid")
    status, _ = redact_selection(researcher_client, transcript, "Nordlys", kind="company")
    assert status == 201

    viewer_html = viewer_client.get(reader_url(transcript)).content.decode()
    assert "Ingrid" not in viewer_html.split("<article", 1)[1]
    assert 'time, <span class="redacted"' in viewer_html
    assert ">[name]</span>" in viewer_html and ">[company]</span>" in viewer_html
    # The mark around the quote is still there, cut around the placeholder.
    assert f'data-h="{highlight.pk}"' in viewer_html

    team_html = researcher_client.get(reader_url(transcript)).content.decode()
    assert '<span class="redaction"' in team_html and ">Ingrid</span>" in team_html
    # Offsets did not move: the highlight still quotes the stored text.
    highlight.refresh_from_db()
    assert transcript.text[highlight.start : highlight.end] == highlight.text


def test_undoing_a_redaction_in_the_reader(transcript, researcher_client, viewer_client) -> None:
    redact_selection(researcher_client, transcript, "Ingrid")
    redaction = Redaction.objects.get()
    url = reverse("insights:redaction-delete", args=[transcript.session.project.slug, redaction.pk])
    status, body = post_json(researcher_client, url, {})
    assert status == 200 and body["deleted"] == redaction.pk
    assert "redaction" not in next(iter(body["fragments"].values()))
    assert not Redaction.objects.exists()
    assert "time, Ingrid." in viewer_client.get(reader_url(transcript)).content.decode()


def test_a_permanent_placeholder_counts_the_length_it_stands_for(transcript, lead, lead_client):
    # Erasure's spans read as placeholders to the research team too; data-len16 keeps the
    # browser's selection offsets right past them.
    start, end = span_of(transcript.text, "🎉 Thanks")
    Redaction.objects.create(transcript=transcript, start=start, end=end, permanent=True)
    html = lead_client.get(reader_url(transcript)).content.decode()
    assert '<span class="redacted" data-len16="9" title="Redacted: name">[name]</span>' in html
    assert "🎉 Thanks" not in html


# --- The Redactions pages ------------------------------------------------------------------------


def page_url(transcript: Transcript) -> str:
    return reverse(
        "insights:transcript-redactions",
        args=[transcript.session.project.slug, transcript.session_id, transcript.pk],
    )


def test_the_page_proposes_names_companies_emails_and_phones(transcript, lead, lead_client) -> None:
    response = lead_client.get(page_url(transcript))
    rows = response.context["sources"][0].proposals
    assert [(row.proposal.kind, row.proposal.text) for row in rows] == [
        ("name", "Ingrid"),
        # Inside the address, "ingrid", "berg" and "nordlys" give way to the longer find.
        ("email", "ingrid.berg@nordlys.no"),
        ("phone", "+47 912 34 567"),
        ("company", "Nordlys"),
    ]
    # The names came through the audited reader of personal data.
    audit = AuditEvent.objects.get(action=AuditEvent.Action.PII_VIEWED)
    assert (audit.user, audit.detail) == (lead, "redaction proposals")


def test_redact_selected_applies_the_ticked_proposals_once(transcript, lead_client) -> None:
    rows = lead_client.get(page_url(transcript)).context["sources"][0].proposals
    chosen = [row.value for row in rows if row.proposal.kind != "phone"]
    response = lead_client.post(page_url(transcript), {"span": chosen}, follow=True)
    assert "Redacted 3 spans" in response.content.decode()
    assert Redaction.objects.count() == 3
    # Applying again (a second click, a stale page) adds nothing.
    lead_client.post(page_url(transcript), {"span": chosen})
    assert Redaction.objects.count() == 3
    # What is redacted is listed, and no longer proposed.
    page = lead_client.get(page_url(transcript)).context["sources"][0]
    assert len(page.redactions) == 3
    assert [row.proposal.kind for row in page.proposals] == ["phone"]


@pytest.mark.parametrize(
    "value",
    ["junk", "999999:0:3:name", "{tid}:0:99999:name", "{tid}:0:3:nickname"],
)
def test_a_bad_span_on_the_page_redacts_nothing(transcript, lead_client, value) -> None:
    start, end = span_of(transcript.text, "Ingrid")
    good = f"{transcript.pk}:{start}:{end}:name"
    response = lead_client.post(
        page_url(transcript), {"span": [good, value.format(tid=transcript.pk)]}, follow=True
    )
    assert "Nothing redacted" in response.content.decode()
    assert not Redaction.objects.exists()


def test_undo_on_the_page(transcript, lead, lead_client) -> None:
    start, end = span_of(transcript.text, "Ingrid")
    redaction = redaction_create(source=transcript, start=start, end=end, kind="name", by=lead)
    lead_client.post(page_url(transcript), {"remove": redaction.pk})
    assert not Redaction.objects.exists()


def test_field_notes_have_a_redactions_page_too(transcript, lead_client, viewer_client) -> None:
    session = transcript.session
    note = FieldNote.objects.create(session=session, text="Ingrid from Nordlys showed the console.")
    url = reverse("insights:note-redactions", args=[session.project.slug, session.pk])
    rows = lead_client.get(url).context["sources"][0].proposals
    assert [row.proposal.text for row in rows] == ["Ingrid", "Nordlys"]
    lead_client.post(url, {"span": [row.value for row in rows]})
    assert Redaction.objects.filter(field_note=note).count() == 2
    html = viewer_client.get(session.get_absolute_url()).content.decode()
    assert "[name] from [company] showed the console." in html
    notes = viewer_client.get(
        reverse("insights:session-notes", args=[session.project.slug, session.pk])
    )
    assert "Nordlys" not in notes.content.decode()


def test_viewers_and_outsiders_reach_no_redaction_page(
    transcript, viewer_client, outsider_client
) -> None:
    assert viewer_client.get(page_url(transcript)).status_code == 403
    assert outsider_client.get(page_url(transcript)).status_code == 404


def test_the_page_costs_a_fixed_number_of_queries(
    transcript, lead: User, lead_client, django_assert_max_num_queries
) -> None:
    start, end = span_of(transcript.text, "Ingrid")
    redaction_create(source=transcript, start=start, end=end, kind="name", by=lead)
    # 1 session, 2 user, 3 project with the role, 4 transcript, 5 its participants, 6 may the
    # user see personal data, 7 identities, 8 their audit row, 9 redacted spans (left out of
    # the proposals), 10 the redactions listed.
    with django_assert_max_num_queries(10):
        assert lead_client.get(page_url(transcript)).status_code == 200


@pytest.mark.parametrize("persona", ["researcher", "viewer"])
def test_the_reader_reads_redactions_in_one_query_however_many(
    transcript, lead: User, persona: str, request: pytest.FixtureRequest
) -> None:
    client: Client = request.getfixturevalue(f"{persona}_client")
    url = reader_url(transcript)
    client.get(url)  # warm: session and caches
    with CaptureQueriesContext(connection) as none:
        client.get(url)
    for needle in ("Ingrid", "ingrid.berg@nordlys.no", "+47 912 34 567", "Nordlys", "SAML"):
        start, end = span_of(transcript.text, needle)
        redaction_create(source=transcript, start=start, end=end, kind="other", by=lead)
    with CaptureQueriesContext(connection) as five:
        html = client.get(url).content.decode()
    assert len(five.captured_queries) == len(none.captured_queries)
    assert html.count("[other]" if persona == "viewer" else 'class="redaction"') == 5
