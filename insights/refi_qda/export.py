"""Writers: typed rows (insights.refi_qda.rows) → REFI-QDA XML and .qdpx archives.

Writers never query. They follow the published schemas (insights/refi_qda/schema/): elements
in the order the schema's sequences give, no empty container element where the schema lets
it be left out, colours as #RRGGBB, every source as `sources/<GUID>.txt` (UTF-8, no BOM, LF)
referenced as `internal://<GUID>.txt`, offsets in code points, end exclusive.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from collections import defaultdict
from collections.abc import Sequence

from lxml import etree

from insights.refi_qda.rows import (
    ORIGIN,
    CaseRow,
    CodebookRows,
    CodeRow,
    ExportError,
    NoteRow,
    ProjectRows,
    SelectionRow,
    SourceRow,
)

__all__ = ["ExportError", "codebook_qdc", "project_qde", "qdpx"]

PROJECT_NS = "urn:QDA-XML:project:1.0"
CODEBOOK_NS = "urn:QDA-XML:codebook:1.0"
PROJECT_FILE = "project.qde"
SOURCES_DIR = "sources"
# Every member gets this time, so an unchanged study exports to the same bytes.
ZIP_TIME = (1980, 1, 1, 0, 0, 0)


# XML 1.0 refuses most control characters, even escaped.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _text(value: str) -> str:
    return _NOT_XML.sub("", value)


def _time(value: dt.datetime) -> str:
    # isoformat rather than strftime: the same text for years 1000 on, at a third of the cost.
    return value.astimezone(dt.UTC).replace(tzinfo=None).isoformat(timespec="seconds") + "Z"


class _Writer:
    def __init__(self, namespace: str) -> None:
        self.namespace = namespace

    def element(
        self, parent: etree._Element | None, tag: str, **attributes: str | None
    ) -> etree._Element:
        name = f"{{{self.namespace}}}{tag}"
        clean = {key: _text(value) for key, value in attributes.items() if value is not None}
        if parent is None:
            return etree.Element(name, clean, nsmap={None: self.namespace})
        return etree.SubElement(parent, name, clean)

    def text_element(self, parent: etree._Element, tag: str, text: str) -> None:
        if text:
            self.element(parent, tag).text = _text(text)


def _serialise(root: etree._Element) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _children(codes: Sequence[CodeRow]) -> dict[str | None, list[CodeRow]]:
    children: dict[str | None, list[CodeRow]] = defaultdict(list)
    guids = {code.guid for code in codes}
    for code in codes:
        parent = code.parent_guid if code.parent_guid in guids else None
        children[parent].append(code)
    return children


def _write_codes(writer: _Writer, parent: etree._Element, codes: Sequence[CodeRow]) -> None:
    children = _children(codes)
    seen: set[str] = set()

    def write(into: etree._Element, code: CodeRow) -> None:
        seen.add(code.guid)
        element = writer.element(
            into, "Code", guid=code.guid, name=code.name, isCodable="true", color=code.colour
        )
        writer.text_element(element, "Description", code.description)
        for child in children.get(code.guid, []):
            if child.guid not in seen:
                write(element, child)

    for root in children.get(None, []):
        write(parent, root)
    # A parent loop written around the forms: its codes go to the top rather than vanish.
    for code in codes:
        if code.guid not in seen:
            write(parent, code)


def codebook_qdc(rows: CodebookRows) -> bytes:
    """A .qdc codebook file (root CodeBook, urn:QDA-XML:codebook:1.0)."""
    if not rows.codes:
        raise ExportError("The codebook has no codes yet: there is nothing to export.")
    writer = _Writer(CODEBOOK_NS)
    root = writer.element(None, "CodeBook", origin=ORIGIN)
    _write_codes(writer, writer.element(root, "Codes"), rows.codes)
    if rows.sets:
        sets = writer.element(root, "Sets")
        for row in rows.sets:
            element = writer.element(sets, "Set", guid=row.guid, name=row.name)
            writer.text_element(element, "Description", row.description)
            for code_guid in row.code_guids:
                writer.element(element, "MemberCode", guid=code_guid)
    return _serialise(root)


def source_path(source: SourceRow) -> str:
    return f"{SOURCES_DIR}/{source.guid}.txt"


def project_qde(rows: ProjectRows) -> bytes:
    """The project.qde of a .qdpx (root Project, urn:QDA-XML:project:1.0)."""
    writer = _Writer(PROJECT_NS)
    root = writer.element(
        None,
        "Project",
        name=rows.name,
        origin=ORIGIN,
        creatingUserGUID=rows.user_guid,
        creationDateTime=_time(rows.created),
        modifiedDateTime=_time(rows.modified),
    )
    users = writer.element(root, "Users")
    for user in rows.users:
        writer.element(users, "User", guid=user.guid, name=user.name, id=user.username)
    if rows.codebook.codes:
        codebook = writer.element(root, "CodeBook")
        _write_codes(writer, writer.element(codebook, "Codes"), rows.codebook.codes)
    if rows.cases:
        variables = writer.element(root, "Variables")
        for variable in rows.variables:
            element = writer.element(
                variables,
                "Variable",
                guid=variable.guid,
                name=variable.name,
                typeOfVariable=variable.type,
            )
            writer.text_element(element, "Description", variable.description)
        cases = writer.element(root, "Cases")
        for case in rows.cases:
            _write_case(writer, cases, case)
    if rows.sources:
        sources = writer.element(root, "Sources")
        for source in rows.sources:
            _write_source(writer, sources, source)
    if rows.notes:
        notes = writer.element(root, "Notes")
        for note in rows.notes:
            _write_note(writer, notes, note)
    if rows.codebook.sets:
        sets = writer.element(root, "Sets")
        for row in rows.codebook.sets:
            element = writer.element(sets, "Set", guid=row.guid, name=row.name)
            writer.text_element(element, "Description", row.description)
            for code_guid in row.code_guids:
                writer.element(element, "MemberCode", targetGUID=code_guid)
    writer.text_element(root, "Description", rows.description)
    return _serialise(root)


def _write_case(writer: _Writer, parent: etree._Element, case: CaseRow) -> None:
    element = writer.element(parent, "Case", guid=case.guid, name=case.name)
    for value in case.values:
        holder = writer.element(element, "VariableValue")
        writer.element(holder, "VariableRef", targetGUID=value.variable_guid)
        writer.element(holder, f"{value.type}Value").text = _text(value.value)
    for source_guid in case.source_guids:
        writer.element(element, "SourceRef", targetGUID=source_guid)


def _write_source(writer: _Writer, parent: etree._Element, source: SourceRow) -> None:
    element = writer.element(
        parent,
        "TextSource",
        guid=source.guid,
        name=source.name,
        plainTextPath=f"internal://{source.guid}.txt",
        creatingUser=source.user_guid,
        creationDateTime=_time(source.created),
    )
    for selection in source.selections:
        _write_selection(writer, element, selection)


def _write_selection(writer: _Writer, parent: etree._Element, selection: SelectionRow) -> None:
    element = writer.element(
        parent,
        "PlainTextSelection",
        guid=selection.guid,
        name=selection.name,
        startPosition=str(selection.start),
        endPosition=str(selection.end),
        creatingUser=selection.user_guid,
        creationDateTime=_time(selection.created),
        modifiedDateTime=_time(selection.modified),
    )
    for coding in selection.codings:
        holder = writer.element(
            element,
            "Coding",
            guid=coding.guid,
            creatingUser=coding.user_guid,
            creationDateTime=_time(coding.created),
        )
        writer.element(holder, "CodeRef", targetGUID=coding.code_guid)
    for note_guid in selection.note_guids:
        writer.element(element, "NoteRef", targetGUID=note_guid)


def _write_note(writer: _Writer, parent: etree._Element, note: NoteRow) -> None:
    element = writer.element(
        parent,
        "Note",
        guid=note.guid,
        name=note.name,
        creatingUser=note.user_guid,
        creationDateTime=_time(note.created),
    )
    writer.element(element, "PlainTextContent").text = _text(note.text)


def _member(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    return info


def qdpx(rows: ProjectRows) -> bytes:
    """The .qdpx archive: project.qde and one sources/<GUID>.txt per text source."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(_member(PROJECT_FILE), project_qde(rows))
        for source in rows.sources:
            # The rows hold LF-only text already; offsets count it as it is.
            archive.writestr(_member(source_path(source)), source.text.encode("utf-8"))
    return buffer.getvalue()
