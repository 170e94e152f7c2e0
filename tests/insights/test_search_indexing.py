"""Keeping the search index in step with the database: documents, signals, tasks, commands.

A real Whoosh index in tmp_path (tests/insights/conftest.py), Celery eager. The tests run
inside a transaction that never commits, so `committed()` runs the on_commit callbacks (the
index updates) as a real commit would.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import transaction
from django.test import Client
from django.urls import reverse
from pytest_django import DjangoAssertNumQueries, DjangoCaptureOnCommitCallbacks, Settings

from cxresearch.celery import app as celery_app
from insights import tasks
from insights.codebook import code_delete, code_merge
from insights.coding import HighlightFields, code_get_or_create, highlight_create, highlight_delete
from insights.models import Code, Highlight, JourneyFramework, Stage
from insights.search import indexing, scheduling
from insights.search.backends import get_backend, reset_backend
from insights.search.base import Filters, IndexBusy, SearchHit
from insights.search.documents import all_documents, highlight_documents, transcript_documents
from insights.search.query import parse_query
from insights.search.whoosh.backend import WhooshBackend
from interviews.models import (
    FieldNote,
    Participant,
    ResearchProject,
    Session,
    Speaker,
    Transcript,
    Utterance,
)
from tests.factories import make_participant, make_session, make_transcript

pytestmark = pytest.mark.django_db

Committed = Callable[[], AbstractContextManager[list[Callable[[], object]]]]
Queued = list[tuple[str, tuple[object, ...]]]

SESSION_DAY = dt.datetime(2026, 10, 12, 14, 30, tzinfo=dt.UTC)

# A second interview: one speaker who matches nobody in the session ("Guest 7").
OTHER_VTT = """WEBVTT

00:00:01.000 --> 00:00:04.000
Guest 7: The badge reader at reception rejects contractors every Monday.
"""


# --- Fixtures ------------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def whoosh(settings: Settings) -> None:
    """These tests pin the Whoosh backend, whatever SEARCH_BACKEND the environment sets."""
    settings.SEARCH_BACKEND = "whoosh"
    reset_backend()


@pytest.fixture(autouse=True)
def eager() -> Iterator[None]:
    """Run tasks inline even where REDIS_URL is set (CI), as the embedded set-up does."""
    conf = celery_app.conf
    before = (conf.task_always_eager, conf.task_eager_propagates)
    conf.task_always_eager = conf.task_eager_propagates = True
    yield
    conf.task_always_eager, conf.task_eager_propagates = before


@pytest.fixture
def committed(
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> Committed:
    """`with committed(): …` runs the block's on_commit callbacks at its end, like a commit."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def interviewer(lead: User) -> User:
    lead.first_name, lead.last_name = "Sam", "Rivera"
    lead.save()
    return lead


@pytest.fixture
def ada(db: None) -> Participant:
    return make_participant(name="Ada Lovelace", segment="large", region="emea", tier="premium")


@pytest.fixture
def study(project: ResearchProject) -> ResearchProject:
    project.framework = JourneyFramework.objects.get(slug="cx-journey")
    project.save()
    return project


@pytest.fixture
def session(study: ResearchProject, ada: Participant, interviewer: User) -> Session:
    return make_session(
        study, participants=[ada], interviewers=[interviewer], scheduled_at=SESSION_DAY
    )


@pytest.fixture
def transcript(session: Session, committed: Committed) -> Transcript:
    with committed():
        return make_transcript(session)


# --- Helpers -------------------------------------------------------------------------------------


def hits(
    text: str, *, projects: list[ResearchProject] | None = None, **facets: str
) -> list[SearchHit]:
    query = parse_query(text)
    extra = Filters(values={facet: (value,) for facet, value in facets.items()})
    project_ids = (
        [p.pk for p in projects]
        if projects
        else list(ResearchProject.objects.values_list("pk", flat=True))
    )
    results = get_backend().search(
        query, project_ids=project_ids, filters=query.filters.merged_with(extra), limit=100
    )
    return results.hits


