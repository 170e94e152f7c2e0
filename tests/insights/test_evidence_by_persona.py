"""Every page that shows highlights shows each persona exactly what insights.visibility allows.

The study (tests.insights.evidence): Ada, Ben, Cleo and Dev, one interview each. Dev consented
to the research team only; a word of Ada's first quote is redacted. Three coders:

    quote   coder          stage        codes
    ada0    lead           onboarding   SSO, SAML   (a redacted word)
    ada1    researcher A   onboarding   SSO
    ben0    researcher B   onboarding   SSO, SAML
    cleo0   researcher A   onboarding   SSO, SAML
    cleo1   lead           onboarding   SSO
    ben1    lead           purchase     SSO
    dev0    researcher B   purchase     SSO         (research team only)
    dev1    researcher A   adoption     Great docs  (research team only)

For the lead, researcher A, researcher B and the viewer, with blind coding on (not revealed)
and then revealed, the highlight ids each page shows must be `highlights_visible_to`:
the reader (its coding panel's JSON), the quote list, the journey stage pages, search
(kind:highlight), the spreadsheet (xlsx and CSV, read back), the REFI-QDA export and a
published report. The documented exceptions:

- Search shows one highlight per quoted span when coders highlighted the same words (none
  do here).
- A report shows its snapshot's representative quotes: the visible ones among them.
- Viewers may not export REFI-QDA (a project file for the research team's tools): 403.
"""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass

import openpyxl
import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from lxml import etree
from pytest_django import Settings

from insights.models import Highlight, Theme
from insights.refi_qda.rows import guid
from insights.reports import report_build, report_publish
from insights.search.backends import reset_backend
from insights.themes.aggregate import themes_aggregate
from insights.themes.curation import theme_confirm
from insights.visibility import display_texts, evidence_reader, highlights_visible_to
from interviews.models import ConsentRecord, Membership, ResearchProject
from interviews.redaction import redaction_create
from tests.factories import make_user, set_blind_coding
from tests.insights.evidence import EvidenceStudy, build_study, sentence
from tests.insights.test_xlsx_export import streamed

pytestmark = pytest.mark.django_db

STAGES = ("onboarding", "purchase", "adoption")


@dataclass
class World:
    study: EvidenceStudy
    users: dict[str, User]
    quotes: dict[str, Highlight]

    @property
    def project(self) -> ResearchProject:
        return self.study.project

    @property
    def quotes_by_id(self) -> dict[int, Highlight]:
        return {h.pk: h for h in self.quotes.values()}


@pytest.fixture
def world(
    settings: Settings, project: ResearchProject, lead: User, researcher: User, viewer: User
) -> World:
    settings.SEARCH_BACKEND = "whoosh"
    reset_backend()
    researcher_b = make_user("researcher_b")
    Membership.objects.create(project=project, user=researcher_b, role=Membership.Role.RESEARCHER)
    study = build_study(project, lead)
    study.people["Dev"].consents.update(scope=ConsentRecord.Scope.RESEARCH_TEAM)
    ada = study.transcripts["Ada"]
    word = ada.text.index("rollout", ada.text.index(sentence("Ada", 0)))
    redaction_create(source=ada, start=word, end=word + len("rollout"), kind="company", by=lead)
    a, b = researcher, researcher_b
    q = study.quote
    quotes = {
        "ada0": q("Ada", 0, stage="onboarding", codes=("SSO", "SAML"), sentiment=-2, by=lead),
        "ada1": q("Ada", 1, stage="onboarding", codes=("SSO",), by=a),
        "ben0": q("Ben", 0, stage="onboarding", codes=("SSO", "SAML"), by=b),
        "cleo0": q("Cleo", 0, stage="onboarding", codes=("SSO", "SAML"), by=a),
        "cleo1": q("Cleo", 1, stage="onboarding", codes=("SSO",), by=lead),
        "ben1": q("Ben", 1, stage="purchase", codes=("SSO",), by=lead),
        "dev0": q("Dev", 0, stage="purchase", codes=("SSO",), by=b),
        "dev1": q("Dev", 1, stage="adoption", codes=("Great docs",), by=a),
    }
    themes_aggregate(project=project)
    for theme in Theme.objects.filter(project=project, status=Theme.Status.CANDIDATE):
        theme_confirm(theme=theme, by=lead, version=theme.version)
    report_publish(report=report_build(project=project, by=lead), by=lead)
    call_command("rebuild_index", stdout=io.StringIO())
    users = {"lead": lead, "researcher A": a, "researcher B": b, "viewer": viewer}
    return World(study=study, users=users, quotes=quotes)


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


# --- What each page shows, as highlight ids ------------------------------------------------------


def on_reader(world: World, client: Client) -> set[int]:
    ids: set[int] = set()
    for transcript in world.study.transcripts.values():
        url = reverse(
            "insights:transcript-detail",
            args=[world.project.slug, transcript.session_id, transcript.pk],
        )
        response = client.get(url)
        assert response.status_code == 200
        # A session not shared with this reader has no marks at all.
        ids |= {int(pk) for pk in response.context.get("highlights", {})}
    return ids


def on_quote_list(world: World, client: Client) -> set[int]:
    response = client.get(reverse("insights:quote-list", args=[world.project.slug]))
    return {row.highlight.pk for row in response.context["rows"]}


def on_journey(world: World, client: Client) -> set[int]:
    ids: set[int] = set()
    for stage in STAGES:
        response = client.get(reverse("insights:journey-stage", args=["cx-journey", stage]))
        ids |= {row["highlight"].pk for row in response.context["rows"]}
    return ids


