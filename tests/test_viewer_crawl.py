"""A viewer walks every page they can reach and searches for every name: nothing personal shows.

A study like the demo's: Ada consented to internal use, Omar to the research team only, and
Ingrid consented too but the interviewer greeted her by name and read out her e-mail address,
which a researcher redacted. The viewer GETs every URL pattern of the interviews, insights
and jobs apps with each interview's ids (the approach of tests/test_permissions.py), then
searches for every identity value and every redacted word. No participant's name, e-mail
address, company or job title, and no redacted text, may appear in any of it, although each
session's title, as researchers type them, names the person and their company.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from html import unescape
from typing import Any

import openpyxl
import pytest
from django.contrib.auth.models import User
from django.core.files.base import ContentFile
from django.test import Client
from django.utils import timezone
from pytest_django import DjangoCaptureOnCommitCallbacks, Settings

from api.tokens import token_create
from cxresearch.celery import app as celery_app
from insights.coding import HighlightFields, code_get_or_create, highlight_create
from insights.models import (
    EvidenceSummary,
    JourneyFramework,
    Recommendation,
    StageMetric,
    Theme,
    ThemeCode,
)
from insights.reports import report_build, report_publish
from insights.search.backends import reset_backend
from insights.themes import ThemeError
from insights.themes.aggregate import themes_aggregate
from interviews.evidence import propose_redactions
from interviews.models import (
    ConsentRecord,
    Enrollment,
    FieldNote,
    Membership,
    Participant,
    ParticipantIdentity,
    Redaction,
    ResearchProject,
)
from interviews.redaction import SpanToRedact, redactions_apply
from jobs.models import BackgroundJob
from tests.api.conftest import token_client
from tests.factories import (
    make_attribute,
    make_consent,
    make_enrollment,
    make_participant,
    make_session,
    make_transcript,
)
from tests.test_permissions import API_ACCESS, app_url_names, url_for

pytestmark = pytest.mark.django_db

Committed = Callable[[], AbstractContextManager[list[Callable[[], object]]]]

ADA_VTT = """WEBVTT

00:00:01.000 --> 00:00:04.000
Sam Rivera: Thanks for joining. How did the SSO rollout go?

00:00:05.000 --> 00:00:11.500
Ada Lovelace: Honestly, SAML took three weeks because our IdP team was busy.
"""

OMAR_VTT = """WEBVTT

00:00:01.000 --> 00:00:04.000
Sam Rivera: Thanks, Omar. Tell me about Haddad Freight's renewal.

00:00:05.000 --> 00:00:09.000
Omar Haddad: The renewal quote doubled and procurement balked.
"""

INGRID_VTT = """WEBVTT

00:00:01.000 --> 00:00:04.000
Sam Rivera: Thanks for making the time, Ingrid. Is ingrid.berg@nordlys.example still best?