def found(text: str, **facets: Any) -> set[str]:
    return {hit.doc_id for hit in hits(text, **facets)}


def utterance_id(transcript: Transcript, needle: str) -> str:
    return f"utterance:{Utterance.objects.get(transcript=transcript, text__contains=needle).pk}"


def code_highlight(
    transcript: Transcript,
    needle: str,
    *,
    by: User,
    codes: Sequence[Code] = (),
    stage: str = "Onboarding",
) -> Highlight:
    start = transcript.text.index(needle)
    return highlight_create(
        project=transcript.session.project,
        coder=by,
        start=start,
        end=start + len(needle),
        fields=HighlightFields(
            stage=Stage.objects.get(framework__slug="cx-journey", name=stage), codes=codes
        ),
        transcript=transcript,
    )


def code_note(note: FieldNote, needle: str, *, by: User) -> Highlight:
    start = note.text.index(needle)
    return highlight_create(
        project=note.session.project,
        coder=by,
        start=start,
        end=start + len(needle),
        fields=HighlightFields(),
        field_note=note,
    )


# --- Documents: never personal data --------------------------------------------------------------


def test_documents_name_speakers_by_pseudonym_never_by_label(
    transcript: Transcript, ada: Participant, researcher: User, committed: Committed
) -> None:
    # The file's labels are real names: "Ada Lovelace" (the participant), "Sam Rivera".
    assert set(Speaker.objects.values_list("label", flat=True)) == {"Ada Lovelace", "Sam Rivera"}
    with committed():
        note = FieldNote.objects.create(
            session=transcript.session, text="Ada showed the IdP console."
        )
        code_highlight(transcript, "SAML took three weeks", by=researcher)
        code_note(note, "IdP console", by=researcher)

    documents = list(all_documents())
    assert len(documents) == 2 + 1 + 2  # two turns, a note, two highlights
    for document in documents:
        personal = f"{document.speaker} {document.title} {document.url}"
        assert "Lovelace" not in personal and "Ada" not in personal
        assert "Rivera" not in personal and "Sam" not in personal

    by_id = {document.doc_id: document for document in documents}
    saml = by_id[utterance_id(transcript, "SAML")]
    assert saml.speaker == ada.pseudonym
    assert saml.speaker_kind == "participant"
    assert (saml.segment, saml.region, saml.tier) == ("large", "emea", "premium")
    assert saml.title == f"{ada.pseudonym} · Premium to Ultimate up-tier · 12 Oct 2026"
    assert saml.session_date == dt.date(2026, 10, 12)
    assert saml.time_ms == 5000
    assert (
        saml.url
        == reverse(
            "insights:transcript-detail",
            args=["uptier", transcript.session_id, transcript.pk],
        )
        + f"#u-{saml.doc_id.split(':')[1]}"
    )

    question = by_id[utterance_id(transcript, "SSO rollout")]
    assert (question.speaker, question.speaker_kind) == ("Interviewer", "interviewer")
    assert question.title == "Interviewer · Premium to Ultimate up-tier · 12 Oct 2026"
    assert (question.segment, question.region, question.tier) == ("", "", "")

    note_doc = by_id[f"field_note:{note.pk}"]
    assert note_doc.url == transcript.session.get_absolute_url() + f"#note-{note.pk}"
    assert note_doc.title == (
        f"Observation note · {ada.pseudonym} · Premium to Ultimate up-tier · 12 Oct 2026"
    )
    assert note_doc.segment == "large"

    # Found through the index, the hit shows the pseudonym too.
    [hit] = hits("SAML", kind="utterance")
    assert hit.speaker == ada.pseudonym
    assert "Lovelace" not in hit.title


