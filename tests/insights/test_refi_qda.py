"""REFI-QDA project exchange: export validates against the schema, import maps it back.

Schemas are the copies in insights/refi_qda/schema (the test never reads /work/shared).
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from lxml import etree

from insights.coding import HighlightFields, code_get_or_create, highlight_create
from insights.models import Code, CodedHighlight, Highlight
from insights.refi_qda import export, rows
from insights.refi_qda.importer import qdpx_import
from insights.refi_qda.reader import ImportFileError
from interviews.models import (
    AuditEvent,
    FieldNote,
    Participant,
    ParticipantIdentity,
    ResearchProject,
    Session,
    Transcript,
)
from tests.factories import (
    make_attribute,
    make_enrollment,
    make_participant,
    make_session,
    make_transcript,
)

SCHEMAS = Path(__file__).resolve().parents[2] / "insights" / "refi_qda" / "schema"


def schema(name: str) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(SCHEMAS / name)))


def assert_valid(xml: bytes, name: str) -> etree._Element:
    document = etree.fromstring(xml)
    validator = schema(name)
    assert validator.validate(document), validator.error_log
    return document


NS = {"q": "urn:QDA-XML:project:1.0"}

INTERVIEW = """WEBVTT

1
00:00:01.000 --> 00:00:04.000
Sam Rivera: Thanks for joining. How did the SSO rollout go? 🚀

2
00:00:05.000 --> 00:00:11.500
Ada Lovelace: Honestly, SAML took three weeks because our IdP team was busy.
The café's Wi-Fi didn't help either.

