"""Parsing REFI-QDA XML (project.qde and .qdc) into plain dataclasses, leniently and loudly.

Files from other tools deviate from the schemas: older namespaces (urn:QDA-XML:project:1:0,
0:4), GUIDs in braces or upper case, elements the schema does not know. The parser accepts
what it can use, and writes what it skips to the ImportSummary. It never touches the database.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from lxml import etree

from insights.refi_qda.reader import ImportFileError, ImportSummary

PROJECT_NS = "urn:QDA-XML:project:1.0"
CODEBOOK_NS = "urn:QDA-XML:codebook:1.0"
_NS_VARIANT = re.compile(r"^urn:QDA-XML:(project|codebook):\d+[.:]\d+$", re.IGNORECASE)
_GUID = re.compile(
    r"^\{?[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\}?$"
)


@dataclass
class ParsedUser:
    guid: str
    name: str
    id: str


@dataclass
class ParsedCode:
    guid: str
    name: str
    colour: str
    description: str
    parent_guid: str | None
    note_guids: list[str] = field(default_factory=list)


@dataclass
class ParsedSet:
    guid: str
    name: str
    code_guids: list[str]


@dataclass
class ParsedVariable:
    guid: str
    name: str
    type: str
    description: str


@dataclass
class ParsedValue:
    variable_guid: str
    type: str  # the value element's type: "Text", "Boolean", "Integer", "Float", "Date", …
    text: str


@dataclass
class ParsedCase:
    guid: str
    name: str
    description: str
    values: list[ParsedValue]
    source_guids: list[str]


@dataclass
class ParsedCoding:
    guid: str
    code_guid: str
    user_guid: str
    note_guids: list[str]


@dataclass
class ParsedSelection:
    guid: str
    name: str
    description: str
    start: int
    end: int
    user_guid: str
    codings: list[ParsedCoding]
    note_guids: list[str]


@dataclass
class ParsedSource:
    guid: str
    name: str
    path: str  # plainTextPath, "" when the text is inline
    content: str | None  # PlainTextContent
    rich_path: str
    user_guid: str
    selections: list[ParsedSelection]
    note_guids: list[str]


@dataclass
class ParsedNote:
    guid: str
    name: str
    path: str
    content: str | None
    user_guid: str


@dataclass
class ParsedProject:
    name: str
    description: str
    origin: str
    users: dict[str, ParsedUser] = field(default_factory=dict)
    codes: list[ParsedCode] = field(default_factory=list)
    sets: list[ParsedSet] = field(default_factory=list)
    variables: dict[str, ParsedVariable] = field(default_factory=dict)
    cases: list[ParsedCase] = field(default_factory=list)
    sources: list[ParsedSource] = field(default_factory=list)
    notes: dict[str, ParsedNote] = field(default_factory=dict)
    project_note_guids: list[str] = field(default_factory=list)


class _Reader:
    """Walks one document in its namespace, keeping GUIDs unique and noting strangers."""

    def __init__(self, namespace: str, summary: ImportSummary) -> None:
        self.namespace = namespace
        self.summary = summary
        self.seen: set[str] = set()
        self.unknown: Counter[str] = Counter()

    def local(self, element: etree._Element) -> str | None:
        """The element's name, or None for another namespace, a comment or a PI."""
        if not isinstance(element.tag, str):
            return None
        namespace, _, name = element.tag.rpartition("}")
        namespace = namespace.lstrip("{")
        if namespace != self.namespace:
            self.unknown[f"{{{namespace}}}{name}" if namespace else name] += 1
            return None
        return name

    def children(
        self, element: etree._Element, known: set[str], *, skip: dict[str, str] | None = None
    ) -> list[tuple[str, etree._Element]]:
        """Children with a name in `known`. Names in `skip` are reported as not imported
        (value: what the summary calls them); any other name as an unknown element."""
        result = []
        for child in element:
            name = self.local(child)
            if name is None:
                continue
            if name in known:
                result.append((name, child))
            elif skip and name in skip:
                self.summary.drop(skip[name], child.get("name") or "")
            else:
                self.unknown[f"{self.local(element)}/{name}"] += 1
        return result

    def guid(self, element: etree._Element, what: str, *, unique: bool = True) -> str:
        raw = (element.get("guid") or "").strip()
        if not raw:
            self.summary.drop(f"{what} without a GUID", element.get("name") or "")
            return ""
        if not _GUID.match(raw):
            self.summary.warn(f"Some GUIDs are not in the standard form, e.g. “{raw[:60]}”.")
        key = normalise_guid(raw)
        if unique:
            if key in self.seen:
                self.summary.drop(f"{what} with a GUID used twice (the first was kept)", raw)
                return ""
            self.seen.add(key)
        return key

    def report_unknown(self) -> None:
        for name, count in sorted(self.unknown.items()):
            self.summary.drop("Unknown elements", f"<{name}> × {count}")


