"""REFI-QDA project exchange: export validates against the schema, import maps it back.

Schemas are the copies in insights/refi_qda/schema (the test never reads /work/shared).
"""

from __future__ import annotations

import io
import zipfile

import pytest
from django.contrib.auth.models import User
from lxml import etree

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
from tests.factories import set_blind_coding
from tests.insights.refi_data import (
    BILLION_LAUGHS,
    CODE_GUID,
    EXTERNAL_ENTITY,
    assert_valid,
    members,
    tool_qdpx,
    utf16_units,
)

NS = {"q": "urn:QDA-XML:project:1.0"}


def _qdpx(project: ResearchProject, user: User, **options: bool) -> bytes:
    return export.qdpx(
        rows.project_rows(project=project, user=user, options=rows.ExportOptions(**options))
    )


# --- Export -------------------------------------------------------------------------------------


def test_export_validates_and_follows_the_spec(coded_project: ResearchProject, lead: User) -> None:
    files = members(_qdpx(coded_project, lead))
    document = assert_valid(files["project.qde"], "Project.xsd")

    sources = document.findall("q:Sources/q:TextSource", NS)
    assert len(sources) == 2
    for source in sources:
        path = source.get("plainTextPath")
        assert path == f"internal://{source.get('guid')}.txt"
        assert source.find("q:PlainTextContent", NS) is None
        data = files[f"sources/{source.get('guid')}.txt"]
        assert not data.startswith(b"\xef\xbb\xbf")
        assert b"\r" not in data
        text = data.decode("utf-8")
        for selection in source.findall("q:PlainTextSelection", NS):
            start = int(selection.get("startPosition", ""))
            end = int(selection.get("endPosition", ""))
            # Code points, not UTF-16: the emoji before the selection counts once.
            assert text[start:end] == selection.get("name")
    # Every coder has a User; every colour is #RRGGBB; no empty containers.
    user_guids = {u.get("guid") for u in document.findall("q:Users/q:User", NS)}
    referenced = {e.get("creatingUser") for e in document.iter() if e.get("creatingUser")}
    assert referenced <= user_guids
    colours = [c.get("color", "") for c in document.iter("{urn:QDA-XML:project:1.0}Code")]
    assert all(len(c) == 7 and c == c.upper() for c in colours)
    for element in document.iter():
        if str(element.tag).split("}")[1] in {"Sets", "Notes", "Cases", "Variables", "Sources"}:
            assert len(element), f"empty <{element.tag!s}>"


def test_export_writes_speaker_labels_and_pseudonyms_not_names(
    coded_project: ResearchProject, lead: User
) -> None:
    data = _qdpx(coded_project, lead)
    assert b"Ada" not in data.replace(b"Ada Lovelace", b"")  # no leak of the name
    assert b"Lovelace" not in data
    files = members(data)
    pseudonym = Participant.objects.get().pseudonym
    transcript_text = next(
        v.decode() for k, v in files.items() if k.startswith("sources/") and b"SAML" in v
    )
    assert transcript_text.startswith("lead: Thanks") or f"{pseudonym}: Honestly" in transcript_text
    document = etree.fromstring(files["project.qde"])
    assert [c.get("name") for c in document.findall("q:Cases/q:Case", NS)] == [pseudonym]


def test_export_with_names_needs_a_user_who_may_see_them(
    coded_project: ResearchProject, lead: User, viewer: User
) -> None:
    named = members(_qdpx(coded_project, lead, include_names=True))
    document = etree.fromstring(named["project.qde"])
    assert [c.get("name") for c in document.findall("q:Cases/q:Case", NS)] == ["Ada Lovelace"]
    assert AuditEvent.objects.filter(action=AuditEvent.Action.PII_EXPORTED).count() == 1
    with pytest.raises(rows.ExportError, match="leads and researchers"):
        _qdpx(coded_project, viewer, include_names=True)


def test_export_is_reproducible(coded_project: ResearchProject, lead: User) -> None:
    assert _qdpx(coded_project, lead) == _qdpx(coded_project, lead)


def test_blind_coding_researcher_exports_only_their_own(
    coded_project: ResearchProject, researcher: User
) -> None:
    set_blind_coding(coded_project)
    document = etree.fromstring(members(_qdpx(coded_project, researcher))["project.qde"])
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
    assert (
        result.summary.dropped_count(
            "Case–source links (record consent for the participant, then add them to the session)"
        )
        == 1
    )


def test_round_trip_twice_is_stable(coded_project: ResearchProject, lead: User) -> None:
    first = qdpx_import(data=_qdpx(coded_project, lead), filename="a.qdpx", by=lead).project
    second = qdpx_import(data=_qdpx(first, lead), filename="b.qdpx", by=lead).project
    assert _codings(second) == _codings(first)
    assert _codebook(second) == _codebook(first)


