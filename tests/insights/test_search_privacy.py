"""Search and privacy: documents hold redacted text, and viewers find only what consent clears.

A real Whoosh index in tmp_path (tests/insights/conftest.py), Celery eager; `committed()` runs
the on_commit index updates as a commit would. The backends' own handling of consent
restrictions is in test_search_backends.py, for both backends.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone
from pytest_django import DjangoCaptureOnCommitCallbacks, Settings

from cxresearch.celery import app as celery_app
from insights.coding import HighlightFields, highlight_create
from insights.search.backends import reset_backend
from insights.search.documents import all_documents
from insights.search.service import search
from interviews.models import (
    ConsentRecord,
    FieldNote,
    Participant,
    ResearchProject,
    Session,
    Speaker,
    Transcript,
    Utterance,
)
from interviews.redaction import redaction_create, redaction_delete
from interviews.services import consent_withdraw
from tests.factories import make_consent, make_participant, make_session, make_transcript

pytestmark = pytest.mark.django_db

Committed = Callable[[], AbstractContextManager[list[Callable[[], object]]]]

# Ada's session; the interviewer greets her and a second, unlinked person speaks too.
GREETING_VTT = """WEBVTT

00:00:01.000 --> 00:00:04.000
Sam Rivera: Thanks for making the time, Ada. How did the SSO rollout go?

00:00:05.000 --> 00:00:11.500
Ada Lovelace: Honestly, SAML took three weeks because our IdP team was busy.

00:00:12.000 --> 00:00:15.000
Omar Haddad: From procurement: the licence true-up surprised us too.
"""


@pytest.fixture(autouse=True)
def whoosh(settings: Settings) -> None:
    settings.SEARCH_BACKEND = "whoosh"
    reset_backend()


@pytest.fixture(autouse=True)
def eager() -> Iterator[None]:
    conf = celery_app.conf
    before = (conf.task_always_eager, conf.task_eager_propagates)
    conf.task_always_eager = conf.task_eager_propagates = True
    yield
    conf.task_always_eager, conf.task_eager_propagates = before


@pytest.fixture
def committed(django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks) -> Committed:
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def ada(db: None) -> Participant:
    return make_participant(name="Ada Lovelace", company="Analytical Engines")


@pytest.fixture
def omar(db: None) -> Participant:
    return make_participant(name="Omar Haddad", company="Haddad Freight")


@pytest.fixture
def transcript(
    project: ResearchProject, ada: Participant, lead: User, committed: Committed
) -> Transcript:
    with committed():
        session = make_session(project, participants=[ada])
        return make_transcript(session, data=GREETING_VTT.encode(), by=lead)


def found(text: str, user: User) -> set[str]:
    return {hit.doc_id for hit in search(text, user=user, per_page=100).hits}


def utterance(transcript: Transcript, needle: str) -> Utterance:
    return Utterance.objects.get(transcript=transcript, text__contains=needle)


def span(text: str, needle: str) -> tuple[int, int]:
    start = text.index(needle)
    return start, start + len(needle)


# --- Redacted documents --------------------------------------------------------------------------


def test_documents_hold_the_redacted_text_for_everyone(
    transcript: Transcript, lead: User, researcher: User, viewer: User, committed: Committed
) -> None:
    start, end = span(transcript.text, "Honestly, SAML took")
    with committed():
        note = FieldNote.objects.create(session=transcript.session, text="Ada keeps SAML notes.")
        quote = highlight_create(
            project=transcript.session.project,
            coder=lead,
            start=start,
            end=end,
            fields=HighlightFields(),
            transcript=transcript,
        )
        redaction_create(source=transcript, kind="name", by=lead, **_at(transcript.text, "Ada"))
        redaction_create(source=transcript, kind="company", by=lead, **_at(transcript.text, "SAML"))
        redaction_create(source=note, kind="name", by=lead, **_at(note.text, "Ada"))

    texts = {document.doc_id: document.text for document in all_documents()}
    greeting = utterance(transcript, "Thanks for making")
    assert "the time, [name]. How" in texts[f"utterance:{greeting.pk}"]
    assert texts[f"highlight:{quote.pk}"] == "Honestly, [company] took"
    assert texts[f"field_note:{note.pk}"] == "[name] keeps SAML notes."
    # Nobody finds the words by search, the research team included; the rest still reads.
    for user in (lead, researcher, viewer):
        assert found("Ada", user) == set()
        assert found('"took three weeks"', user) == {
            f"utterance:{utterance(transcript, 'took').pk}"
        }
    [hit] = search("rollout", user=lead).hits
    assert "[name]" in hit.snippet_html and "Ada" not in hit.snippet_html


def _at(text: str, needle: str) -> dict[str, int]:
    start, end = span(text, needle)
    return {"start": start, "end": end}


def test_redacting_and_undoing_reindex_the_source(
    transcript: Transcript, lead: User, committed: Committed
) -> None:
    rollout = f"utterance:{utterance(transcript, 'rollout').pk}"
    assert found("Ada", lead) == {rollout}
    with committed():
        redaction = redaction_create(
            source=transcript, kind="name", by=lead, **_at(transcript.text, "Ada")
        )
    assert found("Ada", lead) == set()
    with committed():
        redaction_delete(redaction=redaction, by=lead)
    assert found("Ada", lead) == {rollout}


# --- Consent ------------------------------------------------------------------------------------


@pytest.fixture
def private_transcript(
    project: ResearchProject, omar: Participant, lead: User, committed: Committed
) -> Transcript:
    """Omar's interview: his consent keeps it with the research team."""
    with committed():
        session = make_session(project, participants=[omar])
        transcript = make_transcript(session, filename="omar.vtt", by=lead)
    omar.consents.update(scope=ConsentRecord.Scope.RESEARCH_TEAM)
    return transcript