def normalise_guid(value: str | None) -> str:
    return (value or "").strip().strip("{}").lower()


def _text(element: etree._Element | None) -> str:
    return "" if element is None else "".join(element.itertext())


def _integer(value: str | None) -> int | None:
    try:
        return int((value or "").strip())
    except ValueError:
        return None


def _check_root(root: etree._Element, *, kind: str, expected: str, filename: str) -> str:
    """The root's namespace, after checking it is a REFI-QDA document of this kind."""
    if not isinstance(root.tag, str):
        raise ImportFileError(f"{filename}: the file holds no XML element.")
    namespace, _, name = root.tag.rpartition("}")
    namespace = namespace.lstrip("{")
    wanted = "Project" if kind == "project" else "CodeBook"
    if name != wanted:
        raise ImportFileError(
            f"{filename}: the XML's root element is <{name}>, not <{wanted}>, so this is not a "
            f"REFI-QDA {'project' if kind == 'project' else 'codebook'} file."
        )
    if namespace == expected:
        return namespace
    variant = _NS_VARIANT.match(namespace)
    if variant is None or variant.group(1).lower() != kind:
        shown = namespace or "no namespace"
        raise ImportFileError(
            f"{filename}: the XML's namespace is “{shown}”, not “{expected}”, so this is not "
            f"a REFI-QDA {'project' if kind == 'project' else 'codebook'} file."
        )
    return namespace


# --- Codes --------------------------------------------------------------------------------------


def _codes(reader: _Reader, codes_element: etree._Element) -> list[ParsedCode]:
    found: list[ParsedCode] = []

    def walk(element: etree._Element, parent: str | None) -> None:
        key = reader.guid(element, "Codes")
        description = ""
        notes: list[str] = []
        children = []
        for name, child in reader.children(element, {"Description", "NoteRef", "Code"}):
            if name == "Description":
                description = _text(child)
            elif name == "NoteRef":
                notes.append(normalise_guid(child.get("targetGUID")))
            else:
                children.append(child)
        if key:
            found.append(
                ParsedCode(
                    guid=key,
                    name=element.get("name") or "",
                    colour=(element.get("color") or "").strip(),
                    description=description,
                    parent_guid=parent,
                    note_guids=notes,
                )
            )
        for child in children:
            # A child of a code dropped for its GUID hangs from the nearest kept ancestor.
            walk(child, key or parent)

    for _name, element in reader.children(codes_element, {"Code"}):
        walk(element, None)
    return found


def _sets(reader: _Reader, element: etree._Element, *, member_attr: str) -> list[ParsedSet]:
    sets = []
    for _name, child in reader.children(element, {"Set"}):
        key = reader.guid(child, "Sets")
        members = []
        for name, member in reader.children(
            child, {"Description", "MemberCode", "MemberSource", "MemberNote"}
        ):
            if name == "MemberCode":
                # Codebook.xsd says @guid, Project.xsd @targetGUID; tools mix them up.
                members.append(
                    normalise_guid(
                        member.get(member_attr) or member.get("guid") or member.get("targetGUID")
                    )
                )
            elif name in ("MemberSource", "MemberNote"):
                reader.summary.drop("Set memberships of sources and notes", child.get("name", ""))
        if key:
            sets.append(ParsedSet(guid=key, name=child.get("name") or "", code_guids=members))
    return sets