# --- Files from other tools ---------------------------------------------------------------------


def _quotes(project: ResearchProject) -> list[tuple[str, str]]:
    return sorted(
        (h.text, ",".join(h.codes.names()))
        # A taggit manager, which the Django plugin does not take for a relation.
        for h in Highlight.objects.filter(project=project).prefetch_related("codes")  # type: ignore[misc]
    )


MARIA = [("A checklist", "Setup friction"), ("the SSO set-up took forever", "Setup friction")]


@pytest.mark.django_db
def test_spec_file_from_another_tool(lead: User) -> None:
    result = qdpx_import(data=tool_qdpx(), filename="tool.qdpx", by=lead)
    assert _quotes(result.project) == MARIA
    code = Code.objects.get(project=result.project)
    assert (code.colour, code.definition) == ("#cc0000", "Slow set-up.")
    analyst = User.objects.filter(highlights__project=result.project).distinct().get()
    assert not analyst.is_active and not analyst.has_usable_password()
    assert analyst.get_full_name() == "Maria Analyst"
    assert any("inactive users" in line for line in result.summary.warnings)
    transcript = Transcript.objects.get(session__project=result.project)
    assert "Interviewer:" not in transcript.text  # turns were found, labels left out
    assert transcript.utterance_count == 4


@pytest.mark.django_db
def test_nvivo_style_bom_capital_sources_and_no_prefix(lead: User) -> None:
    data = tool_qdpx(
        encode=lambda text: b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode("utf-8"),
        folder="Sources",
        path_prefix="",
        qde_name="Tool study.qde",
    )
    result = qdpx_import(data=data, filename="nvivo.qdpx", by=lead)
    assert _quotes(result.project) == MARIA
    warnings = " ".join(result.summary.warnings)
    assert "byte-order mark" in warnings and "Sources/" in warnings and "internal://" in warnings


@pytest.mark.django_db
def test_maxqda_style_utf16_offsets_are_converted(lead: User) -> None:
    data = tool_qdpx(
        offsets=lambda text, s, e: (utf16_units(text, s), utf16_units(text, e)),
    )
    result = qdpx_import(data=data, filename="maxqda.qdpx", by=lead)
    assert _quotes(result.project) == MARIA
    assert any("UTF-16 code units" in line for line in result.summary.warnings)


@pytest.mark.django_db
def test_atlas_style_crlf_counted_twice_is_converted(lead: User) -> None:
    def crlf_units(text: str, s: int, e: int) -> tuple[int, int]:
        return s + text[:s].count("\n"), e + text[:e].count("\n")

    data = tool_qdpx(offsets=crlf_units)  # the file holds LF, offsets count CR LF
    result = qdpx_import(data=data, filename="atlas.qdpx", by=lead)
    assert _quotes(result.project) == MARIA
    assert any("two characters" in line for line in result.summary.warnings)


@pytest.mark.django_db
def test_old_namespace_is_read_with_a_warning(lead: User) -> None:
    for namespace in ("urn:QDA-XML:project:1:0", "urn:QDA-XML:project:0:4"):
        result = qdpx_import(data=tool_qdpx(namespace=namespace), filename="old.qdpx", by=lead)
        assert _quotes(result.project) == MARIA
        assert any(namespace in line for line in result.summary.warnings)


@pytest.mark.django_db
def test_selection_whose_offsets_miss_its_text_is_placed_by_the_copy(lead: User) -> None:
    data = tool_qdpx(offsets=lambda text, s, e: (s + 3, e + 3) if s > 100 else (s, e))
    result = qdpx_import(data=data, filename="shifted.qdpx", by=lead)
    assert _quotes(result.project) == MARIA
    assert any("placed where" in line for line in result.summary.warnings)


@pytest.mark.django_db
def test_unknown_and_unsupported_elements_are_reported(lead: User) -> None:
    extra = """<Links><Link guid="11111111-2222-4333-8444-555555555555" name="x"/></Links>
      <Frobnicate/>"""
    result = qdpx_import(data=tool_qdpx(extra_xml=extra), filename="x.qdpx", by=lead)
    dropped = " ".join(result.summary.dropped)
    assert "Links between items: 1" in dropped
    assert "Frobnicate" in dropped


@pytest.mark.django_db
def test_duplicate_and_invalid_guids_and_missing_sources_are_reported(lead: User) -> None:
    extra = """<Notes>
      <Note guid="not-a-guid" name="Odd id"><PlainTextContent>x</PlainTextContent></Note>
    </Notes>"""
    data = tool_qdpx(extra_xml=extra)
    qde = members(data)["project.qde"].decode()
    qde = qde.replace(
        "</Sources>",
        '<TextSource guid="3C2D1E0F-AAAA-4BBB-8CCC-0123456789AB" name="Again" '
        'plainTextPath="internal://x.txt"/>'
        '<TextSource guid="3C2D1E0F-AAAA-4BBB-8CCC-000000000000" name="Gone" '
        'plainTextPath="internal://missing.txt"/></Sources>',
    )
    result = qdpx_import(data=_rezip(data, qde=qde.encode()), filename="x.qdpx", by=lead)
    dropped = " ".join(result.summary.dropped)
    assert "GUID used twice" in dropped
    assert "missing from the archive: 1 (Gone" in dropped
    assert any("not in the standard form" in w for w in result.summary.warnings)
    assert _quotes(result.project) == MARIA


