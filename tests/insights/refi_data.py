"""Test data for the REFI-QDA tests: a coded study and files shaped like other tools write."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from django.contrib.auth.models import User
from lxml import etree

from insights.coding import HighlightFields, code_get_or_create, highlight_create
from insights.models import Code
from interviews.models import FieldNote, ResearchProject
from interviews.services import attribute_values_set
from tests.factories import (
    make_attribute,
    make_enrollment,
    make_participant,
    make_session,
    make_transcript,
)

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


def build_coded_project(project: ResearchProject, lead: User, researcher: User) -> ResearchProject:
    """A study with a transcript (emoji, accents, a line break in a turn), a field note,
    a nested codebook, two coders, memos, a participant with attributes."""
    ada = make_participant(name="Ada Lovelace", segment="large", region="emea", tier="premium")
    enrollment = make_enrollment(project, ada)
    seats = make_attribute(project, "seats", kind="number")
    make_attribute(project, "renewal", kind="date")
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


SCHEMAS = Path(__file__).resolve().parents[2] / "insights" / "refi_qda" / "schema"


def schema(name: str) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(SCHEMAS / name)))


def assert_valid(xml: bytes, name: str) -> etree._Element:
    document = etree.fromstring(xml)
    validator = schema(name)
    assert validator.validate(document), validator.error_log
    return document


def members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}


TOOL_TEXT = (
    "Interviewer: How was the first week? 😀\n"
    "\n"
    "Maria: Honestly, the SSO set-up took forever.\n"
    "\n"
    "Interviewer: What would have helped?\n"
    "\n"
    "Maria: A checklist, and a named contact at support.\n"
)
CODE_GUID = "9F2B3A1C-5D4E-4F6A-8B7C-1D2E3F4A5B6C"
USER_GUID = "{0A1B2C3D-4E5F-4A6B-8C7D-9E0F1A2B3C4D}"


def utf16_units(text: str, offset: int) -> int:
    return len(text[:offset].encode("utf-16-le")) // 2


def tool_qdpx(
    *,
    namespace: str = "urn:QDA-XML:project:1.0",
    text: str = TOOL_TEXT,
    encode=lambda text: text.encode("utf-8"),
    folder: str = "sources",
    path_prefix: str = "internal://",
    qde_name: str = "project.qde",
    offsets=lambda text, start, end: (start, end),
    extra_xml: str = "",
    quote_names: bool = True,
) -> bytes:
    """A .qdpx shaped like the given tool writes them: two coded selections of Maria's."""
    source_guid = "3C2D1E0F-AAAA-4BBB-8CCC-0123456789AB"
    selections = []
    for number, quote in enumerate(("the SSO set-up took forever", "A checklist")):
        start = text.index(quote)
        first, last = offsets(text, start, start + len(quote))
        name = f' name="{quote}"' if quote_names else ""
        selections.append(
            f'<PlainTextSelection guid="5E6F7A8B-0000-4000-8000-00000000000{number}"{name} '
            f'startPosition="{first}" endPosition="{last}" creatingUser="{USER_GUID}">'
            f'<Coding guid="5E6F7A8B-1111-4000-8000-00000000000{number}" '
            f'creatingUser="{USER_GUID}"><CodeRef targetGUID="{CODE_GUID}"/></Coding>'
            "</PlainTextSelection>"
        )
    qde = f"""<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="{namespace}" name="Tool study" origin="Some QDA tool 2024">
  <Users><User guid="{USER_GUID}" name="Maria Analyst"/></Users>
  <CodeBook><Codes>
    <Code guid="{CODE_GUID}" name="Setup friction" isCodable="true" color="#c00">
      <Description>Slow set-up.</Description>
    </Code>
  </Codes></CodeBook>
  <Sources>
    <TextSource guid="{source_guid}" name="Maria interview"
        plainTextPath="{path_prefix}{source_guid}.txt">
      {"".join(selections)}
    </TextSource>
  </Sources>
  {extra_xml}
</Project>"""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(qde_name, qde.encode("utf-8"))
        archive.writestr(f"{folder}/{source_guid}.txt", encode(text))
    return buffer.getvalue()


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE Project [
  <!ENTITY lol "lol">
  <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<Project xmlns="urn:QDA-XML:project:1.0" name="&lol3;"/>"""
EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE Project [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<Project xmlns="urn:QDA-XML:project:1.0" name="&secret;"/>"""
