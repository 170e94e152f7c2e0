"""Highlights and redactions drawn over a source's text, for the reader and the coding panel.

Marks are cut server-side (insights.coding.segments), so overlapping and nested highlights
become runs of non-overlapping <mark> elements; the coding panel (static/js/coding.js)
sends UTF-16 offsets, which insights.views.coding converts to code points. What a reader may
see comes from insights.visibility; this module reads it and draws it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape  # Django's, wrapped for lazy strings, took 2 ms more a reader page
from typing import NamedTuple

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import OuterRef, Q, Subquery
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe

from cxresearch.lib.text import utf16_length, utf16_offsets
from insights.coding import Spanning, memo_visible, segments, spans_by_utterance
from insights.models import Code, CodedHighlight, Highlight, Stage
from insights.quotes import (
    PAIN_SEVERITY_WORDS,
    SENTIMENT_WORDS,
    pain_severity_label,
    sentiment_label,
)
from insights.visibility import (
    EvidenceReader,
    ShownRedaction,
    display_texts,
    evidence_reader,
    redactions_shown,
    visible_highlights,
)
from interviews.access import ProjectAccess
from interviews.models import FieldNote, Redaction, Speaker, Transcript
from interviews.templatetags.interviews_tags import ms_timestamp

DEFAULT_MARK_COLOUR = "#f2c14e"


# Not frozen: a frozen dataclass's __init__ took 1.5 ms more for a reader page's 2,000 pieces.
@dataclass(slots=True)
class MarkedSegment:
    text: str
    highlight_ids: str  # space-separated, innermost last
    colour: str
    depth: int
    redaction: ShownRedaction | None = None  # the redacted span this piece lies in
    # What the piece shows instead of its text when the redaction is hidden from this reader:
    # the placeholder on the first piece of a span, nothing on the rest.
    shown: str | None = None


class DrawnHighlight(NamedTuple):
    """A highlight as the reader and the coding panel draw it: values, not a model instance.

    A long transcript's page draws hundreds. As instances with their codings prefetched they
    cost a third of the page's time, and each highlight and its codings pointed at each
    other: cycles left for the garbage collector's full collections to free. (A tuple: a
    frozen dataclass took 2 ms more to make 250 of them.)
    """

    pk: int
    start: int
    end: int
    text: str
    transcript_id: int | None
    field_note_id: int | None
    stage_id: int | None
    stage_name: str
    sentiment: int | None
    pain_severity: int | None
    memo: str
    memo_shared: bool
    coder_id: int
    coder_name: str
    codes: list[tuple[str, str]]  # (name, colour), in the order they were applied


class Turn(NamedTuple):
    """An utterance as the reader and the fragments draw it (a row, not a model instance)."""

    pk: int
    speaker_id: int | None
    start: int
    end: int
    start_ms: int | None
    text: str


TURN_FIELDS = ("id", "speaker_id", "start", "end", "start_ms", "text")


def highlights_for(where: Q, *, reader: EvidenceReader, mine_only: bool) -> list[DrawnHighlight]:
    """The highlights this reader may see on a source, with their codes, in one or two queries.

    What the reader may see comes from insights.visibility; `where` picks the source (and
    span), `mine_only` is the reader's own choice to see only their codings. Then their
    codings with their codes' names and colours, in the order they were applied.
    """
    highlights = visible_highlights(reader).filter(where)
    if mine_only:
        highlights = highlights.filter(coder_id=getattr(reader.user, "pk", None))
    rows = list(
        highlights.order_by("start", "-end", "id").values_list(
            "id",
            "start",
            "end",
            "text",
            "transcript_id",
            "field_note_id",
            "stage_id",
            "stage__name",
            "sentiment",
            "pain_severity",
            "memo",
            "memo_shared",
            "coder_id",
            "coder__first_name",
            "coder__last_name",
            "coder__username",
        )
    )
    if not rows:
        return []
    codes: dict[int, list[tuple[str, str]]] = {row[0]: [] for row in rows}
    codings = (
        CodedHighlight.objects.filter(content_object_id__in=list(codes))
        .order_by("id")
        .values_list("content_object_id", "tag__name", "tag__colour")
    )
    for highlight_id, name, colour in codings:
        codes[highlight_id].append((name, colour))
    return [
        DrawnHighlight(
            pk=pk,
            start=start,
            end=end,
            text=text,
            transcript_id=transcript_id,
            field_note_id=field_note_id,
            stage_id=stage_id,
            stage_name=stage_name or "",
            sentiment=sentiment,
            pain_severity=pain_severity,
            memo=memo,
            memo_shared=memo_shared,
            coder_id=coder_id,
            # As User.get_full_name(), or the username.
            coder_name=f"{first_name} {last_name}".strip() or username,
            codes=codes[pk],
        )
        for (
            pk,
            start,
            end,
            text,
            transcript_id,
            field_note_id,
            stage_id,
            stage_name,
            sentiment,
            pain_severity,
            memo,
            memo_shared,
            coder_id,
            first_name,
            last_name,
            username,
        ) in rows
    ]


class Mark(NamedTuple):
    """A highlight as a mark over the text: what drawing it needs, and nothing more."""

    pk: int
    start: int
    end: int
    colour: str  # its first code's, as highlight_colours gives


def marks_for(where: Q, *, reader: EvidenceReader) -> list[Mark]:
    """The marks of the highlights this reader may see on a source, in one query.

    For a page that has every highlight's codes and stage already (the coding panel, which
    only swaps in the re-rendered text): highlights_for reads all of that, for each highlight
    the re-rendered text shows, in two queries. Same order as highlights_for: marks of equal
    length nest in this order.
    """
    first_colour = (
        CodedHighlight.objects.filter(content_object_id=OuterRef("pk"))
        .order_by("id")
        .values("tag__colour")[:1]
    )
    rows = (
        visible_highlights(reader)
        .filter(where)
        .annotate(first_colour=Subquery(first_colour))
        .order_by("start", "-end", "id")
        .values_list("id", "start", "end", "first_colour")
    )
    return [
        Mark(pk, start, end, DEFAULT_MARK_COLOUR if colour is None else colour)
        for pk, start, end, colour in rows
    ]


def drawn_highlight(
    highlight: Highlight, *, codes: Sequence[Code], stage: Stage | None, coder: User
) -> DrawnHighlight:
    """A highlight just saved, as highlights_for would read it back, from what was saved (no
    query): `codes` in the order they were applied, `stage` and `coder` the saved ones."""
    applied = {code.pk: code for code in codes}.values()  # as insights.coding applies them
    return DrawnHighlight(
        pk=highlight.pk,
        start=highlight.start,
        end=highlight.end,
        text=highlight.text,
        transcript_id=highlight.transcript_id,
        field_note_id=highlight.field_note_id,
        stage_id=stage.pk if stage else None,
        stage_name=stage.name if stage else "",
        sentiment=highlight.sentiment,
        pain_severity=highlight.pain_severity,
        memo=highlight.memo,
        memo_shared=highlight.memo_shared,
        coder_id=coder.pk,
        coder_name=coder.get_full_name() or coder.get_username(),
        codes=[(code.name, code.colour) for code in applied],
    )


def marked(
    text: str, offset: int, spans: Sequence[tuple[int, int, int]], colours: dict[int, str]
) -> list[MarkedSegment]:
    """Segments of a text ready for the template: colour of the innermost highlight, depth."""
    length = {pk: end - start for pk, start, end in spans}
    result: list[MarkedSegment] = []
    for segment in segments(text, offset, spans):
        inner_first = sorted(segment.highlight_ids, key=lambda pk: length[pk])
        result.append(
            MarkedSegment(
                text=segment.text,
                highlight_ids=" ".join(str(pk) for pk in reversed(inner_first)),
                colour=colours.get(inner_first[0], DEFAULT_MARK_COLOUR) if inner_first else "",
                depth=len(inner_first),
            )
        )
    return result


def highlight_colours(highlights: Sequence[DrawnHighlight]) -> dict[int, str]:
    """Each highlight's mark colour: its first code's."""
    return {h.pk: h.codes[0][1] if h.codes else DEFAULT_MARK_COLOUR for h in highlights}


def highlight_data(
    highlights: Sequence[DrawnHighlight],
    *,
    reader: EvidenceReader,
    shown: dict[tuple[str, int], list[ShownRedaction]] | None = None,
) -> dict[str, dict[str, object]]:
    """What the coding panel needs to edit each highlight, passed with json_script.

    `shown`: the sources' redactions when the caller has read them (saves a query).
    """
    user = reader.user
    texts = display_texts(reader, highlights, shown)
    return {
        str(h.pk): {
            "id": h.pk,
            "stage": h.stage_id,
            "stageName": h.stage_name,
            "codes": [name for name, _colour in h.codes],
            "sentiment": h.sentiment,
            "painSeverity": h.pain_severity,
            "memo": h.memo if memo_visible(h, role=reader.role) else "",
            "memoShared": h.memo_shared,
            "coder": h.coder_name,
            "mine": h.coder_id == getattr(user, "pk", None),
            "text": texts[h.pk],
        }
        for h in highlights
    }


def utterance_rows(
    transcript: Transcript,
    utterances: list[Turn],
    highlights: list[DrawnHighlight],
    redactions: Sequence[ShownRedaction] = (),
) -> list[tuple[Turn, int, list[MarkedSegment]]]:
    """Each utterance's marked segments, cut at redactions too (insights.visibility)."""
    starts16 = utf16_offsets(transcript.text, [u.start for u in utterances])
    parts = marked_turns(utterances, highlights, highlight_colours(highlights), redactions)
    return list(zip(utterances, starts16, parts, strict=True))