def test_an_unmapped_speaker_is_nobody(session: Session, committed: Committed) -> None:
    with committed():
        transcript = make_transcript(session, filename="guest.vtt", data=OTHER_VTT.encode())
    [document] = transcript_documents([transcript.pk])
    assert Speaker.objects.get(transcript=transcript).label == "Guest 7"
    assert (document.speaker, document.speaker_kind) == ("", "")
    assert document.title == "Premium to Ultimate up-tier · 12 Oct 2026"


def test_highlight_documents_carry_stage_codes_and_the_place(
    transcript: Transcript, ada: Participant, researcher: User
) -> None:
    project = transcript.session.project
    sso, _ = code_get_or_create(project=project, name="SSO", by=researcher)
    idp, _ = code_get_or_create(project=project, name="IdP delays", by=researcher)
    highlight = code_highlight(transcript, "SAML took three weeks", by=researcher, codes=[sso, idp])
    Highlight.objects.filter(pk=highlight.pk).update(sentiment=-1, pain_severity=3)

    [document] = highlight_documents([highlight.pk])
    assert document.text == "SAML took three weeks"
    assert (document.stage, document.stage_name) == ("onboarding", "Onboarding")
    assert document.codes == ("idp-delays", "sso")
    assert document.code_names == ("IdP delays", "SSO")
    assert document.sentiment == -1
    assert document.pain_severity == 3  # weighs in the ranking
    assert document.passage == f"transcript:{transcript.pk}:{highlight.start}:{highlight.end}"
    assert document.speaker == ada.pseudonym
    assert document.tier == "premium"
    assert document.url.endswith(f"#u-{highlight.utterance_id}")


# --- Incremental updates -------------------------------------------------------------------------


def test_an_imported_transcript_is_found(transcript: Transcript) -> None:
    assert found("SAML") == {utterance_id(transcript, "SAML")}
    assert found("procurement") == {utterance_id(transcript, "procurement")}


def test_one_file_uploaded_on_the_import_page_is_found_once_committed(
    researcher_client: Client, session: Session, committed: Committed
) -> None:
    """One small file is imported by the request itself (no job): its save schedules the index."""
    url = reverse("interviews:transcript-import", args=[session.project.slug])
    data = b"Interviewer: What slowed the rollout?\nAna: The turnstile rejects contractors.\n"
    with committed():
        response = researcher_client.post(
            url, {"files": [SimpleUploadedFile("rollout call.txt", data)]}
        )

    transcript = Transcript.objects.get(source_filename="rollout call.txt")
    assert response["Location"] == transcript.get_absolute_url()
    assert found("turnstile") == {utterance_id(transcript, "turnstile")}


def test_an_edited_field_note_is_found_by_its_new_words_only(
    session: Session, committed: Committed
) -> None:
    with committed():
        note = FieldNote.objects.create(session=session, text="The badge reader jams.")
    assert found("badge") == {f"field_note:{note.pk}"}

    with committed():
        note.text = "The turnstile rejects contractors."
        note.save()
    assert found("turnstile") == {f"field_note:{note.pk}"}
    assert found("badge") == set()


def test_a_deleted_field_note_is_gone(session: Session, committed: Committed) -> None:
    with committed():
        note = FieldNote.objects.create(session=session, text="The badge reader jams.")
    with committed():
        note.delete()
    assert found("badge") == set()
    assert get_backend().document_ids() == set()


def test_a_deleted_highlight_is_gone(
    transcript: Transcript, researcher: User, committed: Committed
) -> None:
    with committed():
        highlight = code_highlight(transcript, "SAML took three weeks", by=researcher)
    assert found("SAML", kind="highlight") == {f"highlight:{highlight.pk}"}

    with committed():
        highlight_delete(highlight=highlight, by=researcher)
    assert found("SAML", kind="highlight") == set()
    assert f"highlight:{highlight.pk}" not in get_backend().document_ids()
    assert found("SAML") == {utterance_id(transcript, "SAML")}