00:00:05.000 --> 00:00:11.000
Ingrid Berg: Yes. Onboarding at Nordlys took a month because of the licence true-up.
"""


@pytest.fixture(autouse=True)
def search_index(settings: Settings, tmp_path) -> Iterator[None]:
    settings.SEARCH_BACKEND = "whoosh"
    settings.SEARCH_INDEX_DIR = tmp_path / "index"
    reset_backend()
    conf = celery_app.conf
    before = (conf.task_always_eager, conf.task_eager_propagates)
    conf.task_always_eager = conf.task_eager_propagates = True
    yield
    conf.task_always_eager, conf.task_eager_propagates = before
    reset_backend()


@pytest.fixture
def committed(django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks) -> Committed:
    return lambda: django_capture_on_commit_callbacks(execute=True)


def interview(
    project: ResearchProject,
    lead: User,
    *,
    name: str,
    email: str,
    company: str,
    job_title: str,
    scope: str,
    filename: str,
    vtt: str,
) -> dict[str, Any]:
    person = make_participant(name=name, email=email, company=company, job_title=job_title)
    enrollment = make_enrollment(project, person, status=Enrollment.Status.COMPLETED)
    consent = make_consent(person, scope=scope)
    session = make_session(
        project,
        participants=[person],
        interviewers=[lead],
        title=f"Interview with {name} at {company}",
    )
    transcript = make_transcript(session, filename=filename, data=vtt.encode(), by=lead)
    note = FieldNote.objects.create(
        session=session, text=f"{name.split()[0]} showed the {company} admin console."
    )
    start = transcript.text.index("Thanks")
    highlight = highlight_create(
        project=project,
        coder=lead,
        start=start,
        end=len(transcript.text),
        fields=HighlightFields(memo="Whole exchange."),
        transcript=transcript,
    )
    highlight_create(
        project=project,
        coder=lead,
        start=0,
        end=len(note.text) - 1,
        fields=HighlightFields(),
        field_note=note,
    )
    return {
        "participant": person,
        "enrollment": enrollment,
        "consent": consent,
        "session": session,
        "transcript": transcript,
        "note": note,
        "highlight": highlight,
    }


@pytest.fixture
def study(project: ResearchProject, lead: User, committed: Committed) -> dict[str, Any]:
    project.framework = JourneyFramework.objects.get(slug="cx-journey")
    project.save()
    with committed():
        ada = interview(
            project,
            lead,
            name="Ada Lovelace",
            email="ada@analytical-engines.example",
            company="Analytical Engines",
            job_title="Chief Difference Officer",
            scope=ConsentRecord.Scope.INTERNAL,
            filename="Ada Lovelace - onboarding.vtt",
            vtt=ADA_VTT,
        )
        omar = interview(
            project,
            lead,
            name="Omar Haddad",
            email="omar@haddad-freight.example",
            company="Haddad Freight",
            job_title="Head of Logistics Platforms",
            scope=ConsentRecord.Scope.INTERNAL,  # narrowed below, after the import
            filename="omar_haddad_renewal.vtt",
            vtt=OMAR_VTT,
        )
        ingrid = interview(
            project,
            lead,
            name="Ingrid Berg",
            email="ingrid.berg@nordlys.example",
            company="Nordlys",
            job_title="Identity Programme Manager",
            scope=ConsentRecord.Scope.INTERNAL,
            filename="Ingrid call.vtt",
            vtt=INGRID_VTT,
        )
        omar["participant"].consents.update(scope=ConsentRecord.Scope.RESEARCH_TEAM)
        # The researcher redacts what the app proposes in Ingrid's transcript and notes, and
        # the company Ada's note names.
        for source in (ingrid["transcript"], ingrid["note"], ada["note"]):
            proposals = propose_redactions(
                source.text,
                names=["Ingrid Berg", "Ada Lovelace"],
                companies=["Nordlys", "Analytical Engines"],
            )
            spans = [SpanToRedact(p.start, p.end, p.kind) for p in proposals]
            redactions_apply(source=source, spans=spans, by=lead)
    code, _ = code_get_or_create(project=project, name="SSO", by=lead)
    attribute = make_attribute(project, "uses_ci_cd", kind="choice", choices=["yes", "no"])
    job = BackgroundJob.objects.create(
        kind=BackgroundJob.Kind.COMPUTE_AGREEMENT,
        project=project,
        started_by=lead,
        state=BackgroundJob.State.DONE,
    )
    job.result_file.save("agreement.txt", ContentFile(b"figures"))
    # Aggregated themes, one confirmed, and a published report: viewers read reports.
    try:
        themes_aggregate(project=project)
    except ThemeError:  # quotes without a stage: nothing to aggregate, the report still builds
        EvidenceSummary.objects.create(project=project, participants=3, computed_at=timezone.now())
    theme = Theme.objects.filter(project=project).first() or Theme.objects.create(
        project=project, name="SSO pain"
    )
    theme.status = Theme.Status.CONFIRMED
    theme.save(update_fields=["status"])
    ThemeCode.objects.get_or_create(theme=theme, code=code)
    recommendation = Recommendation.objects.create(project=project, statement="Ship a checklist")
    report = report_publish(report=report_build(project=project, by=lead), by=lead)
    common = {
        "project": project,
        "attribute": attribute,
        "code": code,
        "membership": project.memberships.get(role=Membership.Role.VIEWER),
        "job": job,
        "theme": theme,
        "recommendation": recommendation,
        "report": report,
        "redaction": Redaction.objects.filter(transcript=ingrid["transcript"]).first(),
        "metric": StageMetric.objects.filter(stage__framework=project.framework).first(),
        "token": token_create(user=lead, name="crawl")[0],
    }
    return {"worlds": [{**common, **person} for person in (ada, omar, ingrid)]}


def forbidden_words() -> list[str]:
    """Every identity value (and each word of a name), and every redacted span's text."""
    words: set[str] = set()
    for identity in ParticipantIdentity.objects.all():
        for value in (identity.name, identity.email, identity.company, identity.job_title):
            words.add(value)
        words.update(part for part in identity.name.split() if len(part) >= 3)
    for redaction in Redaction.objects.select_related("transcript", "field_note"):
        source = redaction.transcript or redaction.field_note
        words.add(source.text[redaction.start : redaction.end])
    return sorted(words, key=len, reverse=True)