def marked_turns(
    utterances: Sequence[Turn],
    highlights: Sequence[Spanning],
    colours: dict[int, str],
    redactions: Sequence[ShownRedaction] = (),
) -> list[list[MarkedSegment]]:
    """Each utterance's text cut into marked segments, and at the redactions over it."""
    spans = spans_by_utterance(utterances, highlights)
    by_pk = {r.pk: r for r in redactions}
    redacted = spans_by_utterance(utterances, redactions)
    return [
        redact_segments(
            marked(u.text, u.start, spans[u.pk], colours),
            u.start,
            [by_pk[pk] for pk, _start, _end in redacted[u.pk]],
        )
        for u in utterances
    ]


def redact_segments(
    parts: list[MarkedSegment], offset: int, redactions: Sequence[ShownRedaction]
) -> list[MarkedSegment]:
    """Segments cut at every redaction boundary, each piece knowing the redaction it lies in.

    Where redactions overlap, one hidden from the reader wins. A hidden span shows its
    placeholder once, on its first piece; the text it stands for never reaches the page.
    """
    if not redactions:
        return parts
    result = []
    position = offset
    previous: ShownRedaction | None = None
    for part in parts:
        end = position + len(part.text)
        cuts = {position, end}
        for r in redactions:
            cuts.update(c for c in (r.start, r.end) if position < c < end)
        ordered = sorted(cuts)
        for left, right in zip(ordered, ordered[1:], strict=False):
            piece = part.text[left - position : right - position]
            covering = [r for r in redactions if r.start <= left and r.end >= right]
            covering.sort(key=lambda r: (not r.hidden, r.start))
            redaction = covering[0] if covering else None
            shown = None
            if redaction is not None and redaction.hidden:
                shown = redaction.placeholder if redaction != previous else ""
            result.append(dataclasses.replace(part, text=piece, redaction=redaction, shown=shown))
            previous = redaction
        position = end
    return result


