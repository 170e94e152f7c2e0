"""SearchDocuments built from the database: one per utterance, field note and highlight.

Rows are read with values() in batches (keyset pagination on the primary key), so a batch
costs a fixed number of queries whatever its size, no model instances or transcript texts
are loaded, and a full rebuild streams in bounded memory.

Nothing personal goes into a document: a speaker is the participant's pseudonym,
"Interviewer" or nothing. Speaker labels are never used: they are whatever the transcript
file said, often a real name ("Ada Lovelace"). Texts are indexed redacted: every redacted
span of the source reads as its placeholder ("[name]"), for every reader, so neither a
search nor a snippet finds or shows it (one query per batch).

Documents carry their session and speaking participant, so that search can leave out, per
reader, what consent does not let them see (insights.search.service).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, TypedDict

from django.db.models import Model, Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from insights.models import CodedHighlight, Highlight
from insights.search.base import Kind, SearchDocument
from interviews.evidence import Span, redact, redaction_spans
from interviews.models import FieldNote, Session, Utterance

Row = dict[str, Any]

DEFAULT_BATCH_SIZE = 2000
INTERVIEWER = "Interviewer"


def doc_id(kind: str, pk: int) -> str:
    return f"{kind}:{pk}"


# --- Public API ---------------------------------------------------------------------------------


def transcript_documents(
    transcript_ids: Iterable[int], *, batch_size: int = DEFAULT_BATCH_SIZE
) -> Iterator[SearchDocument]:
    """One document per utterance of the transcripts (2 queries per batch: utterances, their
    redactions)."""
    for ids in _chunks(transcript_ids, batch_size):
        yield from _utterance_documents(Q(transcript_id__in=ids), batch_size)


def field_note_documents(
    note_ids: Iterable[int], *, batch_size: int = DEFAULT_BATCH_SIZE
) -> Iterator[SearchDocument]:
    """One document per field note (3 queries per batch: notes, their redactions, their
    sessions' participants)."""
    for ids in _chunks(note_ids, batch_size):
        yield from _field_note_documents(Q(pk__in=ids), batch_size)


def highlight_documents(
    highlight_ids: Iterable[int], *, batch_size: int = DEFAULT_BATCH_SIZE
) -> Iterator[SearchDocument]:
    """One document per highlight (up to 4 queries per batch: highlights, codes, redactions,
    note sessions)."""
    for ids in _chunks(highlight_ids, batch_size):
        yield from _highlight_documents(Q(pk__in=ids), batch_size)


def source_highlight_documents(
    *, transcript_id: int | None = None, field_note_id: int | None = None
) -> Iterator[SearchDocument]:
    """The documents of every highlight of one transcript or one field note."""
    where = Q(transcript_id=transcript_id) if transcript_id else Q(field_note_id=field_note_id)
    yield from _highlight_documents(where, DEFAULT_BATCH_SIZE)


def all_documents(batch_size: int = DEFAULT_BATCH_SIZE) -> Iterator[SearchDocument]:
    """Every document, for a rebuild: utterances, then field notes, then highlights."""
    yield from _utterance_documents(Q(), batch_size)
    yield from _field_note_documents(Q(), batch_size)
    yield from _highlight_documents(Q(), batch_size)


def count_documents() -> int:
    """How many documents all_documents() yields (3 queries), for a progress bar."""
    return Utterance.objects.count() + FieldNote.objects.count() + Highlight.objects.count()


# --- Utterances ---------------------------------------------------------------------------------

UTTERANCE_FIELDS = (
    "pk",
    "text",
    "start_ms",
    "transcript_id",
    "transcript__session_id",
    "transcript__session__scheduled_at",
    "transcript__session__project_id",
    "transcript__session__project__slug",
    "transcript__session__project__title",
    "start",
    "speaker__participant_id",
    "speaker__participant__pseudonym",
    "speaker__participant__segment",
    "speaker__participant__region",
    "speaker__participant__tier",
    "speaker__interviewer_id",
)


def _utterance_documents(where: Q, batch_size: int) -> Iterator[SearchDocument]:
    urls = _UrlCache()
    rows = Utterance.objects.filter(where).values(*UTTERANCE_FIELDS)
    for batch in _keyset(rows, batch_size):
        spans = redaction_spans(transcript_ids={row["transcript_id"] for row in batch})
        for row in batch:
            speaker, speaker_kind, facets = _speaker(row, "speaker__")
            date = _local_date(row["transcript__session__scheduled_at"])
            yield SearchDocument(
                doc_id=doc_id(Kind.UTTERANCE, row["pk"]),
                kind=Kind.UTTERANCE,
                project_id=row["transcript__session__project_id"],
                project_slug=row["transcript__session__project__slug"],
                text=_redacted(
                    row["text"], row["start"], spans, "transcript", row["transcript_id"]
                ),
                url=urls.transcript(
                    row["transcript__session__project__slug"],
                    row["transcript__session_id"],
                    row["transcript_id"],
                )
                + f"#u-{row['pk']}",
                title=_title(speaker, row["transcript__session__project__title"], date),
                speaker=speaker,
                speaker_kind=speaker_kind,
                session_date=date,
                time_ms=row["start_ms"],
                session_id=row["transcript__session_id"],
                speaker_participant_id=row["speaker__participant_id"],
                **facets,
            )


# --- Field notes --------------------------------------------------------------------------------

FIELD_NOTE_FIELDS = (
    "pk",
    "kind",
    "text",
    "observed_at_ms",
    "session_id",
    "session__scheduled_at",
    "session__project_id",
    "session__project__slug",
    "session__project__title",
)


def _field_note_documents(where: Q, batch_size: int) -> Iterator[SearchDocument]:
    urls = _UrlCache()
    rows = FieldNote.objects.filter(where).values(*FIELD_NOTE_FIELDS)
    for batch in _keyset(rows, batch_size):
        spans = redaction_spans(field_note_ids=[row["pk"] for row in batch])
        first = _first_participants({row["session_id"] for row in batch})
        for row in batch:
            pseudonym, facets = first.get(row["session_id"], ("", NO_FACETS))
            date = _local_date(row["session__scheduled_at"])
            yield SearchDocument(
                doc_id=doc_id(Kind.FIELD_NOTE, row["pk"]),
                kind=Kind.FIELD_NOTE,
                project_id=row["session__project_id"],
                project_slug=row["session__project__slug"],
                text=_redacted(row["text"], 0, spans, "field_note", row["pk"]),
                url=urls.session(row["session__project__slug"], row["session_id"])
                + f"#note-{row['pk']}",
                title=_title(
                    _note_label(row["kind"]), pseudonym, row["session__project__title"], date
                ),
                session_date=date,
                time_ms=row["observed_at_ms"],
                session_id=row["session_id"],
                **facets,
            )


# --- Highlights ---------------------------------------------------------------------------------

HIGHLIGHT_FIELDS = (
    "pk",
    "text",
    "start",
    "end",
    "sentiment",
    "pain_severity",
    "project_id",
    "project__slug",
    "project__title",
    "stage__slug",
    "stage__name",
    "transcript_id",
    "transcript__session_id",
    "transcript__session__scheduled_at",
    "field_note_id",
    "field_note__kind",
    "field_note__observed_at_ms",
    "field_note__session_id",
    "field_note__session__scheduled_at",
    "utterance_id",
    "utterance__start_ms",
    "utterance__speaker__participant_id",
    "coder_id",
    "utterance__speaker__participant__pseudonym",
    "utterance__speaker__participant__segment",
    "utterance__speaker__participant__region",
    "utterance__speaker__participant__tier",
    "utterance__speaker__interviewer_id",
)


def _highlight_documents(where: Q, batch_size: int) -> Iterator[SearchDocument]:
    urls = _UrlCache()
    rows = Highlight.objects.filter(where).values(*HIGHLIGHT_FIELDS)
    for batch in _keyset(rows, batch_size):
        codes = _codes([row["pk"] for row in batch])
        spans = redaction_spans(
            transcript_ids={row["transcript_id"] for row in batch if row["transcript_id"]},
            field_note_ids={row["field_note_id"] for row in batch if row["field_note_id"]},
        )
        first = _first_participants(
            {row["field_note__session_id"] for row in batch if row["field_note_id"]}
        )
        for row in batch:
            slugs, names = codes.get(row["pk"], ((), ()))
            slug = row["project__slug"]
            if row["transcript_id"]:
                speaker, speaker_kind, facets = _speaker(row, "utterance__speaker__")
                date = _local_date(row["transcript__session__scheduled_at"])
                url = urls.transcript(slug, row["transcript__session_id"], row["transcript_id"])
                if row["utterance_id"]:
                    url += f"#u-{row['utterance_id']}"
                title = _title(speaker, row["project__title"], date)
                time_ms = row["utterance__start_ms"]
                source = ("transcript", row["transcript_id"])
                session_id = row["transcript__session_id"]
                speaker_participant_id = row["utterance__speaker__participant_id"]
            else:
                session_id = row["field_note__session_id"]
                pseudonym, facets = first.get(session_id, ("", NO_FACETS))
                speaker, speaker_kind = "", ""
                date = _local_date(row["field_note__session__scheduled_at"])
                url = urls.notes(slug, session_id) + f"#note-{row['field_note_id']}"
                title = _title(
                    _note_label(row["field_note__kind"]), pseudonym, row["project__title"], date
                )
                time_ms = row["field_note__observed_at_ms"]
                source = ("field_note", row["field_note_id"])
                speaker_participant_id = None
            yield SearchDocument(
                doc_id=doc_id(Kind.HIGHLIGHT, row["pk"]),
                kind=Kind.HIGHLIGHT,
                project_id=row["project_id"],
                project_slug=slug,
                text=_redacted(row["text"], row["start"], spans, *source),
                url=url,
                title=title,
                speaker=speaker,
                speaker_kind=speaker_kind,
                stage=row["stage__slug"] or "",
                stage_name=row["stage__name"] or "",
                codes=slugs,
                code_names=names,
                sentiment=row["sentiment"],
                pain_severity=row["pain_severity"],
                passage=f"{source[0]}:{source[1]}:{row['start']}:{row['end']}",
                session_date=date,
                time_ms=time_ms,
                session_id=session_id,
                speaker_participant_id=speaker_participant_id,
                coder_id=row["coder_id"],
                **facets,
            )


def _codes(highlight_ids: Sequence[int]) -> dict[int, tuple[tuple[str, ...], tuple[str, ...]]]:
    """Highlight id → (code slugs, code names), in name order (1 query)."""
    found: dict[int, tuple[list[str], list[str]]] = {}
    rows = (
        CodedHighlight.objects.filter(content_object_id__in=highlight_ids)
        .order_by("tag__name", "tag_id")
        .values_list("content_object_id", "tag__slug", "tag__name")
    )
    for highlight_id, slug, name in rows:
        slugs, names = found.setdefault(highlight_id, ([], []))
        slugs.append(slug)
        names.append(name)
    return {pk: (tuple(slugs), tuple(names)) for pk, (slugs, names) in found.items()}


# --- Shared pieces ------------------------------------------------------------------------------


def _redacted(
    text: str, offset: int, spans: dict[tuple[str, int], list[Span]], kind: str, pk: int
) -> str:
    source_spans = spans.get((kind, pk))
    return redact(text, offset, source_spans) if source_spans else text


class Facets(TypedDict, total=False):
    """The speaking participant's open fields a search can filter on."""

    segment: str
    region: str
    tier: str


NO_FACETS: Facets = {}


def _speaker(row: Row, prefix: str) -> tuple[str, str, Facets]:
    """(speaker, speaker_kind, facets) from a row's speaker columns; never the label."""
    pseudonym = row[f"{prefix}participant__pseudonym"]
    if pseudonym:
        facets: Facets = {
            "segment": row[f"{prefix}participant__segment"] or "",
            "region": row[f"{prefix}participant__region"] or "",
            "tier": row[f"{prefix}participant__tier"] or "",
        }
        return pseudonym, "participant", facets
    if row[f"{prefix}interviewer_id"]:
        return INTERVIEWER, "interviewer", NO_FACETS
    return "", "", NO_FACETS


def _first_participants(session_ids: set[int]) -> dict[int, tuple[str, Facets]]:
    """Session id → (pseudonym, facets) of its first participant by pseudonym (1 query)."""
    if not session_ids:
        return {}
    through = Session.participants.through
    rows = (
        through.objects.filter(session_id__in=session_ids)
        .order_by("session_id", "participant__pseudonym")
        .values_list(
            "session_id",
            "participant__pseudonym",
            "participant__segment",
            "participant__region",
            "participant__tier",
        )
    )
    first: dict[int, tuple[str, Facets]] = {}
    for session_id, pseudonym, segment, region, tier in rows:
        if session_id not in first:
            first[session_id] = (pseudonym, {"segment": segment, "region": region, "tier": tier})
    return first


def _note_label(kind: str) -> str:
    try:
        return f"{FieldNote.Kind(kind).label} note"
    except ValueError:
        return "Field note"


def _title(*parts: str | dt.date | None) -> str:
    """ "P-014 · Premium → Ultimate up-tier · 12 Oct 2026", leaving out empty parts."""
    words = [_day(part) if isinstance(part, dt.date) else part for part in parts if part]
    return " · ".join(word for word in words if word)


def _day(date: dt.date) -> str:
    return f"{date.day} {date:%b %Y}"


def _local_date(moment: dt.datetime | None) -> dt.date | None:
    if moment is None:
        return None
    if timezone.is_aware(moment):
        moment = timezone.localtime(moment)
    return moment.date()


class _UrlCache:
    """reverse() once per transcript or session, not once per utterance."""

    def __init__(self) -> None:
        self._urls: dict[tuple[str, str, tuple[int, ...]], str] = {}

    def _get(self, name: str, slug: str, *ids: int) -> str:
        key = (name, slug, ids)
        url = self._urls.get(key)
        if url is None:
            url = self._urls[key] = reverse(name, args=[slug, *ids])
        return url

    def transcript(self, slug: str, session_id: int, transcript_id: int) -> str:
        return self._get("insights:transcript-detail", slug, session_id, transcript_id)

    def session(self, slug: str, session_id: int) -> str:
        return self._get("interviews:session-detail", slug, session_id)

    def notes(self, slug: str, session_id: int) -> str:
        return self._get("insights:session-notes", slug, session_id)


def _keyset(rows: QuerySet[Model, Row], batch_size: int) -> Iterator[list[Row]]:
    """Batches of rows in primary-key order, each fetched with one query (pk > last seen)."""
    last = 0
    while True:
        batch = list(rows.filter(pk__gt=last).order_by("pk")[:batch_size])
        if batch:
            yield batch
        if len(batch) < batch_size:
            return
        last = batch[-1]["pk"]


def _chunks(ids: Iterable[int], size: int) -> Iterator[list[int]]:
    chunk: list[int] = []
    for pk in ids:
        chunk.append(pk)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