def test_a_deleted_transcript_takes_its_utterances_and_highlights_along(
    transcript: Transcript, researcher: User, session: Session, committed: Committed
) -> None:
    with committed():
        code_highlight(transcript, "SAML took three weeks", by=researcher)
        other = make_transcript(session, filename="guest.vtt", data=OTHER_VTT.encode())
    assert len(get_backend().document_ids()) == 2 + 1 + 1

    with committed():
        transcript.delete()
    assert get_backend().document_ids() == {utterance_id(other, "badge")}


def test_a_renamed_code_reaches_its_highlights(
    transcript: Transcript, researcher: User, committed: Committed
) -> None:
    sso, _ = code_get_or_create(project=transcript.session.project, name="SSO", by=researcher)
    with committed():
        highlight = code_highlight(transcript, "SAML took three weeks", by=researcher, codes=[sso])
    assert found("SAML", code="sso") == {f"highlight:{highlight.pk}"}

    with committed():
        sso.name, sso.slug = "Single sign-on", "single-sign-on"
        sso.save()
    assert found("SAML", code="single-sign-on") == {f"highlight:{highlight.pk}"}
    assert found("SAML", code="sso") == set()
    [hit] = hits("SAML", kind="highlight")
    assert hit.code_names == ("Single sign-on",)


def test_merged_and_deleted_codes_reach_their_highlights(
    transcript: Transcript, researcher: User, committed: Committed
) -> None:
    project = transcript.session.project
    sso, _ = code_get_or_create(project=project, name="SSO", by=researcher)
    saml, _ = code_get_or_create(project=project, name="SAML", by=researcher)
    with committed():
        highlight = code_highlight(transcript, "SAML took three weeks", by=researcher, codes=[saml])

    # code_merge moves the codings with QuerySet.update() (no signals), then saves the target.
    with committed():
        code_merge(source=saml, target=sso, by=researcher)
    assert found("SAML", code="sso") == {f"highlight:{highlight.pk}"}
    assert found("SAML", code="saml") == set()

    with committed():
        code_delete(code=sso, by=researcher, confirm_uses=1)
    assert found("SAML", code="sso") == set()
    assert found("SAML", kind="highlight") == {f"highlight:{highlight.pk}"}


def test_coding_a_highlight_again_updates_its_codes(
    transcript: Transcript, researcher: User, committed: Committed
) -> None:
    sso, _ = code_get_or_create(project=transcript.session.project, name="SSO", by=researcher)
    with committed():
        highlight = code_highlight(transcript, "SAML took three weeks", by=researcher)
    assert found("SAML", code="sso") == set()
    with committed():
        highlight.coded_items.create(tag=sso, coder=researcher)
    assert found("SAML", code="sso") == {f"highlight:{highlight.pk}"}


def test_remapping_a_speaker_reindexes_the_transcript(
    session: Session, ada: Participant, committed: Committed
) -> None:
    with committed():
        transcript = make_transcript(session, filename="guest.vtt", data=OTHER_VTT.encode())
    assert found("badge", speaker_kind="participant") == set()

    with committed():
        speaker = Speaker.objects.get(transcript=transcript)
        speaker.participant = ada
        speaker.save(update_fields=["participant"])
    [hit] = hits("badge", speaker_kind="participant")
    assert hit.speaker == ada.pseudonym


def test_a_participants_new_tier_reaches_what_they_said(
    transcript: Transcript, ada: Participant, committed: Committed
) -> None:
    assert found("SAML", tier="ultimate") == set()
    with committed():
        ada.tier = "ultimate"
        ada.save()
    assert found("SAML", tier="ultimate") == {utterance_id(transcript, "SAML")}


def test_a_renamed_study_renames_every_title(transcript: Transcript, committed: Committed) -> None:
    project = transcript.session.project
    with committed():
        project.title = "Ultimate adoption"
        project.save()
    assert {hit.title.split(" · ")[1] for hit in hits("SAML OR procurement")} == {
        "Ultimate adoption"
    }


# --- Queueing: once per change, and never in the way of a save -----------------------------------