def parse_codebook(root: etree._Element, *, filename: str, summary: ImportSummary) -> ParsedProject:
    """A .qdc codebook, as a project that has only codes and sets."""
    namespace = _check_root(root, kind="codebook", expected=CODEBOOK_NS, filename=filename)
    if namespace != CODEBOOK_NS:
        summary.warn(f"The file uses the namespace “{namespace}”; read as {CODEBOOK_NS}.")
    reader = _Reader(namespace, summary)
    parsed = ParsedProject(name="", description="", origin=root.get("origin") or "")
    for name, child in reader.children(root, {"Codes", "Sets"}):
        if name == "Codes":
            parsed.codes += _codes(reader, child)
        else:
            parsed.sets += _sets(reader, child, member_attr="guid")
    reader.report_unknown()
    return parsed


# --- Projects -----------------------------------------------------------------------------------

_UNSUPPORTED_SOURCES = {
    "PictureSource": "Picture sources",
    "PDFSource": "PDF sources",
    "AudioSource": "Audio sources",
    "VideoSource": "Video sources",
}


def _selection(reader: _Reader, element: etree._Element) -> ParsedSelection | None:
    key = reader.guid(element, "Selections")
    start, end = _integer(element.get("startPosition")), _integer(element.get("endPosition"))
    description = ""
    codings: list[ParsedCoding] = []
    notes: list[str] = []
    for name, child in reader.children(element, {"Description", "Coding", "NoteRef"}):
        if name == "Description":
            description = _text(child)
        elif name == "NoteRef":
            notes.append(normalise_guid(child.get("targetGUID")))
        else:
            coding = _coding(reader, child)
            if coding is not None:
                codings.append(coding)
    if not key:
        return None
    if start is None or end is None:
        reader.summary.drop("Selections without whole-number positions", element.get("name", ""))
        return None
    return ParsedSelection(
        guid=key,
        name=element.get("name") or "",
        description=description,
        start=start,
        end=end,
        user_guid=normalise_guid(element.get("creatingUser")),
        codings=codings,
        note_guids=notes,
    )


def _coding(reader: _Reader, element: etree._Element) -> ParsedCoding | None:
    key = reader.guid(element, "Codings", unique=False)
    code = ""
    notes: list[str] = []
    for name, child in reader.children(element, {"CodeRef", "NoteRef"}):
        if name == "CodeRef":
            code = normalise_guid(child.get("targetGUID"))
        else:
            notes.append(normalise_guid(child.get("targetGUID")))
    if not code:
        reader.summary.drop("Codings without a code reference")
        return None
    return ParsedCoding(
        guid=key,
        code_guid=code,
        user_guid=normalise_guid(element.get("creatingUser")),
        note_guids=notes,
    )


def _text_source(reader: _Reader, element: etree._Element, what: str) -> ParsedSource | None:
    key = reader.guid(element, what)
    content: str | None = None
    selections: list[ParsedSelection] = []
    notes: list[str] = []
    for name, child in reader.children(
        element,
        {"Description", "PlainTextContent", "PlainTextSelection", "NoteRef"},
        skip={
            "Coding": "Codings of a whole source (REFI-QDA source codings have no span here)",
            "VariableValue": "Variable values of sources (only cases carry variables here)",
        },
    ):
        if name == "PlainTextContent":
            content = _text(child)
        elif name == "PlainTextSelection":
            selection = _selection(reader, child)
            if selection is not None:
                selections.append(selection)
        elif name == "NoteRef":
            notes.append(normalise_guid(child.get("targetGUID")))
    if not key:
        return None
    return ParsedSource(
        guid=key,
        name=element.get("name") or "",
        path=element.get("plainTextPath") or "",
        content=content,
        rich_path=element.get("richTextPath") or "",
        user_guid=normalise_guid(element.get("creatingUser")),
        selections=selections,
        note_guids=notes,
    )