def _rezip(data: bytes, *, qde: bytes) -> bytes:
    files = members(data)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in files.items():
            archive.writestr(name, qde if name.endswith(".qde") else content)
    return buffer.getvalue()


# --- Bad files: refused whole, nothing written ---------------------------------------------------


def _counts() -> tuple[int, ...]:
    return (
        ResearchProject.objects.count(),
        Code.objects.count(),
        Highlight.objects.count(),
        Transcript.objects.count(),
        Session.objects.count(),
        User.objects.count(),
        Participant.objects.count(),
    )


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


BAD_FILES = {
    "not a zip": (b"just some text, not an archive", "not a .qdpx file"),
    "no project file": (_zip({"sources/a.txt": b"hi"}), "no project.qde"),
    "two project files": (
        _zip({"a.qde": b"<x/>", "b.qde": b"<x/>"}),
        "several project files",
    ),
    "not XML": (_zip({"project.qde": b"\x89PNG not xml at all"}), "not well-formed XML"),
    "wrong root": (
        _zip({"project.qde": b'<CodeBook xmlns="urn:QDA-XML:codebook:1.0"/>'}),
        "not <Project>",
    ),
    "wrong namespace": (
        _zip({"project.qde": b'<Project xmlns="urn:example:other" name="x"/>'}),
        "namespace",
    ),
    "path traversal": (
        _zip({"project.qde": b"<x/>", "../evil.txt": b"x"}),
        "unsafe path",
    ),
    "absolute path": (
        _zip({"project.qde": b"<x/>", "/etc/cron.d/evil": b"x"}),
        "unsafe path",
    ),
    "windows drive path": (
        _zip({"project.qde": b"<x/>", "C:\\Windows\\evil.txt": b"x"}),
        "unsafe path",
    ),
    "entity expansion": (_zip({"project.qde": BILLION_LAUGHS}), "document type"),
    "external entity": (_zip({"project.qde": EXTERNAL_ENTITY}), "document type"),
}


@pytest.mark.django_db
@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_bad_files_are_refused_and_change_nothing(case: str, lead: User) -> None:
    data, message = BAD_FILES[case]
    before = _counts()
    with pytest.raises(ImportFileError, match=message):
        qdpx_import(data=data, filename="bad.qdpx", by=lead)
    assert _counts() == before


@pytest.mark.django_db
def test_zip_bomb_by_declared_size_is_refused(lead: User, settings) -> None:
    settings.REFI_QDA_MAX_UNPACKED_BYTES = 1_000_000
    data = _zip({"project.qde": b"<x/>", "sources/zeros.txt": b"\0" * 2_000_000})
    assert len(data) < 10_000  # tiny on disk, huge unpacked
    with pytest.raises(ImportFileError, match="unpacks to 2,000,004 bytes"):
        qdpx_import(data=data, filename="bomb.qdpx", by=lead)


@pytest.mark.django_db
def test_member_that_unpacks_to_more_than_it_declares_is_refused(lead: User) -> None:
    data = bytearray(tool_qdpx())
    # Lower the declared size of project.qde in its local header and the central directory.
    real = len(members(bytes(data))["project.qde"])
    old, new = real.to_bytes(4, "little"), (100).to_bytes(4, "little")
    assert data.count(old) >= 2
    changed = bytes(data).replace(old, new)
    before = _counts()
    with pytest.raises(ImportFileError, match="cannot be unpacked|more than it declares"):
        qdpx_import(data=changed, filename="liar.qdpx", by=lead)
    assert _counts() == before


@pytest.mark.django_db
def test_too_many_members_is_refused(lead: User, settings) -> None:
    settings.REFI_QDA_MAX_MEMBERS = 10
    data = _zip({"project.qde": b"<x/>", **{f"sources/{n}.txt": b"x" for n in range(10)}})
    with pytest.raises(ImportFileError, match="holds 11 files"):
        qdpx_import(data=data, filename="many.qdpx", by=lead)


@pytest.mark.django_db
def test_huge_xml_is_refused(lead: User, settings) -> None:
    settings.REFI_QDA_MAX_XML_BYTES = 10_000
    qde = b'<Project xmlns="urn:QDA-XML:project:1.0" name="x">' + b" " * 20_000 + b"</Project>"
    with pytest.raises(ImportFileError, match="over the limit"):
        qdpx_import(data=_zip({"project.qde": qde}), filename="huge.qdpx", by=lead)