@pytest.fixture
def queued(monkeypatch: pytest.MonkeyPatch) -> Queued:
    """Record the tasks queued instead of running them."""
    calls: Queued = []
    for name in (
        "index_transcript",
        "index_field_note",
        "index_highlight",
        "index_highlights",
        "remove_documents",
    ):
        task = getattr(tasks, name)
        monkeypatch.setattr(
            task, "delay", lambda *args, _name=name, **kwargs: calls.append((_name, args))
        )
    return calls


def test_one_task_per_changed_source_per_transaction(
    session: Session, queued: Queued, committed: Committed
) -> None:
    with committed():
        transcript = make_transcript(session)  # a transcript, 2 speakers, 2 utterances
        note = FieldNote.objects.create(session=session, text="First")
        note.text = "Second"
        note.save()
        note.save()
    assert sorted(queued) == [
        ("index_field_note", (note.pk,)),
        ("index_transcript", (transcript.pk,)),
    ]


def test_a_rolled_back_change_is_not_queued(
    session: Session, queued: Queued, committed: Committed
) -> None:
    with committed():
        try:
            with transaction.atomic():
                FieldNote.objects.create(session=session, text="Never saved")
                raise RuntimeError
        except RuntimeError:
            pass
        kept = FieldNote.objects.create(session=session, text="Saved")
    assert queued == [("index_field_note", (kept.pk,))]


def test_a_deleted_source_is_removed_not_reindexed(
    session: Session, queued: Queued, committed: Committed
) -> None:
    with committed():
        note = FieldNote.objects.create(session=session, text="Short-lived")
        note_id = note.pk
        note.delete()
    assert queued == [("remove_documents", ([f"field_note:{note_id}"],))]


def test_nothing_is_queued_while_indexing_is_suspended(
    session: Session, queued: Queued, committed: Committed
) -> None:
    with committed(), scheduling.suspended():
        FieldNote.objects.create(session=session, text="Bulk-loaded")
    assert queued == []
    with committed():
        note = FieldNote.objects.create(session=session, text="Saved by a user")
    assert queued == [("index_field_note", (note.pk,))]


def test_a_broker_that_is_down_never_breaks_the_save(
    session: Session,
    researcher_client: Client,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    committed: Committed,
) -> None:
    def broker_down(*args: object, **kwargs: Any) -> None:
        raise ConnectionRefusedError(111, "Connection refused")

    celery_app.conf.task_always_eager = False  # the eager fixture restores it
    indexing.release_drain_claim()  # one left by another test would hold the publish
    monkeypatch.setattr(tasks.index_pending, "apply_async", broker_down)
    url = reverse("interviews:fieldnote-create", args=["uptier", session.pk])
    with caplog.at_level(logging.ERROR, logger="insights.search"), committed():
        response = researcher_client.post(
            url, {"kind": "observation", "text": "Badge reader jams."}
        )

    assert response.status_code == 302
    assert FieldNote.objects.filter(text="Badge reader jams.").exists()
    assert "could not queue the index work of 1 change(s)" in caplog.text


def test_a_busy_index_is_logged_not_raised_and_not_retried_inline(
    session: Session,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    committed: Committed,
) -> None:
    attempts: list[int] = []

    def busy(self: WhooshBackend, documents: object) -> None:
        attempts.append(1)
        raise IndexBusy("Another process is writing to the index.")

    monkeypatch.setattr(WhooshBackend, "index", busy)
    with caplog.at_level(logging.ERROR, logger="insights.search"), committed():
        note = FieldNote.objects.create(session=session, text="Badge reader jams.")

    assert FieldNote.objects.filter(pk=note.pk).exists()
    assert attempts == [1]  # no eight inline retries inside the user's request
    assert f"insights.tasks.index_field_note({note.pk},) failed" in caplog.text
    assert "IndexBusy" in caplog.text