def leaks(text: str, words: list[str]) -> list[str]:
    text = unescape(text)
    return [
        word
        for word in words
        if re.search(rf"(?<![^\W_]){re.escape(word)}(?![^\W_])", text, re.IGNORECASE)
    ]


def body(response) -> str:  # noqa: ANN001 - a test client response
    if response.streaming:
        return b"".join(response.streaming_content).decode(errors="replace")
    return response.content.decode(errors="replace")


def test_a_viewer_finds_no_personal_data_on_any_page(
    study: dict, viewer_client: Client, lead_client: Client
) -> None:
    words = forbidden_words()
    assert {"Ingrid", "ingrid.berg@nordlys.example", "Nordlys", "Analytical Engines"} <= set(words)
    urls = sorted({url_for(name, world) for name in app_url_names() for world in study["worlds"]})
    slug = study["worlds"][0]["project"].slug
    pseudonym = study["worlds"][2]["participant"].pseudonym
    urls += [
        f"/participants/?study={slug}",
        f"/studies/{slug}/quotes/?participant={pseudonym}&order=stage",
        f"/studies/{slug}/quotes/?per_page=100",
    ]
    statuses: dict[str, int] = {}
    found: dict[str, list[str]] = {}
    shown = ""
    for url in urls:
        response = viewer_client.get(url)
        statuses[url] = response.status_code
        assert response.status_code in (200, 302, 403, 404, 405), (url, response.status_code)
        html = body(response)
        shown += html
        if bad := leaks(html, words):
            found[url] = bad
    assert found == {}

    # The crawl read the evidence a viewer may read, so the check above is not vacuous.
    ada, omar, ingrid = study["worlds"]
    assert sum(status == 200 for status in statuses.values()) >= 20
    assert "SAML took three weeks" in shown
    assert "Thanks for making the time, [name]. Is [e-mail] still best?" in unescape(shown)
    assert "Onboarding at [company] took a month" in unescape(shown)
    assert "The renewal quote doubled" not in shown  # Omar's consent keeps it with the team
    # Sessions are named by kind and date for the viewer; the team reads the typed titles.
    assert f"Interview on {ada['session'].scheduled_at:%Y-%m-%d}" in shown
    study_page = lead_client.get(ada["project"].get_absolute_url()).content.decode()
    assert "Interview with Ada Lovelace at Analytical Engines" in study_page
    # The research team reads the redacted words (a sanity check of the test's data).
    reader = lead_client.get(ingrid["transcript"].get_absolute_url()).content.decode()
    assert '<span class="redaction"' in reader and ">Ingrid</span>" in reader
    assert Participant.objects.count() == 3