3
00:00:12.000 --> 00:00:15.000
Ada Lovelace: The licence true-up surprised procurement too. ✨
"""


@pytest.fixture
def coded_project(project: ResearchProject, lead: User, researcher: User) -> ResearchProject:
    """A study with a transcript (emoji, accents, a line break in a turn), a field note,
    a nested codebook, two coders, memos, a participant with attributes."""
    ada = make_participant(name="Ada Lovelace", segment="large", region="emea", tier="premium")
    enrollment = make_enrollment(project, ada)
    seats = make_attribute(project, "seats", kind="number")
    make_attribute(project, "renewal", kind="date")
    from interviews.services import attribute_values_set

    attribute_values_set(enrollment=enrollment, values={seats: "250"})
    session = make_session(project, participants=[ada], interviewers=[lead], title="Interview 1")
    transcript = make_transcript(session, data=INTERVIEW.encode())
    note = FieldNote.objects.create(
        session=session, kind="observation", text="Keeps two SSO tools open.\r\nOdd.", author=lead
    )
    parent, _ = code_get_or_create(project=project, name="Onboarding", by=lead)
    friction = Code.objects.create(
        project=project,
        name="Setup friction",
        parent=parent,
        kind=Code.Kind.PAIN_POINT,
        definition="Anything that slows set-up.",
        inclusion_notes="Delays, blockers.",
        colour="#e07a5f",
    )
    procurement, _ = code_get_or_create(project=project, name="Procurement", by=lead)
    text = transcript.text
    saml = text.index("SAML took three weeks")
    highlight_create(
        project=project,
        coder=lead,
        start=saml,
        end=saml + len("SAML took three weeks"),
        fields=HighlightFields(codes=[friction, parent], memo="Typical IdP delay."),
        transcript=transcript,
    )
    wifi = text.index("The café's Wi-Fi")
    highlight_create(
        project=project,
        coder=researcher,
        start=saml,
        end=wifi + len("The café's Wi-Fi didn't help either."),
        fields=HighlightFields(codes=[friction]),
        transcript=transcript,
    )
    licence = text.index("The licence true-up")
    highlight_create(
        project=project,
        coder=researcher,
        start=licence,
        end=len(text),
        fields=HighlightFields(codes=[procurement]),
        transcript=transcript,
    )
    highlight_create(
        project=project,
        coder=lead,
        start=0,
        end=9,
        fields=HighlightFields(codes=[parent]),
        field_note=note,
    )
    return project


def _qdpx(project: ResearchProject, user: User, **options: bool) -> bytes:
    return export.qdpx(
        rows.project_rows(project=project, user=user, options=rows.ExportOptions(**options))
    )


def _members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}


# --- Export -------------------------------------------------------------------------------------


def test_export_validates_and_follows_the_spec(coded_project: ResearchProject, lead: User) -> None:
    members = _members(_qdpx(coded_project, lead))
    document = assert_valid(members["project.qde"], "Project.xsd")

    sources = document.findall("q:Sources/q:TextSource", NS)
    assert len(sources) == 2
    for source in sources:
        path = source.get("plainTextPath")
        assert path == f"internal://{source.get('guid')}.txt"
        assert source.find("q:PlainTextContent", NS) is None
        data = members[f"sources/{source.get('guid')}.txt"]
        assert not data.startswith(b"\xef\xbb\xbf")
        assert b"\r" not in data
        text = data.decode("utf-8")
        for selection in source.findall("q:PlainTextSelection", NS):
            start, end = int(selection.get("startPosition")), int(selection.get("endPosition"))
            # Code points, not UTF-16: the emoji before the selection counts once.
            assert text[start:end] == selection.get("name")
    # Every coder has a User; every colour is #RRGGBB; no empty containers.
    user_guids = {u.get("guid") for u in document.findall("q:Users/q:User", NS)}
    referenced = {e.get("creatingUser") for e in document.iter() if e.get("creatingUser")}
    assert referenced <= user_guids
    colours = [c.get("color") for c in document.iter("{urn:QDA-XML:project:1.0}Code")]
    assert all(len(c) == 7 and c == c.upper() for c in colours)
    for element in document.iter():
        if element.tag.split("}")[1] in {"Sets", "Notes", "Cases", "Variables", "Sources"}:
            assert len(element), f"empty <{element.tag}>"


def test_export_writes_speaker_labels_and_pseudonyms_not_names(
    coded_project: ResearchProject, lead: User
) -> None:
    data = _qdpx(coded_project, lead)
    assert b"Ada" not in data.replace(b"Ada Lovelace", b"")  # no leak of the name
    assert b"Lovelace" not in data
    members = _members(data)
    pseudonym = Participant.objects.get().pseudonym
    transcript_text = next(
        v.decode() for k, v in members.items() if k.startswith("sources/") and b"SAML" in v
    )
    assert transcript_text.startswith("lead: Thanks") or f"{pseudonym}: Honestly" in transcript_text
    document = etree.fromstring(members["project.qde"])
    assert [c.get("name") for c in document.findall("q:Cases/q:Case", NS)] == [pseudonym]


def test_export_with_names_needs_a_user_who_may_see_them(
    coded_project: ResearchProject, lead: User, viewer: User
) -> None:
    named = _members(_qdpx(coded_project, lead, include_names=True))
    document = etree.fromstring(named["project.qde"])
    assert [c.get("name") for c in document.findall("q:Cases/q:Case", NS)] == ["Ada Lovelace"]
    assert AuditEvent.objects.filter(action=AuditEvent.Action.PII_EXPORTED).count() == 1
    hidden = _members(_qdpx(coded_project, viewer, include_names=True))
    assert b"Lovelace" not in hidden["project.qde"]


def test_export_is_reproducible(coded_project: ResearchProject, lead: User) -> None:
    assert _qdpx(coded_project, lead) == _qdpx(coded_project, lead)


def test_blind_coding_researcher_exports_only_their_own(
    coded_project: ResearchProject, researcher: User
) -> None:
    coded_project.blind_coding = True
    coded_project.save(update_fields=["blind_coding"])
    document = etree.fromstring(_members(_qdpx(coded_project, researcher))["project.qde"])
    selections = document.findall(".//q:PlainTextSelection", NS)
    mine = Highlight.objects.filter(coder=researcher).count()
    assert len(selections) == mine == 2


def test_codebook_export_validates(coded_project: ResearchProject) -> None:
    xml = export.codebook_qdc(rows.codebook_rows(project=coded_project))
    document = assert_valid(xml, "Codebook.xsd")
    ns = {"c": "urn:QDA-XML:codebook:1.0"}
    onboarding = document.find("c:Codes/c:Code[@name='Onboarding']", ns)
    assert onboarding.find("c:Code", ns).get("name") == "Setup friction"
    kind_set = document.find("c:Sets/c:Set", ns)
    assert kind_set.get("name") == "Kind: Pain point"


# --- Round trip ---------------------------------------------------------------------------------


def _codebook(project: ResearchProject) -> set[tuple]:
    return {
        (
            code.name,
            code.parent.name if code.parent else None,
            code.colour.lower(),
            code.kind,
            code.definition,
            code.inclusion_notes,
            code.exclusion_notes,
        )
        for code in Code.objects.filter(project=project).select_related("parent")
    }


def _codings(project: ResearchProject) -> set[tuple]:
    return {
        (
            item.content_object.text,
            item.content_object.start,
            item.content_object.end,
            item.content_object.memo,
            item.tag.name,
            item.coder.username,
        )
        for item in CodedHighlight.objects.filter(
            content_object__project=project, content_object__transcript__text__contains="SAML"
        ).select_related("content_object", "tag", "coder")
    }


def test_round_trip_gives_the_same_codebook_sources_and_codings(
    coded_project: ResearchProject, lead: User
) -> None:
    data = _qdpx(coded_project, lead)
    result = qdpx_import(data=data, filename="study.qdpx", by=lead)
    imported = result.project
    assert imported.pk != coded_project.pk
    assert _codebook(imported) == _codebook(coded_project)
    original = Transcript.objects.get(session__project=coded_project)
    copy = Transcript.objects.get(session__project=imported, text__contains="SAML")
    assert copy.text == original.text
    assert _codings(imported) == _codings(coded_project)
    # The field note came back as a transcript of its own, with its coding.
    assert Session.objects.filter(project=imported).count() == 2
    note = Highlight.objects.get(project=imported, transcript__text__startswith="Keeps")
    assert (note.text, list(note.codes.names())) == ("Keeps two", ["Onboarding"])
    assert imported.memberships.get().user == lead
    participant = Participant.objects.get(enrollments__project=imported)
    assert participant.segment == "large" and participant.tier == "premium"
    assert ParticipantIdentity.objects.get(participant=participant).name == (
        Participant.objects.get(enrollments__project=coded_project).pseudonym
    )
    assert result.summary.dropped_count(
        "Case–source links (record consent for the participant, then add them to the session)"
    ) == 1


def test_round_trip_twice_is_stable(coded_project: ResearchProject, lead: User) -> None:
    first = qdpx_import(data=_qdpx(coded_project, lead), filename="a.qdpx", by=lead).project
    second = qdpx_import(data=_qdpx(first, lead), filename="b.qdpx", by=lead).project
    assert _codings(second) == _codings(first)
    assert _codebook(second) == _codebook(first)