def _case(reader: _Reader, element: etree._Element) -> ParsedCase | None:
    key = reader.guid(element, "Cases")
    description = ""
    values: list[ParsedValue] = []
    sources: list[str] = []
    for name, child in reader.children(
        element,
        {"Description", "VariableValue", "SourceRef"},
        skip={
            "CodeRef": "Codes applied to whole cases",
            "SelectionRef": "Selections linked to cases",
        },
    ):
        if name == "Description":
            description = _text(child)
        elif name == "SourceRef":
            sources.append(normalise_guid(child.get("targetGUID")))
        else:
            value = _value(reader, child)
            if value is not None:
                values.append(value)
    if not key:
        return None
    return ParsedCase(
        guid=key,
        name=element.get("name") or "",
        description=description,
        values=values,
        source_guids=sources,
    )


_VALUE_TYPES = {
    "TextValue": "Text",
    "BooleanValue": "Boolean",
    "IntegerValue": "Integer",
    "FloatValue": "Float",
    "DateValue": "Date",
    "DateTimeValue": "DateTime",
}


def _value(reader: _Reader, element: etree._Element) -> ParsedValue | None:
    variable = ""
    kind, text = "", ""
    for name, child in reader.children(element, {"VariableRef", *_VALUE_TYPES}):
        if name == "VariableRef":
            variable = normalise_guid(child.get("targetGUID"))
        else:
            kind, text = _VALUE_TYPES[name], _text(child).strip()
    if not variable or not kind:
        return None
    return ParsedValue(variable_guid=variable, type=kind, text=text)


def parse_project(root: etree._Element, *, filename: str, summary: ImportSummary) -> ParsedProject:
    namespace = _check_root(root, kind="project", expected=PROJECT_NS, filename=filename)
    if namespace != PROJECT_NS:
        summary.warn(f"The project uses the namespace “{namespace}”; read as {PROJECT_NS}.")
    reader = _Reader(namespace, summary)
    parsed = ParsedProject(
        name=(root.get("name") or "").strip(), description="", origin=root.get("origin") or ""
    )
    sections = {"Users", "CodeBook", "Variables", "Cases", "Sources", "Notes", "Sets"}
    skip = {"Links": "Links between items", "Graphs": "Graphs"}
    for name, child in reader.children(root, {*sections, "Description", "NoteRef"}, skip=skip):
        if name == "Users":
            for _n, user in reader.children(child, {"User"}):
                key = reader.guid(user, "Users")
                if key:
                    parsed.users[key] = ParsedUser(
                        guid=key,
                        name=(user.get("name") or "").strip(),
                        id=(user.get("id") or "").strip(),
                    )
        elif name == "CodeBook":
            for _n, codes in reader.children(child, {"Codes"}):
                parsed.codes += _codes(reader, codes)
        elif name == "Variables":
            for _n, variable in reader.children(child, {"Variable"}):
                key = reader.guid(variable, "Variables")
                description = "".join(
                    _text(d) for _x, d in reader.children(variable, {"Description"})
                )
                if key:
                    parsed.variables[key] = ParsedVariable(
                        guid=key,
                        name=(variable.get("name") or "").strip(),
                        type=(variable.get("typeOfVariable") or "Text").strip(),
                        description=description,
                    )
        elif name == "Cases":
            for _n, element in reader.children(child, {"Case"}):
                case = _case(reader, element)
                if case is not None:
                    parsed.cases.append(case)
        elif name == "Sources":
            for _n, element in reader.children(child, {"TextSource"}, skip=_UNSUPPORTED_SOURCES):
                source = _text_source(reader, element, "Sources")
                if source is not None:
                    parsed.sources.append(source)
        elif name == "Notes":
            for _n, element in reader.children(child, {"Note"}):
                note = _text_source(reader, element, "Notes")
                if note is not None and note.selections:
                    summary.drop("Selections and codings inside notes", note.name)
                if note is not None:
                    parsed.notes[note.guid] = ParsedNote(
                        guid=note.guid,
                        name=note.name,
                        path=note.path,
                        content=note.content,
                        user_guid=note.user_guid,
                    )
        elif name == "Sets":
            parsed.sets += _sets(reader, child, member_attr="targetGUID")
        elif name == "Description":
            parsed.description = _text(child).strip()
        elif name == "NoteRef":
            parsed.project_note_guids.append(normalise_guid(child.get("targetGUID")))
    reader.report_unknown()
    return parsed
