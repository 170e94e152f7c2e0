"""Reading REFI-QDA files safely: the .qdpx archive, its XML, and the import summary.

A .qdpx comes from outside, so the archive is checked before anything is read: member count,
declared and actual unpacked sizes (zip bombs), paths (`../x`, `/etc/x`, `C:\\x`), links and
encryption. XML is parsed by lxml with entities unresolved, no network and no DTD; a file
that declares a DTD is refused, since no REFI-QDA file needs one.

Anything that makes the whole file unusable raises ImportFileError; what can be skipped is
written to the ImportSummary, which the user sees (spec §7: say what was dropped).
"""

from __future__ import annotations

import io
import re
import stat
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from django.conf import settings
from lxml import etree

EXAMPLES = 5


class ImportFileError(Exception):
    """The file cannot be imported at all; the message is shown to the user as-is."""


@dataclass
class ImportSummary:
    """What an import created, changed on the way, and could not take over."""

    created: Counter[str] = field(default_factory=Counter)
    warnings: list[str] = field(default_factory=list)
    _dropped: dict[str, list[str]] = field(default_factory=dict)
    _counts: Counter[str] = field(default_factory=Counter)

    def warn(self, message: str) -> None:
        if message not in self.warnings:
            self.warnings.append(message)

    def drop(self, what: str, example: str = "") -> None:
        """Something not imported: grouped by `what`, with a few examples each."""
        self._counts[what] += 1
        examples = self._dropped.setdefault(what, [])
        if example and len(examples) < EXAMPLES and example not in examples:
            examples.append(example)

    @property
    def dropped(self) -> list[str]:
        lines = []
        for what, examples in self._dropped.items():
            line = f"{what}: {self._counts[what]}"
            if examples:
                more = "…" if self._counts[what] > len(examples) else ""
                line += f" ({'; '.join(examples)}{more})"
            lines.append(line)
        return lines

    def dropped_count(self, what: str) -> int:
        return self._counts[what]

    @property
    def lines(self) -> list[str]:
        made = ", ".join(
            f"{count} {what[:-1] if count == 1 and what.endswith('s') else what}"
            for what, count in self.created.items()
            if count
        )
        result = [f"Imported {made or 'nothing'}."]
        result += [f"Note: {warning}" for warning in self.warnings]
        result += [f"Not imported: {line}" for line in self.dropped]
        return result


# --- XML ----------------------------------------------------------------------------------------

_DOCTYPE = re.compile(rb"<!DOCTYPE", re.IGNORECASE)


def parse_xml(data: bytes, *, filename: str) -> etree._Element:
    """The root element of an XML document from outside, parsed without any entity or DTD."""
    if len(data) > settings.REFI_QDA_MAX_XML_BYTES:
        raise ImportFileError(
            f"{filename}: the XML is {len(data):,} bytes, over the limit of "
            f"{settings.REFI_QDA_MAX_XML_BYTES:,}."
        )
    data = data.removeprefix(b"\xef\xbb\xbf")
    if _DOCTYPE.search(data):
        raise ImportFileError(
            f"{filename}: the XML declares a document type (<!DOCTYPE …>). REFI-QDA files never "
            "need one, and it can hide entity expansion or external files, so it is refused."
        )
    parser = etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as error:
        raise ImportFileError(f"{filename}: this is not well-formed XML ({error}).") from None
    if root is None:
        raise ImportFileError(f"{filename}: the file holds no XML element.")
    return root


# --- The archive --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Archive:
    """The members of a .qdpx that the import reads, already unpacked and size-checked."""

    qde_name: str
    qde: bytes
    sources: dict[str, bytes]  # file name in the sources folder, lower-cased → bytes
    oversized: frozenset[str]  # sources over the transcript size limit (lower-cased names)
    ignored: tuple[str, ...]  # other members, which the import does not read


_DRIVE = re.compile(r"^[A-Za-z]:")
_CHUNK = 64 * 1024


def _unsafe_path(name: str) -> bool:
    path = name.replace("\\", "/")
    if path.startswith("/") or _DRIVE.match(path):
        return True
    return any(part == ".." for part in path.split("/"))


def _read(archive: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int, filename: str) -> bytes:
    """A member's bytes, stopping at `limit` whatever its header declares."""
    chunks, total = [], 0
    try:
        with archive.open(info) as member:
            while chunk := member.read(_CHUNK):
                total += len(chunk)
                if total > limit:
                    raise ImportFileError(
                        f"{filename}: {info.filename} unpacks to more than it declares "
                        f"({info.file_size:,} bytes). The archive is damaged or built to "
                        "exhaust memory, so it is refused."
                    )
                chunks.append(chunk)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError) as error:
        raise ImportFileError(
            f"{filename}: {info.filename} cannot be unpacked ({error})."
        ) from None
    return b"".join(chunks)


