"""Right to erasure: the name leaves every place it was written; the evidence stays.

Both transcripts' source files hold her name (the panel's as a speaker label), so both go.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager

import pytest
from django.apps import apps
from django.contrib.auth.models import User
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db.models import CharField, JSONField, TextField
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pytest_django import DjangoCaptureOnCommitCallbacks, Settings

from cxresearch.celery import app as celery_app
from insights.coding import HighlightFields, highlight_create
from insights.models import Highlight
from insights.search.backends import reset_backend
from insights.search.service import search
from interviews.models import (
    AttributeValue,
    AuditEvent,
    ConsentRecord,
    EnrollmentEvent,
    FieldNote,
    Participant,
    ParticipantIdentity,
    Redaction,
    ResearchProject,
    Session,
    Speaker,
    Transcript,
    Utterance,
)
from interviews.services import participant_erase
from jobs.models import BackgroundJob, JobItem
from tests.factories import (
    make_attribute,
    make_consent,
    make_enrollment,
    make_participant,
    make_project,
    make_session,
    make_transcript,
)

pytestmark = pytest.mark.django_db

Committed = Callable[[], AbstractContextManager[list[Callable[[], object]]]]

INTERVIEW_VTT = """WEBVTT

00:00:01.000 --> 00:00:04.000
Sam Rivera: Thanks for making the time, Ingrid. Is ingrid.berg@nordlys.no still best?

00:00:05.000 --> 00:00:11.500
Ingrid Berg: Yes. At Nordlys we moved to SAML in March, and INGRID is my login.

00:00:12.000 --> 00:00:15.000
Ingrid: The licence true-up surprised procurement too.
"""

# Another study's session, where she speaks without being its participant.
PANEL_VTT = """WEBVTT

00:00:01.000 --> 00:00:04.000
Ingrid Berg (Nordlys): Our renewal went through procurement twice.