def speaker_display(speaker: Speaker | None, *, show_label: bool) -> str:
    """A speaker as a reader sees it: never a label that may be a participant's name to a viewer."""
    if speaker is None:
        return ""
    # Without an id the relation is None, read without a query.
    if (participant := speaker.participant) is not None:
        return participant.pseudonym
    if (user := speaker.interviewer) is not None:
        return f"{user.get_full_name() or user.username} (interviewer)"
    if show_label and speaker.label:
        return speaker.label
    return f"Speaker {speaker.position + 1}"


def coding_context(access: ProjectAccess, user: User | AnonymousUser) -> dict[str, object]:
    """Codebook and stages for the coding panel."""
    project = access.project
    stages = (
        list(Stage.objects.filter(framework_id=project.framework_id))
        if project.framework_id
        else []
    )
    codes = list(project.codes.order_by("name").values("id", "name", "colour", "kind"))
    return {
        "coding_data": {
            "canCode": access.can_edit,
            "createUrl": reverse("insights:highlight-create", args=[project.slug]),
            "updateUrl": reverse("insights:highlight-update", args=[project.slug, 0]),
            "deleteUrl": reverse("insights:highlight-delete", args=[project.slug, 0]),
            "redactUrl": reverse("insights:redaction-create", args=[project.slug]),
            "unredactUrl": reverse("insights:redaction-delete", args=[project.slug, 0]),
            "codes": codes,
            "stages": [{"id": s.pk, "name": s.name, "position": s.position} for s in stages],
        },
        "stages": stages,
        "redaction_kinds": Redaction.Kind.choices,
        # Only whom blind coding binds is told so: leads and viewers see every coding.
        "blind": evidence_reader(project=project, user=user, role=access.role).own_codings_only,
        # The same words as the quote list and exports (insights.quotes).
        "pain_choices": [(value, pain_severity_label(value)) for value in PAIN_SEVERITY_WORDS],
        "sentiment_choices": [
            (value, sentiment_label(value).split(" ", 1)[0], word)
            for value, word in SENTIMENT_WORDS.items()
        ],
    }