def test_a_viewer_finds_no_personal_data_by_searching(study: dict, viewer_client: Client) -> None:
    words = forbidden_words()
    for word in words:
        response = viewer_client.get("/search/", {"q": word})
        assert response.status_code == 200
        results = response.context["results"]
        assert results.total == 0, (word, [hit.snippet_html for hit in results.hits])

    # Searching for what they may read shows it, redacted, and nothing else of anyone's.
    for query in ("thanks", "onboarding", "console", "renewal", "SAML", "true-up"):
        response = viewer_client.get("/search/", {"q": query})
        shown = "".join(
            f"{row.snippet} {row.hit.title} {row.hit.speaker} {row.hit.url}"
            for row in response.context["rows"]
        )
        assert leaks(shown, words) == [], query
        assert leaks(body(response).replace(query, ""), words) == [], query
    hits = viewer_client.get("/search/", {"q": "thanks"}).context["rows"]
    assert any("[name]" in row.snippet for row in hits)
    assert viewer_client.get("/search/", {"q": "renewal"}).context["results"].total == 0


def test_a_viewer_token_finds_no_personal_data_in_the_api(study: dict, viewer: User) -> None:
    """The API's GET endpoints, read with a viewer's personal token: pseudonyms only, redacted
    quotes, and nothing a participant kept to the research team."""
    words = forbidden_words()
    client = token_client(viewer)
    names = [name for name, rules in API_ACCESS.items() if any(r.method == "get" for r in rules)]
    urls = sorted({url_for(name, world) for name in names for world in study["worlds"]})
    slug = study["worlds"][0]["project"].slug
    urls += [f"/api/v1/projects/{slug}/highlights/?page_size=500"]
    statuses: dict[str, int] = {}
    found: dict[str, list[str]] = {}
    shown = ""
    for url in urls:
        response = client.get(url)
        statuses[url] = response.status_code
        assert response.status_code in (200, 403, 404), (url, response.status_code)
        text = response.content.decode()
        shown += text
        if bad := leaks(text, words):
            found[url] = bad
    assert found == {}

    # Not vacuous: the viewer read quotes, redacted, and the pseudonyms of all three.
    assert sum(status == 200 for status in statuses.values()) >= 10
    assert "SAML took three weeks" in shown
    assert "Onboarding at [company] took a month" in shown
    assert "The renewal quote doubled" not in shown  # Omar's consent keeps it with the team
    for world in study["worlds"]:
        assert world["participant"].pseudonym in shown
    assert '"identity":null' in shown.replace(" ", "")


def test_a_viewers_exports_hold_no_personal_data(study: dict, viewer_client: Client) -> None:
    """The workbook's every cell and the CSV, as the viewer downloads them from the quote list."""
    words = forbidden_words()
    slug = study["worlds"][0]["project"].slug
    url = f"/studies/{slug}/quotes/export/"

    # Asking for names changes nothing for a viewer.
    response = viewer_client.post(url, {"format": "xlsx", "names": "1"})
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(body_bytes(response)))
    cells = [
        str(value)
        for sheet in book
        for row in sheet.iter_rows(values_only=True)
        for value in row
        if value is not None
    ]
    assert leaks("\n".join(cells), words) == []
    assert book.sheetnames[0] == "Quotes"
    quotes = "\n".join(
        str(row[11]) for row in book["Quotes"].iter_rows(min_row=2, values_only=True)
    )
    assert "SAML took three weeks" in quotes
    assert "Onboarding at [company] took a month" in quotes
    assert "The renewal quote doubled" not in quotes

    response = viewer_client.post(url, {"format": "csv"})
    assert response.status_code == 200
    text = body_bytes(response).decode("utf-8-sig")
    assert leaks(text, words) == []
    assert "Onboarding at [company] took a month" in text
    assert "The renewal quote doubled" not in text


def body_bytes(response) -> bytes:  # noqa: ANN001 - a test client response
    return b"".join(response.streaming_content) if response.streaming else response.content