def test_the_search_tasks_retry_transient_errors_with_backoff() -> None:
    for task in (
        tasks.index_transcript,
        tasks.index_field_note,
        tasks.index_highlight,
        tasks.remove_documents,
    ):
        assert IndexBusy in task.autoretry_for
        assert task.retry_backoff and task.max_retries == 8
    route = celery_app.amqp.router.route({}, "insights.tasks.index_field_note")
    assert route["queue"].name == "search"
    assert (
        celery_app.amqp.router.route({}, "insights.tasks.remove_documents")["queue"].name
        == "search"
    )


def test_a_task_for_a_missing_row_removes_its_document(
    session: Session, committed: Committed
) -> None:
    with committed():
        note = FieldNote.objects.create(session=session, text="The badge reader jams.")
    FieldNote.objects.filter(pk=note.pk).delete()  # no signal: as if the removal was lost
    assert found("badge") == {f"field_note:{note.pk}"}
    tasks.index_field_note.delay(note.pk)
    tasks.index_highlight.delay(123456)
    assert found("badge") == set()


# --- Rebuild -------------------------------------------------------------------------------------


def test_rebuild_gives_the_index_that_incremental_updates_gave(
    transcript: Transcript,
    session: Session,
    researcher: User,
    ada: Participant,
    committed: Committed,
) -> None:
    project = transcript.session.project
    sso, _ = code_get_or_create(project=project, name="SSO", by=researcher)
    with committed():
        other = make_transcript(session, filename="guest.vtt", data=OTHER_VTT.encode())
        note = FieldNote.objects.create(session=session, text="Badge reader at the SSO desk.")
        code_highlight(transcript, "SAML took three weeks", by=researcher, codes=[sso])
        gone = code_highlight(transcript, "licence true-up", by=researcher)
        code_note(note, "Badge reader", by=researcher)
    with committed():
        highlight_delete(highlight=gone, by=researcher)
        sso.name = "Single sign-on"
        sso.save()
        ada.region = "amer"
        ada.save()
        other.delete()

    backend = get_backend()
    incremental_ids = backend.document_ids()
    queries = ["SAML OR badge OR procurement", "sso", "region:amer", "code:single-sign-on"]
    incremental = {text: hits(text) for text in queries}

    call_command("rebuild_index", stdout=io.StringIO())
    assert backend.document_ids() == incremental_ids
    assert len(incremental_ids) == 2 + 1 + 2
    for text in queries:
        # Equal scores may come in another order from a freshly written index: compare sets.
        rebuilt = {(h.doc_id, h.title, h.speaker, h.code_names, h.url) for h in hits(text)}
        before = {(h.doc_id, h.title, h.speaker, h.code_names, h.url) for h in incremental[text]}
        assert rebuilt == before, text
        assert rebuilt, text


def test_all_documents_reads_in_batches(
    transcript: Transcript, session: Session, researcher: User
) -> None:
    FieldNote.objects.create(session=session, text="One")
    FieldNote.objects.create(session=session, text="Two")
    code_highlight(transcript, "SAML took three weeks", by=researcher)
    whole = [doc.doc_id for doc in all_documents()]
    assert [doc.doc_id for doc in all_documents(batch_size=2)] == whole
    assert len(whole) == 2 + 2 + 1


@pytest.mark.parametrize("sessions", [2, 20])
def test_all_documents_costs_the_same_queries_for_2_or_20_transcripts(
    sessions: int,
    study: ResearchProject,
    researcher: User,
    django_assert_num_queries: DjangoAssertNumQueries,
) -> None:
    sso, _ = code_get_or_create(project=study, name="SSO", by=researcher)
    for _ in range(sessions):
        session = make_session(study, participants=[make_participant()])
        transcript = make_transcript(session)
        note = FieldNote.objects.create(session=session, text="Badge reader jams.")
        code_highlight(transcript, "SAML took three weeks", by=researcher, codes=[sso])
        code_note(note, "Badge reader", by=researcher)

    # 1 utterances with speakers, sessions, studies; 2 their transcripts' redactions
    # 3 field notes with sessions, studies; 4 their redactions; 5 their sessions' first
    #   participants
    # 6 highlights with stages, utterances, speakers; 7 their codes; 8 their sources'
    #   redactions; 9 first participants of the sessions of highlighted notes
    with django_assert_num_queries(9):
        documents = list(all_documents())
    assert len(documents) == sessions * (2 + 1 + 2)