@dataclass(frozen=True)
class TranscriptReading:
    """Turns of a transcript as one reader sees them, and the coding around them."""

    rows: list[tuple[Turn, str, int, SafeString]]  # turn, speaker, UTF-16 start, text
    html: SafeString  # the rows as the page draws them (turns_html)
    highlights: dict[str, dict[str, object]]  # highlight_data, for the coding panel
    highlight_count: int  # in the whole transcript
    coded_percent: int  # of the whole transcript's turns


def transcript_reading(
    reader: EvidenceReader,
    transcript: Transcript,
    *,
    first: int,
    turns: int,
    whole: bool,
    mine_only: bool,
    show_labels: bool,
) -> TranscriptReading:
    """`turns` turns of the transcript from the `first` (all of them when `whole`), marked.

    `show_labels`: whether speaker labels from the file (maybe a participant's name) are shown.
    """
    speakers = transcript.speakers.select_related("participant", "interviewer")
    names: dict[int | None, str] = {
        s.pk: speaker_display(s, show_label=show_labels) for s in speakers
    }
    utterances = [
        Turn(*row)
        for row in transcript.utterances.order_by("position").values_list(*TURN_FIELDS)[
            first : first + turns
        ]
    ]
    where = Q(transcript=transcript)
    if not whole and utterances:
        where &= Q(start__lt=utterances[-1].end, end__gt=utterances[0].start)
    highlights = highlights_for(where, reader=reader, mine_only=mine_only)
    redactions = redactions_shown(reader, transcript_ids=[transcript.pk])
    rows, coded = [], 0
    shown = redactions.get(("transcript", transcript.pk), [])
    for u, start16, parts in utterance_rows(transcript, utterances, highlights, shown):
        rows.append((u, names.get(u.speaker_id, ""), start16, marked_html(parts)))
        coded += any(part.depth for part in parts)
    highlight_count = len(highlights)
    coded_percent = round(100 * coded / len(utterances)) if utterances else 0
    if not whole:
        # The toolbar speaks of the whole transcript, not of this part.
        highlight_count, coded_percent = whole_transcript_coding(
            transcript, reader=reader, mine_only=mine_only
        )
    return TranscriptReading(
        rows=rows,
        html=turns_html(rows),
        highlights=highlight_data(highlights, reader=reader, shown=redactions),
        highlight_count=highlight_count,
        coded_percent=coded_percent,
    )


def whole_transcript_coding(
    transcript: Transcript, *, reader: EvidenceReader, mine_only: bool
) -> tuple[int, int]:
    """(highlights, % of turns coded) over the whole transcript, as this reader sees it.

    Two plain reads and a sweep in Python: counting the turns with an EXISTS per turn in SQL
    took 36 ms on a 40,000-word transcript, these 2 ms.
    """
    visible = visible_highlights(reader).filter(transcript=transcript)
    if mine_only:
        visible = visible.filter(coder_id=getattr(reader.user, "pk", None))
    spans = sorted(visible.values_list("start", "end"))
    turns = list(transcript.utterances.order_by("start").values_list("start", "end"))
    coded = covered_turns(turns, spans)
    return len(spans), round(100 * coded / len(turns)) if turns else 0