def on_search(world: World, client: Client) -> set[int]:
    response = client.get(reverse("insights:search"), {"q": "kind:highlight"})
    doc_ids = [row.hit.doc_id for row in response.context["rows"]]
    assert all(doc_id.startswith("highlight:") for doc_id in doc_ids)
    return {int(doc_id.removeprefix("highlight:")) for doc_id in doc_ids}


def _by_quote_text(world: World, user: User) -> dict[str, int]:
    """Quote text as this user's export writes it (redactions applied) → highlight id."""
    reader = evidence_reader(project=world.project, user=user)
    texts = display_texts(reader, list(world.quotes.values()))
    assert len(set(texts.values())) == len(texts), "quote texts must tell the quotes apart"
    return {text: pk for pk, text in texts.items()}


def on_spreadsheet(world: World, client: Client, user: User) -> set[int]:
    url = reverse("insights:quote-export", args=[world.project.slug])
    response = client.post(url, {"format": "xlsx"})
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(streamed(response)))
    header, *body = list(book["Quotes"].iter_rows(values_only=True))
    column = header.index("Quote")
    known = _by_quote_text(world, user)
    return {known[str(row[column])] for row in body}


def on_csv(world: World, client: Client, user: User) -> set[int]:
    url = reverse("insights:quote-export", args=[world.project.slug])
    response = client.post(url, {"format": "csv"})
    assert response.status_code == 200
    text = streamed(response).decode("utf-8-sig")
    known = _by_quote_text(world, user)
    return {known[row["Quote"]] for row in csv.DictReader(io.StringIO(text))}


def on_refi_qda(world: World, client: Client) -> set[int] | None:
    response = client.post(reverse("insights:project-export-qdpx", args=[world.project.slug]))
    if response.status_code == 403:
        return None
    assert response.status_code == 200
    qde = zipfile.ZipFile(io.BytesIO(response.content)).read("project.qde")
    guids = {
        str(element.get("guid"))
        for element in etree.fromstring(qde).iter()
        if etree.QName(element).localname == "PlainTextSelection"
    }
    by_guid = {guid(world.project.pk, "highlight", h.pk): h.pk for h in world.quotes.values()}
    assert guids <= set(by_guid), "a selection that is not one of the study's highlights"
    return {by_guid[g] for g in guids}


def in_report(world: World, client: Client) -> tuple[set[int], set[int]]:
    """(quotes the published report shows this reader, quotes its snapshot holds)."""
    report = world.project.reports.get()
    response = client.get(report.get_absolute_url())
    shown = {
        quote.highlight_id
        for stage in response.context["stages"]
        for theme in stage.themes
        for quote in theme.quotes
    }
    held = {
        quote["highlight_id"]
        for stage in report.snapshot["stages"]
        for theme in stage["themes"]
        for quote in theme["representative"]
    }
    return shown, held


# --- The comparison ------------------------------------------------------------------------------


def pages_agree_with_the_selector(world: World, persona: str) -> None:
    user = world.users[persona]
    client = client_for(user)
    expected = set(
        highlights_visible_to(project=world.project, user=user).values_list("pk", flat=True)
    )
    assert expected, "every persona sees some quotes here"
    assert on_reader(world, client) == expected, "reader"
    assert on_quote_list(world, client) == expected, "quote list"
    assert on_journey(world, client) == expected, "journey stages"
    assert on_spreadsheet(world, client, user) == expected, "spreadsheet"
    assert on_csv(world, client, user) == expected, "CSV"

    assert on_search(world, client) == expected, "search"

    exported = on_refi_qda(world, client)
    if persona == "viewer":
        assert exported is None, "viewers may not export REFI-QDA"
    else:
        assert exported == expected, "REFI-QDA"

    shown, held = in_report(world, client)
    assert len({world.quotes_by_id[pk].coder_id for pk in held}) > 1, "the report mixes coders"
    assert shown == held & expected, "report"


PERSONAS = ("lead", "researcher A", "researcher B", "viewer")


def quote_ids(world: World, *names: str) -> set[int]:
    return {world.quotes[name].pk for name in names}


@pytest.mark.parametrize("persona", PERSONAS)
def test_blind_coding_not_revealed(world: World, persona: str) -> None:
    set_blind_coding(world.project)
    pages_agree_with_the_selector(world, persona)


@pytest.mark.parametrize("persona", PERSONAS)
def test_blind_coding_revealed(world: World, persona: str) -> None:
    set_blind_coding(world.project, codings_revealed=True)
    pages_agree_with_the_selector(world, persona)


def test_the_selector_gives_each_persona_what_the_rules_say(world: World) -> None:
    """The sets the pages are compared with are themselves right (the table above)."""

    def visible(persona: str) -> set[int]:
        user = world.users[persona]
        return set(
            highlights_visible_to(project=world.project, user=user).values_list("pk", flat=True)
        )

    everything = set(quote_ids(world, *world.quotes))
    shared = everything - quote_ids(world, "dev0", "dev1")
    set_blind_coding(world.project)
    assert visible("lead") == everything
    assert visible("researcher A") == quote_ids(world, "ada1", "cleo0", "dev1")
    assert visible("researcher B") == quote_ids(world, "ben0", "dev0")
    assert visible("viewer") == shared
    set_blind_coding(world.project, codings_revealed=True)
    assert visible("researcher A") == visible("researcher B") == everything
    assert visible("viewer") == shared