@pytest.mark.django_db
def test_upload_over_the_limit_is_refused(lead: User, settings) -> None:
    settings.REFI_QDA_IMPORT_MAX_BYTES = 100
    with pytest.raises(ImportFileError, match="over the limit"):
        qdpx_import(data=tool_qdpx(), filename="big.qdpx", by=lead)


@pytest.mark.django_db
def test_missing_references_are_reported_not_fatal(lead: User) -> None:
    data = tool_qdpx()
    qde = (
        members(data)["project.qde"]
        .decode()
        .replace(
            f'<CodeRef targetGUID="{CODE_GUID}"/></Coding></PlainTextSelection>',
            '<CodeRef targetGUID="00000000-0000-4000-8000-000000000000"/></Coding>'
            '<NoteRef targetGUID="00000000-0000-4000-8000-000000000001"/></PlainTextSelection>',
            1,
        )
    )
    result = qdpx_import(data=_rezip(data, qde=qde.encode()), filename="x.qdpx", by=lead)
    dropped = " ".join(result.summary.dropped)
    assert "Codings of codes missing from the codebook: 1" in dropped
    assert "References to notes missing from the file: 1" in dropped
    assert _quotes(result.project) == [
        ("A checklist", "Setup friction"),
        ("the SSO set-up took forever", ""),
    ]


@pytest.mark.django_db
def test_unreadable_source_is_reported_and_leaves_no_session(lead: User) -> None:
    data = tool_qdpx(encode=lambda text: b"   \n\n  ")
    result = qdpx_import(data=data, filename="empty.qdpx", by=lead)
    assert Session.objects.filter(project=result.project).count() == 0
    dropped = " ".join(result.summary.dropped)
    assert "Sources whose text could not be read: 1" in dropped
    assert "Selections of sources that were not imported: 2" in dropped


@pytest.mark.django_db
def test_notes_become_memos_field_notes_and_definitions_or_are_reported(lead: User) -> None:
    note = '<Note guid="{guid}" name="{name}"><PlainTextContent>{text}</PlainTextContent></Note>'
    guids = {
        "selection": "aaaaaaaa-0000-4000-8000-000000000001",
        "source": "aaaaaaaa-0000-4000-8000-000000000002",
        "code": "aaaaaaaa-0000-4000-8000-000000000003",
        "project": "aaaaaaaa-0000-4000-8000-000000000004",
        "loose": "aaaaaaaa-0000-4000-8000-000000000005",
    }
    notes = "".join(
        note.format(guid=guid, name=f"{kind} note", text=f"About the {kind}.")
        for kind, guid in guids.items()
    )
    data = tool_qdpx(extra_xml=f"<Notes>{notes}</Notes>")
    qde = members(data)["project.qde"].decode()
    qde = qde.replace(
        "</Coding></PlainTextSelection>",
        f'</Coding><NoteRef targetGUID="{guids["selection"]}"/></PlainTextSelection>',
        1,
    )
    qde = qde.replace("</TextSource>", f'<NoteRef targetGUID="{guids["source"]}"/></TextSource>')
    qde = qde.replace(
        "<Description>Slow set-up.</Description>",
        f'<Description>Slow set-up.</Description><NoteRef targetGUID="{guids["code"]}"/>',
    )
    qde = qde.replace("</Project>", f'<NoteRef targetGUID="{guids["project"]}"/></Project>')
    result = qdpx_import(data=_rezip(data, qde=qde.encode()), filename="n.qdpx", by=lead)
    project = result.project
    memo = Highlight.objects.get(project=project, text="the SSO set-up took forever").memo
    assert memo == "About the selection."
    field_note = FieldNote.objects.get(session__project=project)
    assert field_note.text == "About the source."
    assert Code.objects.get(project=project).definition == "Slow set-up.\n\nAbout the code."
    dropped = " ".join(result.summary.dropped)
    assert "Notes on the project as a whole: 1 (project note)" in dropped
    assert "Notes not attached to anything: 1 (loose note)" in dropped


def test_guids_are_uuid5_of_study_kind_and_id() -> None:
    """README: GUIDs are uuid5 of (study, kind, id), so an unchanged study exports the same."""
    import uuid

    from insights.refi_qda.rows import NAMESPACE, guid, user_guid

    for project_id, kind, pk in ((1, "highlight", 5), (42, "source", "t-12"), (3, "code", "é")):
        expected = uuid.uuid5(NAMESPACE, f"project/{project_id}/{kind}/{pk}")
        assert guid(project_id, kind, pk) == str(expected)
    assert user_guid(7) == str(uuid.uuid5(NAMESPACE, "user/7"))