# --- Commands ------------------------------------------------------------------------------------


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_rebuild_index_prints_a_line_per_batch_and_totals(
    transcript: Transcript, session: Session, researcher: User
) -> None:
    FieldNote.objects.create(session=session, text="Badge reader jams.")
    code_highlight(transcript, "SAML took three weeks", by=researcher)
    get_backend().clear()

    out = io.StringIO()
    call_command("rebuild_index", "--batch-size", "2", stdout=out)
    assert out.getvalue().splitlines()[:3] == [
        "[..............................] 0/4 documents",
        "[###############...............] 2/4 documents",
        "[##############################] 4/4 documents",
    ]
    totals = out.getvalue().splitlines()[3]
    assert totals.startswith("Indexed 4 documents (2 utterances, 1 field note, 1 highlight) in ")
    assert totals.endswith(" s.")
    assert len(get_backend().document_ids()) == 4


def test_rebuild_index_redraws_one_bar_on_a_terminal(transcript: Transcript) -> None:
    out = FakeTerminal()
    call_command("rebuild_index", "--batch-size", "2", stdout=out)
    bar, totals = out.getvalue().rstrip("\n").split("\n")
    assert bar == (
        "\r[..............................] 0/2 documents"
        "\r[##############################] 2/2 documents"
    )
    assert totals.startswith("Indexed 2 documents (2 utterances, 0 field notes, 0 highlights)")


def test_search_command_prints_hits_with_plain_snippets(
    transcript: Transcript, ada: Participant
) -> None:
    out = io.StringIO()
    call_command("search", "saml", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[0].endswith(f"  {ada.pseudonym} · Premium to Ultimate up-tier · 12 Oct 2026")
    float(lines[0].split()[0])  # the score
    assert lines[1].strip() == (
        reverse("insights:transcript-detail", args=["uptier", transcript.session_id, transcript.pk])
        + f"#u-{utterance_id(transcript, 'SAML').split(':')[1]}"
    )
    assert "**SAML**" in lines[2] and "<mark>" not in lines[2]
    assert lines[3] == "1 of 1 hit."


def test_search_command_filters_by_project_and_stage(
    transcript: Transcript, researcher: User
) -> None:
    code_highlight(transcript, "SAML took three weeks", by=researcher, stage="Adoption")
    call_command("rebuild_index", stdout=io.StringIO())

    out = io.StringIO()
    call_command("search", "SAML", "--project", "uptier", "--stage", "Adoption", stdout=out)
    assert out.getvalue().splitlines()[-1] == "1 of 1 hit."
    assert "**SAML**" in out.getvalue()

    out = io.StringIO()
    call_command("search", "SAML", "--stage", "Onboarding", stdout=out)
    assert out.getvalue().splitlines() == ["0 of 0 hits."]

    with pytest.raises(CommandError, match="No study with the slug 'nope'"):
        call_command("search", "SAML", "--project", "nope", stdout=io.StringIO())


# --- The backend of this process -----------------------------------------------------------------


def test_one_backend_per_process_until_reset(tmp_path: Path) -> None:
    backend = get_backend()
    assert get_backend() is backend
    assert isinstance(backend, WhooshBackend)
    assert backend.index_dir == (tmp_path / "index").absolute()
    reset_backend()
    assert get_backend() is not backend


def test_scheduling_outside_a_transaction_runs_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple] = []
    monkeypatch.setattr(tasks.remove_documents, "delay", lambda *args, **kwargs: calls.append(args))
    monkeypatch.setattr(transaction.get_connection(), "in_atomic_block", False)
    scheduling.schedule_removal(indexing.FIELD_NOTE, 7, ["field_note:7"])
    assert calls == [(["field_note:7"],)]