def open_qdpx(data: bytes, *, filename: str) -> tuple[Archive, list[str]]:
    """Check and unpack a .qdpx; returns the archive and warnings about its layout."""
    warnings: list[str] = []
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise ImportFileError(
            f"{filename}: this is not a .qdpx file. A .qdpx is a ZIP archive holding a "
            "project.qde file and a sources folder."
        )
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError) as error:
        raise ImportFileError(f"{filename}: the ZIP archive is damaged ({error}).") from None
    if len(infos) > settings.REFI_QDA_MAX_MEMBERS:
        raise ImportFileError(
            f"{filename}: the archive holds {len(infos):,} files, more than the "
            f"{settings.REFI_QDA_MAX_MEMBERS:,} an import accepts."
        )
    declared = sum(info.file_size for info in infos)
    if declared > settings.REFI_QDA_MAX_UNPACKED_BYTES:
        raise ImportFileError(
            f"{filename}: the archive unpacks to {declared:,} bytes, over the limit of "
            f"{settings.REFI_QDA_MAX_UNPACKED_BYTES:,}."
        )
    for info in infos:
        if _unsafe_path(info.filename):
            raise ImportFileError(
                f"{filename}: the archive holds a file with an unsafe path "
                f"(“{info.filename}”), which could write outside its folder; it is refused."
            )
        if stat.S_ISLNK(info.external_attr >> 16):
            raise ImportFileError(
                f"{filename}: the archive holds a symbolic link (“{info.filename}”); it is refused."
            )
        if info.flag_bits & 0x1:
            raise ImportFileError(
                f"{filename}: “{info.filename}” is encrypted. Export the project again "
                "without a password."
            )

    files = [info for info in infos if not info.is_dir()]
    qde = [info for info in files if info.filename.lower().endswith(".qde")]
    if not qde:
        raise ImportFileError(
            f"{filename}: the archive has no project.qde file, so it is not a REFI-QDA project."
        )
    if len(qde) > 1:
        names = ", ".join(info.filename for info in qde[:5])
        raise ImportFileError(
            f"{filename}: the archive holds several project files ({names}); it must hold one."
        )
    qde_info = qde[0]
    qde_path = PurePosixPath(qde_info.filename.replace("\\", "/"))
    if qde_path.name != "project.qde":
        warnings.append(f"The project file is named “{qde_info.filename}”, not project.qde.")
    if qde_info.file_size > settings.REFI_QDA_MAX_XML_BYTES:
        raise ImportFileError(
            f"{filename}: {qde_info.filename} is {qde_info.file_size:,} bytes, over the limit "
            f"of {settings.REFI_QDA_MAX_XML_BYTES:,}."
        )
    qde_bytes = _read(archive, qde_info, settings.REFI_QDA_MAX_XML_BYTES, filename)

    base = qde_path.parent
    sources: dict[str, bytes] = {}
    oversized: set[str] = set()
    ignored: list[str] = []
    folder_names: set[str] = set()
    for info in files:
        if info is qde_info:
            continue
        path = PurePosixPath(info.filename.replace("\\", "/"))
        if path.parent.parent != base or path.parent.name.lower() != "sources":
            ignored.append(info.filename)
            continue
        folder_names.add(path.parent.name)
        key = path.name.lower()
        if info.file_size > settings.TRANSCRIPT_MAX_BYTES:
            oversized.add(key)
            continue
        sources[key] = _read(archive, info, settings.TRANSCRIPT_MAX_BYTES, filename)
    warnings += [
        f"The sources folder is named “{folder}/”, not sources/."
        for folder in sorted(folder_names - {"sources"})
    ]
    return (
        Archive(
            qde_name=qde_info.filename,
            qde=qde_bytes,
            sources=sources,
            oversized=frozenset(oversized),
            ignored=tuple(ignored),
        ),
        warnings,
    )


def source_key(path: str) -> str | None:
    """The sources-folder file a plainTextPath names, lower-cased, or None if it is external.

    Accepts internal://<file>, a bare <file>, and either with a sources/ folder in front.
    """
    path = path.strip().replace("\\", "/")
    lowered = path.lower()
    if lowered.startswith(("relative://", "absolute://", "http://", "https://", "file://")):
        return None
    if lowered.startswith("internal://"):
        path = path[len("internal://") :]
    path = path.lstrip("/")
    if path.lower().startswith("sources/"):
        path = path[len("sources/") :]
    if not path or "/" in path or path in (".", ".."):
        return None
    return path.lower()
