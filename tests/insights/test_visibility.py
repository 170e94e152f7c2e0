"""The one evidence selector: consent audience, redaction and blind coding, page by page."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from insights.coding import HighlightFields, highlight_create
from insights.models import Highlight
from insights.visibility import Audience, evidence_reader, highlights_visible_to
from interviews.evidence import consent_clearances, propose_redactions, redact
from interviews.models import ConsentRecord, FieldNote, Redaction, ResearchProject, Transcript
from tests.factories import (
    make_consent,
    make_participant,
    make_project,
    make_session,
    make_transcript,
    set_blind_coding,
)

Scope = ConsentRecord.Scope
TODAY = timezone.localdate()


def interview(project: ResearchProject, *, name: str, scope: str | None, **consent: Any):
    """A session with one participant, their consent (or none), a transcript and a quote."""
    person = make_participant(name=name, email=f"{name.split()[0].lower()}@example.com")
    session = make_session(project, participants=[person])
    transcript = make_transcript(session)  # imports under a valid consent…
    person.consents.all().delete()  # …then the consent becomes the one under test
    if scope is not None:
        make_consent(person, scope=scope, **consent)
    return person, session, transcript


def quote(
    project: ResearchProject, transcript: Transcript, coder: User, start: int = 0
) -> Highlight:
    return highlight_create(
        project=project,
        coder=coder,
        start=start,
        end=start + 20,
        fields=HighlightFields(),
        transcript=transcript,
    )


def visible_ids(project: ResearchProject, user: User | None, **kwargs: Any) -> set[int]:
    return set(
        highlights_visible_to(project=project, user=user, **kwargs).values_list("pk", flat=True)
    )


@pytest.mark.parametrize(
    ("scope", "consent", "viewer_sees"),
    [
        (Scope.INTERNAL, {}, True),
        (Scope.EXTERNAL, {}, True),
        (Scope.RESEARCH_TEAM, {}, False),
        (Scope.INTERNAL, {"withdrawn_on": TODAY}, False),
        (
            Scope.INTERNAL,
            {"expires_on": TODAY - dt.timedelta(days=1), "given_on": TODAY - dt.timedelta(days=9)},
            False,
        ),
        (None, {}, False),
    ],
    ids=["internal", "external", "team-only", "withdrawn", "expired", "none"],
)
def test_consent_decides_whether_viewers_see_a_quote(
    project: ResearchProject,
    lead: User,
    researcher: User,
    viewer: User,
    scope: str | None,
    consent: dict,
    viewer_sees: bool,
) -> None:
    _person, _session, transcript = interview(project, name="Ingrid Berg", scope=scope, **consent)
    highlight = quote(project, transcript, lead)
    assert visible_ids(project, viewer) == ({highlight.pk} if viewer_sees else set())
    # The research team always reads everything it collected.
    assert visible_ids(project, researcher) == {highlight.pk}
    assert visible_ids(project, lead) == {highlight.pk}


def test_internal_consent_does_not_reach_an_external_audience(
    project: ResearchProject, lead: User
) -> None:
    _p, _s, internal = interview(project, name="Ingrid Berg", scope=Scope.INTERNAL)
    _p, _s, external = interview(project, name="Omar Haddad", scope=Scope.EXTERNAL)
    shared_inside = quote(project, internal, lead)
    shared_outside = quote(project, external, lead)
    assert visible_ids(project, None, audience=Audience.INTERNAL) == {
        shared_inside.pk,
        shared_outside.pk,
    }
    assert visible_ids(project, None, audience=Audience.EXTERNAL) == {shared_outside.pk}


def test_a_session_with_one_unconsented_participant_is_hidden_from_viewers(
    project: ResearchProject, lead: User, viewer: User
) -> None:
    consented = make_participant(name="Ingrid Berg")
    silent = make_participant(name="Omar Haddad")
    make_consent(consented)
    session = make_session(project, participants=[consented, silent])
    transcript = make_transcript(session)
    silent.consents.all().delete()
    quote(project, transcript, lead)
    assert visible_ids(project, viewer) == set()


def test_clearances_of_several_studies_in_two_queries(
    project: ResearchProject, django_assert_num_queries: Any
) -> None:
    # Viewers read a session only when every participant of it consented to them; a
    # session with nobody linked yet stays with the research team.
    other = make_project()
    ingrid, omar, lena = (make_participant(name=n) for n in ("Ingrid B", "Omar H", "Lena K"))
    make_consent(ingrid)
    make_consent(lena, project=other)  # for the other study only
    both = make_session(project, participants=[ingrid, omar])
    alone = make_session(project, participants=[ingrid])
    nobody = make_session(project)
    hers = make_session(other, participants=[lena])
    outside = make_session(other, participants=[lena, ingrid])

    with django_assert_num_queries(2):
        found = consent_clearances([project.pk, other.pk], Audience.INTERNAL, today=TODAY)

    assert found[project.pk].session_ids == {alone.pk}
    assert found[project.pk].team_only_session_ids == {both.pk, nobody.pk}
    assert found[other.pk].session_ids == {hers.pk, outside.pk}
    assert found[other.pk].team_only_session_ids == frozenset()
    assert not found[project.pk].allows_participant(lena.pk)
    assert found[other.pk].allows_participant(lena.pk)


def test_a_viewer_cannot_widen_their_audience(project: ResearchProject, viewer: User) -> None:
    reader = evidence_reader(project=project, user=viewer, audience=Audience.RESEARCH_TEAM)
    assert reader.audience == Audience.INTERNAL


def test_quote_list_hides_team_only_quotes_from_viewers_and_badges_them_for_researchers(
    project: ResearchProject, lead: User, viewer_client: Client, researcher_client: Client
) -> None:
    _p, _s, shared = interview(project, name="Ingrid Berg", scope=Scope.INTERNAL)
    _p, _s, private = interview(project, name="Omar Haddad", scope=Scope.RESEARCH_TEAM)
    quote(project, shared, lead)
    quote(project, private, lead)
    url = reverse("insights:quote-list", args=[project.slug])

    viewer_rows = viewer_client.get(url).context["rows"]
    assert [row.highlight.transcript_id for row in viewer_rows] == [shared.pk]

    response = researcher_client.get(url)
    rows = {row.highlight.transcript_id: row for row in response.context["rows"]}
    assert set(rows) == {shared.pk, private.pk}
    assert rows[private.pk].hidden_from_viewers and not rows[shared.pk].hidden_from_viewers
    assert response.content.decode().count("Hidden from viewers") == 1


def test_the_reader_tells_viewers_a_session_is_not_shared(
    project: ResearchProject, viewer_client: Client, researcher_client: Client
) -> None:
    _p, session, transcript = interview(project, name="Omar Haddad", scope=Scope.RESEARCH_TEAM)
    url = reverse("insights:transcript-detail", args=[project.slug, session.pk, transcript.pk])
    html = viewer_client.get(url).content.decode()
    assert "not shared beyond the research team" in html
    assert "SAML took three weeks" not in html
    assert "SAML took three weeks" in researcher_client.get(url).content.decode()


def test_session_page_hides_notes_of_an_unshared_session_from_viewers(
    project: ResearchProject, viewer_client: Client, lead_client: Client
) -> None:
    _p, session, _t = interview(project, name="Omar Haddad", scope=Scope.RESEARCH_TEAM)
    FieldNote.objects.create(session=session, text="Keeps passwords on a sticky note")
    url = reverse("interviews:session-detail", args=[project.slug, session.pk])
    assert "sticky note" not in viewer_client.get(url).content.decode()
    assert "sticky note" in lead_client.get(url).content.decode()


# --- Redaction ------------------------------------------------------------------------------


def test_redact_replaces_spans_and_keeps_the_rest() -> None:
    text = "Thanks, Ingrid. Mail ingrid@acme.io please."
    spans = [(8, 14, "[name]"), (21, 35, "[e-mail]")]
    assert redact(text, 0, spans) == "Thanks, [name]. Mail [e-mail] please."
    # A slice that starts inside a span shows the placeholder once, where it becomes visible.
    assert redact(text[10:], 10, spans) == "[name]. Mail [e-mail] please."
    assert redact("no spans here", 0, []) == "no spans here"


def test_redacted_names_read_as_placeholders_for_viewers_only(
    project: ResearchProject, lead: User, viewer_client: Client, lead_client: Client
) -> None:
    _p, session, transcript = interview(project, name="Ada Lovelace", scope=Scope.INTERNAL)
    start = transcript.text.index("Honestly")
    highlight = quote(project, transcript, lead, start=start)
    name_at = transcript.text.index("SAML")
    Redaction.objects.create(
        transcript=transcript, start=name_at, end=name_at + 4, kind=Redaction.Kind.COMPANY
    )
    quotes = reverse("insights:quote-list", args=[project.slug])
    reader = reverse("insights:transcript-detail", args=[project.slug, session.pk, transcript.pk])

    viewer_quote = viewer_client.get(quotes).context["rows"][0]
    assert viewer_quote.text == highlight.text.replace("SAML", "[company]")
    viewer_reader = viewer_client.get(reader).content.decode()
    assert "SAML" not in viewer_reader and "[company]" in viewer_reader

    assert lead_client.get(quotes).context["rows"][0].text == highlight.text
    assert "SAML took" in lead_client.get(reader).content.decode()


def test_proposals_find_names_emails_and_phone_numbers() -> None:
    text = (
        "Thanks for making the time, Ingrid. Is ingrid.berg@nordlys.no still best, "
        "or +47 912 34 567? At Nordlys AS we start at 09:30:00."
    )
    proposals = propose_redactions(text, names=["Ingrid Berg"], companies=["Nordlys AS"])
    found = [(p.kind, p.text) for p in proposals]
    assert found == [
        ("name", "Ingrid"),
        ("email", "ingrid.berg@nordlys.no"),
        ("phone", "+47 912 34 567"),
        ("company", "Nordlys AS"),
    ]


# --- Blind coding ---------------------------------------------------------------------------


@pytest.fixture
def blind_project(project: ResearchProject) -> ResearchProject:
    set_blind_coding(project)
    return project


def test_under_blind_coding_a_researcher_cannot_change_anothers_highlight(
    blind_project: ResearchProject, lead: User, researcher_client: Client
) -> None:
    _p, _s, transcript = interview(blind_project, name="Ada Lovelace", scope=Scope.INTERNAL)
    theirs = quote(blind_project, transcript, lead)
    update = reverse("insights:highlight-update", args=[blind_project.slug, theirs.pk])
    delete = reverse("insights:highlight-delete", args=[blind_project.slug, theirs.pk])

    response = researcher_client.post(update, {"memo": "mine now"}, content_type="application/json")
    assert response.status_code == 404
    assert theirs.text not in response.content.decode()
    assert researcher_client.post(delete, {}, content_type="application/json").status_code == 404
    theirs.refresh_from_db()
    assert theirs.memo == ""


def test_under_blind_coding_the_lead_and_viewers_see_everyones_codings(
    blind_project: ResearchProject, lead: User, researcher: User, viewer: User
) -> None:
    _p, _s, transcript = interview(blind_project, name="Ada Lovelace", scope=Scope.INTERNAL)
    by_lead = quote(blind_project, transcript, lead)
    by_researcher = quote(blind_project, transcript, researcher, start=30)
    assert visible_ids(blind_project, researcher) == {by_researcher.pk}
    assert visible_ids(blind_project, lead) == {by_lead.pk, by_researcher.pk}
    assert visible_ids(blind_project, viewer) == {by_lead.pk, by_researcher.pk}