00:00:05.000 --> 00:00:08.000
Omar Haddad: Ours too, Ingrid.
"""

# Every spelling of what must go, as a pattern over any text.
GONE = re.compile(r"ingrid|berg|nordlys", re.IGNORECASE)


@pytest.fixture(autouse=True)
def whoosh(settings: Settings) -> Iterator[None]:
    settings.SEARCH_BACKEND = "whoosh"
    reset_backend()
    conf = celery_app.conf
    before = (conf.task_always_eager, conf.task_eager_propagates)
    conf.task_always_eager = conf.task_eager_propagates = True
    yield
    conf.task_always_eager, conf.task_eager_propagates = before
    reset_backend()


@pytest.fixture(autouse=True)
def search_index_dir(settings: Settings, tmp_path) -> None:
    settings.SEARCH_INDEX_DIR = tmp_path / "index"


@pytest.fixture
def committed(django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks) -> Committed:
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def ingrid(db: None) -> Participant:
    return make_participant(name="Ingrid Berg", email="ingrid.berg@nordlys.no", company="Nordlys")


@pytest.fixture
def world(
    project: ResearchProject, ingrid: Participant, lead: User, committed: Committed
) -> dict[str, object]:
    omar = make_participant(name="Omar Haddad", company="Haddad Freight")
    with committed():
        session = make_session(project, participants=[ingrid], title="Ingrid Berg at Nordlys")
        transcript = make_transcript(
            session, filename="ingrid_berg_2026-10-12.vtt", data=INTERVIEW_VTT.encode(), by=lead
        )
        panel_session = make_session(project, participants=[omar], title="Renewal panel")
        panel = make_transcript(
            panel_session, filename="panel.vtt", data=PANEL_VTT.encode(), by=lead
        )
        Speaker.objects.filter(transcript=panel, label="Ingrid Berg (Nordlys)").update(
            participant=ingrid
        )
        note = FieldNote.objects.create(
            session=session, text="Ingrid showed the Nordlys admin console to the team."
        )
        start = transcript.text.index("Yes. At Nordlys")
        quote = highlight_create(
            project=project,
            coder=lead,
            start=start,
            end=start + len("Yes. At Nordlys we moved to SAML"),
            fields=HighlightFields(memo="Ingrid sounded annoyed about Nordlys IT."),
            transcript=transcript,
        )
        note_quote = highlight_create(
            project=project,
            coder=lead,
            start=0,
            end=len("Ingrid showed the Nordlys admin console"),
            fields=HighlightFields(),
            field_note=note,
        )
    return {
        "session": session,
        "transcript": transcript,
        "panel": panel,
        "note": note,
        "quote": quote,
        "note_quote": note_quote,
        "file": transcript.source_file.name,
        "omar": omar,
    }


def erase(ingrid: Participant, lead: User, committed: Committed) -> None:
    with committed():
        participant_erase(participant=ingrid, by=lead)


def test_the_stored_file_and_transcript_are_named_as_expected_before(world, ingrid) -> None:
    # What the test below removes is really there to start with.
    transcript = world["transcript"]
    assert "ingrid_berg" in transcript.source_filename and "ingrid_berg" in world["file"]
    assert default_storage.exists(world["file"])
    assert Speaker.objects.filter(label__icontains="Ingrid").count() == 3
    assert GONE.search(transcript.text)


def test_erasure_leaves_the_name_in_no_text_column_and_no_file(
    world, ingrid: Participant, lead: User, committed: Committed
) -> None:
    erase(ingrid, lead, committed)

    assert not ParticipantIdentity.objects.filter(participant=ingrid).exists()
    texts: list[str] = []
    for transcript in Transcript.objects.all():
        texts += [transcript.text, transcript.title, transcript.source_filename]
        texts.append(transcript.source_file.name or "")
    texts += list(Utterance.objects.values_list("text", flat=True))
    texts += list(Speaker.objects.values_list("label", flat=True))
    texts += [f"{h.text} {h.memo}" for h in Highlight.objects.all()]
    texts += list(FieldNote.objects.values_list("text", flat=True))
    texts += list(Session.objects.values_list("title", flat=True))
    assert [text for text in texts if GONE.search(text)] == []
    assert not default_storage.exists(world["file"])
    # Omar's name in the panel is not hers: it stays.
    assert "Omar Haddad" in Speaker.objects.filter(transcript=world["panel"]).values_list(
        "label", flat=True
    )


@pytest.fixture
def written_about(world, project: ResearchProject, ingrid: Participant, lead: User) -> None:
    """Free text written about her beside the sources: what real teams type and files carry."""
    transcript = world["transcript"]
    Transcript.objects.filter(pk=transcript.pk).update(
        source_metadata={
            "title": "Ingrid Berg (Nordlys) – onboarding",
            "speakers": ["Sam Rivera", "Ingrid Berg"],
            "details": [{"note": "ingrid.berg@nordlys.no joined late"}, 3, None],
        }
    )
    consent = make_consent(ingrid, project=project)
    ConsentRecord.objects.filter(pk=consent.pk).update(note="Signed by Ingrid Berg by e-mail")
    enrollment = make_enrollment(project, ingrid)
    EnrollmentEvent.objects.create(
        enrollment=enrollment,
        from_status="identified",
        to_status="contacted",
        by=lead,
        note="Ingrid asked to move to Thursday",
        override_reason="Nordlys is a strategic account",
    )
    AttributeValue.objects.create(
        enrollment=enrollment,
        attribute=make_attribute(project, "champion"),
        text_value="Ingrid Berg, Nordlys",
    )
    job = BackgroundJob.objects.create(
        kind=BackgroundJob.Kind.IMPORT_TRANSCRIPTS,
        project=project,
        started_by=lead,
        state=BackgroundJob.State.DONE,
        message="Imported ingrid_berg_2026-10-12.vtt",
    )
    JobItem.objects.create(
        job=job,
        position=0,
        label="ingrid_berg_2026-10-12.vtt",
        outcome=JobItem.Outcome.DONE,
        message="3 turns; speaker Ingrid Berg matched",
    )


def _text_columns() -> Iterator[tuple[str, str]]:
    """(model label, field name) of every text, character and JSON column of the product."""
    for app in ("interviews", "insights", "jobs"):
        for model in apps.get_app_config(app).get_models():
            for field in model._meta.concrete_fields:
                if isinstance(field, (CharField, TextField, JSONField)):
                    yield model._meta.label, field.name


def test_erasure_leaves_the_name_in_no_column_of_any_model(
    world, written_about, ingrid: Participant, lead: User, committed: Committed
) -> None:
    def columns_naming_her() -> set[str]:
        found = set()
        for label, name in _text_columns():
            for value in apps.get_model(label)._default_manager.values_list(name, flat=True):
                if value is not None and GONE.search(json.dumps(value, ensure_ascii=False)):
                    found.add(f"{label}.{name}")
        return found

    before = columns_naming_her()
    assert {
        "interviews.ConsentRecord.note",
        "interviews.EnrollmentEvent.note",
        "interviews.EnrollmentEvent.override_reason",
        "interviews.AttributeValue.text_value",
        "interviews.Transcript.source_metadata",
        "jobs.BackgroundJob.message",
        "jobs.JobItem.label",
        "jobs.JobItem.message",
    } <= before
    erase(ingrid, lead, committed)

    assert columns_naming_her() == set()
    metadata = Transcript.objects.get(pk=world["transcript"].pk).source_metadata
    assert metadata["speakers"] == ["Sam Rivera", ingrid.pseudonym]
    assert metadata["details"] == [{"note": "[e-mail] joined late"}, 3, None]
    assert JobItem.objects.get().label == f"{ingrid.pseudonym}_2026-10-12.vtt"


def test_erasure_keeps_the_quotes_under_the_pseudonym_and_the_offsets(
    world, ingrid: Participant, lead: User, committed: Committed
) -> None:
    highlights_before = Highlight.objects.count()
    erase(ingrid, lead, committed)

    assert Highlight.objects.count() == highlights_before
    for transcript in Transcript.objects.all():
        for u in transcript.utterances.all():
            assert transcript.text[u.start : u.end] == u.text
    for h in Highlight.objects.select_related("transcript", "field_note"):
        source = h.transcript or h.field_note
        assert source.text[h.start : h.end] == h.text
    quote = Highlight.objects.get(pk=world["quote"].pk)
    assert quote.text == "Yes. At ███████ we moved to SAML"
    assert quote.memo == f"{ingrid.pseudonym} sounded annoyed about [company] IT."
    assert quote.utterance.speaker.participant_id == ingrid.pk
    # Her labels are her pseudonym now, merged into one speaker per transcript.
    labels = Speaker.objects.filter(participant=ingrid).values_list("transcript_id", "label")
    assert sorted(labels) == sorted(
        [(world["transcript"].pk, ingrid.pseudonym), (world["panel"].pk, ingrid.pseudonym)]
    )
    transcript = Transcript.objects.get(pk=world["transcript"].pk)
    assert transcript.source_filename == f"{ingrid.pseudonym}_2026-10-12.vtt"
    assert Session.objects.get(pk=world["session"].pk).title == f"{ingrid.pseudonym} at [company]"


def test_erased_spans_are_permanent_redactions_everyone_reads_as_placeholders(
    world,
    ingrid: Participant,
    lead: User,
    committed: Committed,
    lead_client: Client,
    viewer_client: Client,
) -> None:
    erase(ingrid, lead, committed)
    transcript = world["transcript"]
    redactions = Redaction.objects.filter(transcript=transcript)
    assert redactions.exists() and all(r.permanent for r in redactions)
    assert set(redactions.values_list("kind", flat=True)) == {"name", "email", "company"}

    for client in (lead_client, viewer_client):
        html = client.get(transcript.get_absolute_url()).content.decode()
        assert not GONE.search(html)
        assert 'time, <span class="redacted"' in html and ">[name]</span>" in html
        assert "█" not in html.split("<article", 1)[1].split("</article>", 1)[0]
    quotes = lead_client.get(reverse("insights:quote-list", args=[transcript.session.project.slug]))
    texts = [row.text for row in quotes.context["rows"]]
    assert "Yes. At [company] we moved to SAML" in texts
    assert not any(GONE.search(text) for text in texts)


def test_the_speakers_and_session_pages_no_longer_show_her_name(
    world, ingrid: Participant, lead: User, committed: Committed, lead_client: Client
) -> None:
    erase(ingrid, lead, committed)
    transcript = world["transcript"]
    project = transcript.session.project
    speakers = reverse(
        "interviews:transcript-speakers", args=[project.slug, transcript.session_id, transcript.pk]
    )
    for url in (speakers, transcript.session.get_absolute_url(), ingrid.get_absolute_url()):
        html = lead_client.get(url).content.decode()
        assert not GONE.search(html), url
    notes = lead_client.get(
        reverse("insights:session-notes", args=[project.slug, transcript.session_id])
    )
    assert "[name] showed the [company] admin console" in notes.content.decode()


def test_search_finds_her_name_nowhere_after_erasure(
    world, ingrid: Participant, lead: User, committed: Committed
) -> None:
    assert search("Ingrid", user=lead).total > 0
    erase(ingrid, lead, committed)
    for words in ("Ingrid", "Berg", "Nordlys", '"ingrid.berg@nordlys.no"', "ingrid*"):
        assert search(words, user=lead).total == 0, words
    hits = search("SAML", user=lead).hits
    assert hits and all(not GONE.search(hit.snippet_html + hit.title) for hit in hits)


def test_erasure_is_audited_and_can_run_again(
    world, ingrid: Participant, lead: User, committed: Committed
) -> None:
    erase(ingrid, lead, committed)
    event = AuditEvent.objects.get(action=AuditEvent.Action.PII_ERASED)
    assert event.user == lead and event.participant == ingrid
    assert "in 2 transcripts and 1 field note" in event.detail
    assert "2 source files deleted" in event.detail
    redactions = Redaction.objects.count()
    erase(ingrid, lead, committed)  # nothing left to find: nothing changes
    assert Redaction.objects.count() == redactions
    assert AuditEvent.objects.filter(action=AuditEvent.Action.PII_ERASED).count() == 2


def test_the_erase_view_erases_everywhere(
    world, ingrid: Participant, lead_client: Client, committed: Committed
) -> None:
    url = reverse("interviews:participant-erase", args=[ingrid.pseudonym])
    with committed():
        response = lead_client.post(url, {"confirm": ingrid.pseudonym})
    assert response.status_code == 302
    assert not GONE.search(Transcript.objects.get(pk=world["transcript"].pk).text)


def _export(project: ResearchProject, user: User, content: bytes) -> BackgroundJob:
    job = BackgroundJob.objects.create(
        kind=BackgroundJob.Kind.EXPORT,
        project=project,
        started_by=user,
        private=True,
        state=BackgroundJob.State.DONE,
        finished_at=timezone.now(),
        result={"filename": "quotes.xlsx", "rows": 1},
    )
    job.result_file.save("quotes.xlsx", ContentFile(content), save=True)
    return job


def test_erasure_deletes_the_exports_of_her_studies_and_the_download_says_why(
    world, ingrid: Participant, lead: User, lead_client: Client, committed: Committed
) -> None:
    # An export made before the erasure holds her name; another study's export does not.
    theirs = _export(world["session"].project, lead, b"Yes. At Nordlys we moved to SAML")
    elsewhere = make_project("Mid-Market first-order lands", slug="first-order", members={})
    other = _export(elsewhere, lead, b"An unrelated quote")
    names = (str(theirs.result_file.name), str(other.result_file.name))

    erase(ingrid, lead, committed)

    theirs.refresh_from_db()
    other.refresh_from_db()
    assert not theirs.result_file and not default_storage.exists(names[0])
    assert other.result_file and default_storage.exists(names[1])
    response = lead_client.get(reverse("jobs:job-download", args=[theirs.pk]), follow=True)
    assert response.redirect_chain == [(reverse("jobs:job-detail", args=[theirs.pk]), 302)]
    assert "deleted when a participant&#x27;s personal data was erased" in response.content.decode()


def test_an_export_running_while_she_is_erased_keeps_no_file_and_a_retry_makes_a_clean_one(
    world, ingrid: Participant, lead: User, committed: Committed, monkeypatch
) -> None:
    # The export reads the quote with her company's name, then the erasure commits before
    # the export saves its file: that file would hold what the erasure took out.
    from insights.exports import service as exports
    from insights.exports.rows import ExportOptions
    from jobs.runner import job_retry

    write = exports.export_write

    def write_then_erase(**kwargs):
        rows = write(**kwargs)
        kwargs["out"].seek(0)
        assert GONE.search(kwargs["out"].read().decode())  # what it read holds her
        erase(ingrid, lead, committed)
        return rows

    monkeypatch.setattr(exports, "export_write", write_then_erase)
    project = world["session"].project
    files_before = set(_results())
    with committed():
        job = exports.export_start(
            project=project,
            user=lead,
            filters={},
            fmt="csv",
            options=ExportOptions(include_names=False, base_url=""),
        )
    job.refresh_from_db()
    assert job.state == BackgroundJob.State.FAILED
    assert "erased" in job.error and "Run it again" in job.error
    assert not job.result_file
    assert set(_results()) == files_before  # the file it wrote is gone again

    monkeypatch.setattr(exports, "export_write", write)
    with committed():
        job_retry(job)
    job.refresh_from_db()
    assert job.state == BackgroundJob.State.DONE, job.error
    content = job.result_file.open("rb").read().decode()
    assert "SAML" in content and not GONE.search(content)


def _results() -> list[str]:
    """Every job result file in storage."""
    from cxresearch.lib.storage import files_under

    return list(files_under(default_storage, "job-results"))