def covered_turns(turns: Sequence[tuple[int, int]], spans: Sequence[tuple[int, int]]) -> int:
    """How many turns share at least one character with a span (both sorted by start)."""
    merged: list[list[int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        elif start < end:
            merged.append([start, end])
    covered = position = 0
    for start, end in turns:
        while position < len(merged) and merged[position][1] <= start:
            position += 1
        if position < len(merged) and merged[position][0] < end:
            covered += 1
    return covered


@dataclass(frozen=True)
class NotesReading:
    """A session's field notes as one reader sees them, and the coding on them."""

    rows: list[tuple[FieldNote, SafeString]]
    highlights: dict[str, dict[str, object]]  # highlight_data, for the coding panel
    highlight_count: int


def notes_reading(
    reader: EvidenceReader, notes: Sequence[FieldNote], *, mine_only: bool
) -> NotesReading:
    highlights = highlights_for(Q(field_note__in=notes), reader=reader, mine_only=mine_only)
    colours = highlight_colours(highlights)
    by_note: dict[int, list[tuple[int, int, int]]] = {n.pk: [] for n in notes}
    for h in highlights:
        if h.field_note_id is not None:  # always, by the filter above
            by_note[h.field_note_id].append((h.pk, h.start, h.end))
    spans = redactions_shown(reader, field_note_ids=[note.pk for note in notes])
    rows = [
        (
            note,
            marked_html(
                redact_segments(
                    marked(note.text, 0, by_note[note.pk], colours),
                    0,
                    spans.get(("field_note", note.pk), []),
                )
            ),
        )
        for note in notes
    ]
    return NotesReading(
        rows=rows,
        highlights=highlight_data(highlights, reader=reader, shown=spans),
        highlight_count=len(highlights),
    )


def source_fragments(
    reader: EvidenceReader,
    *,
    transcript: Transcript | None = None,
    note: FieldNote | None = None,
    start: int,
    end: int,
    shown: dict[tuple[str, int], list[ShownRedaction]] | None = None,
) -> dict[str, str]:
    """Re-rendered text of every utterance (or the note) a span touches, keyed by DOM id.

    The coding panel swaps these in; it has every highlight's codes and stage already, so
    only the marks are read (marks_for): the same HTML as fragments_and_highlights draws.
    `shown`: the source's redactions (redactions_shown) when the caller has read them.
    """
    if transcript is not None:
        utterances = span_turns(transcript, start, end)
        if not utterances:
            return {}
        marks = marks_for(
            Q(transcript=transcript, start__lt=utterances[-1].end, end__gt=utterances[0].start),
            reader=reader,
        )
        if shown is None:
            shown = redactions_shown(reader, transcript_ids=[transcript.pk])
        parts = marked_turns(
            utterances,
            marks,
            {m.pk: m.colour for m in marks},
            shown.get(("transcript", transcript.pk), []),
        )
        return {f"u-{u.pk}": fragment(p) for u, p in zip(utterances, parts, strict=True)}
    assert note is not None
    marks = marks_for(Q(field_note=note), reader=reader)
    if shown is None:
        shown = redactions_shown(reader, field_note_ids=[note.pk])
    return {f"note-{note.pk}": note_fragment(note, marks, {m.pk: m.colour for m in marks}, shown)}


def span_turns(transcript: Transcript, start: int, end: int) -> list[Turn]:
    """The transcript's utterances a span overlaps, in order."""
    return [
        Turn(*row)
        for row in transcript.utterances.filter(start__lt=end, end__gt=start)
        .order_by("position")
        .values_list(*TURN_FIELDS)
    ]


def note_fragment(
    note: FieldNote,
    highlights: Sequence[Spanning],
    colours: dict[int, str],
    shown: dict[tuple[str, int], list[ShownRedaction]],
) -> str:
    """A field note's text, marked, with its redactions."""
    return fragment(
        redact_segments(
            marked(note.text, 0, [(h.pk, h.start, h.end) for h in highlights], colours),
            0,
            shown.get(("field_note", note.pk), []),
        )
    )


def fragments_and_highlights(
    reader: EvidenceReader,
    *,
    transcript: Transcript | None = None,
    note: FieldNote | None = None,
    start: int,
    end: int,
    shown: dict[tuple[str, int], list[ShownRedaction]] | None = None,
) -> tuple[dict[str, str], list[DrawnHighlight]]:
    """source_fragments, and the highlights drawn in them (with codes, stage and coder)."""
    if transcript is not None:
        utterances = span_turns(transcript, start, end)
        if not utterances:
            return {}, []
        highlights = highlights_for(
            Q(transcript=transcript, start__lt=utterances[-1].end, end__gt=utterances[0].start),
            reader=reader,
            mine_only=False,
        )
        if shown is None:
            shown = redactions_shown(reader, transcript_ids=[transcript.pk])
        parts = marked_turns(
            utterances,
            highlights,
            highlight_colours(highlights),
            shown.get(("transcript", transcript.pk), []),
        )
        fragments = {f"u-{u.pk}": fragment(p) for u, p in zip(utterances, parts, strict=True)}
        return fragments, highlights
    assert note is not None
    highlights = highlights_for(Q(field_note=note), reader=reader, mine_only=False)
    if shown is None:
        shown = redactions_shown(reader, field_note_ids=[note.pk])
    fragments = {
        f"note-{note.pk}": note_fragment(note, highlights, highlight_colours(highlights), shown)
    }
    return fragments, highlights


def marked_html(parts: Sequence[MarkedSegment]) -> SafeString:
    """A text's segments as HTML: plain text, and <mark> elements for highlighted runs.

    Built here rather than by a template include per utterance: the reader of a long
    interview renders a few thousand segments, and the include took half of its time.
    Every value is escaped; a code's colour is checked by forms only, not by the database.

    A redaction hidden from the reader is a span showing its placeholder, with the length
    of the text it stands for in UTF-16 units (data-len16) so that static/js/coding.js
    counts selection offsets past it right. One the reader may see (the research team's)
    is its text in a span that says it is redacted for everyone else.
    """
    html = []
    for part in parts:
        inner: str = escape(part.text)
        redaction = part.redaction
        if redaction is not None and part.shown is not None:
            inner = (
                f'<span class="redacted" data-len16="{utf16_length(part.text):d}" '
                f'title="Redacted: {escape(redaction.kind.lower())}">{escape(part.shown)}</span>'
            )
        elif redaction is not None:
            inner = (
                f'<span class="redaction" data-r="{redaction.pk:d}" '
                f'title="Redacted for viewers ({escape(redaction.kind.lower())}): '
                f'click to undo">{inner}</span>'
            )
        if part.depth:
            inner = (
                f'<mark class="hl depth-{part.depth:d}" data-h="{escape(part.highlight_ids)}" '
                f'data-colour="{escape(part.colour)}">{inner}</mark>'
            )
        html.append(inner)
    return mark_safe("".join(html))  # noqa: S308 - every piece is escaped above


def turns_html(rows: Sequence[tuple[Turn, str, int, SafeString]]) -> SafeString:
    """The reader's turns as HTML: for each, its speaker, its time (or a # link to it), and
    its marked text, which static/js/coding.js codes (data-fragment, data-start16).

    Built here like marked_html: the template's loop over 250 turns, a dozen variables and a
    filter each, took a third of the page's time. Every value is escaped.
    """
    html = []
    for utterance, speaker, start16, text in rows:
        anchor = f"u-{utterance.pk:d}"
        if utterance.start_ms is not None:
            stamp = escape(ms_timestamp(utterance.start_ms))
            link = f'<a class="time" href="#{anchor}">{stamp}</a>'
        else:
            link = f'<a class="time" href="#{anchor}" aria-label="Link to this turn">#</a>'
        html.append(
            f'<div class="utterance" id="{anchor}"><div class="utterance-meta">'
            f'<span class="speaker">{escape(speaker)}</span> {link}</div>'
            f'<p class="utterance-text codable" data-fragment="{anchor}" '
            f'data-start16="{start16:d}">{text}</p></div>\n'
        )
    return mark_safe("".join(html))  # noqa: S308 - every piece is escaped above


def fragment(parts: list[MarkedSegment]) -> str:
    return marked_html(parts)