def test_documents_carry_their_session_and_speaker(transcript: Transcript, ada: Participant):
    documents = {d.doc_id: d for d in all_documents()}
    said = documents[f"utterance:{utterance(transcript, 'SAML').pk}"]
    asked = documents[f"utterance:{utterance(transcript, 'rollout').pk}"]
    assert (said.session_id, said.speaker_participant_id) == (transcript.session_id, ada.pk)
    assert (asked.session_id, asked.speaker_participant_id) == (transcript.session_id, None)


def test_viewers_find_only_sessions_whose_consent_reaches_them(
    transcript: Transcript,
    private_transcript: Transcript,
    lead: User,
    researcher: User,
    viewer: User,
) -> None:
    shared = {f"utterance:{utterance(transcript, 'SAML').pk}"}
    private = {f"utterance:{utterance(private_transcript, 'SAML').pk}"}
    assert found("SAML", viewer) == shared
    assert found("SAML", researcher) == shared | private
    assert found("SAML", lead) == shared | private


def test_a_withdrawn_consent_hides_evidence_from_viewers_without_reindexing(
    transcript: Transcript, ada: Participant, viewer: User, researcher: User
) -> None:
    assert found("SAML", viewer)
    consent_withdraw(consent=ada.consents.get(), on=timezone.localdate())
    assert found("SAML", viewer) == set()
    assert found("SAML", researcher)
    ada.consents.all().delete()
    make_consent(
        ada,
        expires_on=timezone.localdate() - dt.timedelta(days=1),
        given_on=timezone.localdate() - dt.timedelta(days=30),
    )
    assert found("SAML", viewer) == set()


def test_viewers_do_not_find_the_words_of_a_speaker_who_did_not_consent(
    transcript: Transcript, omar: Participant, viewer: User, researcher: User, committed: Committed
) -> None:
    # Omar speaks in Ada's session without being one of its participants; his consent is
    # for the research team only.
    make_consent(omar, scope=ConsentRecord.Scope.RESEARCH_TEAM)
    with committed():
        speaker = Speaker.objects.get(transcript=transcript, label="Omar Haddad")
        speaker.participant = omar
        speaker.save()
    omars = f"utterance:{utterance(transcript, 'procurement').pk}"
    assert found("procurement", researcher) == {omars}
    assert found("procurement", viewer) == set()
    assert found("SAML", viewer)  # Ada's words in the same session still are


def test_a_viewer_search_costs_a_fixed_number_of_queries(
    project: ResearchProject,
    transcript: Transcript,
    private_transcript: Transcript,
    viewer: User,
    viewer_client: Client,
    django_assert_max_num_queries,
) -> None:
    other = Session.objects.create(project=project, scheduled_at=timezone.now())
    other.participants.set([make_participant() for _ in range(5)])
    # session, user; visible projects, memberships; consent: valid records, sessions with
    # their participants; then labels for the projects facet.
    with django_assert_max_num_queries(7):
        response = viewer_client.get("/search/", {"q": "SAML"})
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count('class="search-hit-title"') == 1  # Ada's words, not Omar's
