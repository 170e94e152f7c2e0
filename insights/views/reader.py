"""The transcript reader and the field-notes page: highlights as marks, and the coding panel.

Marks are cut server-side (insights.coding.segments), so overlapping and nested highlights
become runs of non-overlapping <mark> elements; the coding panel (static/js/coding.js)
sends UTF-16 offsets, which insights.views.coding converts to code points.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import Prefetch, QuerySet
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from cxresearch.lib.http import AuthenticatedHttpRequest
from cxresearch.lib.text import utf16_offsets
from insights.coding import segments, spans_by_utterance, visible_highlights
from insights.models import Code, CodedHighlight, Highlight
from interviews import pii
from interviews.access import ProjectAccess, get_project_for_member
from interviews.models import FieldNote, Session, Speaker, Transcript, Utterance

DEFAULT_MARK_COLOUR = "#f2c14e"


@dataclass(frozen=True)
class MarkedSegment:
    text: str
    highlight_ids: str  # space-separated, innermost last
    colour: str
    depth: int


def highlights_for(
    sources: QuerySet[Highlight], *, access: ProjectAccess, user: object, mine_only: bool
) -> list[Highlight]:
    """The highlights this user may see on a source, with their codes, in one to three queries.

    Codes are read once each rather than once per coding: a long, well-coded transcript has
    a thousand codings of a few dozen codes. Codings come in the order they were applied.
    """
    mine_only = mine_only or (access.role == "researcher" and _blind(access))
    codings = CodedHighlight.objects.only("id", "content_object_id", "tag_id").order_by("id")
    return list(
        sources.filter(visible_highlights(project=access.project, user=user, mine_only=mine_only))
        .select_related("stage", "coder")
        .prefetch_related(
            Prefetch("coded_items", queryset=codings),
            Prefetch("coded_items__tag", queryset=Code.objects.only("id", "name", "colour")),
        )
        .order_by("start", "-end", "id")
    )


def _blind(access: ProjectAccess) -> bool:
    return access.project.blind_coding and not access.project.codings_revealed


def marked(text: str, offset: int, spans: Sequence[tuple[int, int, int]], colours: dict[int, str]):
    """Segments of a text ready for the template: colour of the innermost highlight, depth."""
    length = {pk: end - start for pk, start, end in spans}
    result = []
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


def highlight_colours(highlights: Sequence[Highlight]) -> dict[int, str]:
    colours = {}
    for highlight in highlights:
        items = list(highlight.coded_items.all())
        colours[highlight.pk] = items[0].tag.colour if items else DEFAULT_MARK_COLOUR
    return colours


def highlight_data(highlights: Sequence[Highlight], *, user: object) -> dict[str, dict]:
    """What the coding panel needs to edit each highlight, passed with json_script."""
    return {
        str(h.pk): {
            "id": h.pk,
            "stage": h.stage_id,
            "stageName": h.stage.name if h.stage else "",
            "codes": [item.tag.name for item in h.coded_items.all()],
            "sentiment": h.sentiment,
            "painSeverity": h.pain_severity,
            "memo": h.memo,
            "coder": h.coder.get_full_name() or h.coder.username,
            "mine": h.coder_id == getattr(user, "pk", None),
            "text": h.text,
        }
        for h in highlights
    }


def utterance_rows(
    transcript: Transcript, utterances: list[Utterance], highlights: list[Highlight]
) -> list[tuple[Utterance, int, list[MarkedSegment]]]:
    colours = highlight_colours(highlights)
    spans = spans_by_utterance(utterances, highlights)
    starts16 = utf16_offsets(transcript.text, [u.start for u in utterances])
    return [
        (u, start16, marked(u.text, u.start, spans[u.pk], colours))
        for u, start16 in zip(utterances, starts16, strict=True)
    ]


def speaker_display(speaker: Speaker | None, *, show_label: bool) -> str:
    """A speaker as a reader sees it: never a label that may be a participant's name to a viewer."""
    if speaker is None:
        return ""
    if speaker.participant_id:
        return speaker.participant.pseudonym
    if speaker.interviewer_id:
        user = speaker.interviewer
        return f"{user.get_full_name() or user.username} (interviewer)"
    if show_label and speaker.label:
        return speaker.label
    return f"Speaker {speaker.position + 1}"


def coding_context(access: ProjectAccess, user: object) -> dict[str, object]:
    """Codebook and stages for the coding panel."""
    project = access.project
    stages = list(project.framework.stages.all()) if project.framework_id else []
    codes = list(project.codes.order_by("name").values("id", "name", "colour", "kind"))
    return {
        "coding_data": {
            "canCode": access.can_edit,
            "createUrl": reverse("insights:highlight-create", args=[project.slug]),
            "updateUrl": reverse("insights:highlight-update", args=[project.slug, 0]),
            "deleteUrl": reverse("insights:highlight-delete", args=[project.slug, 0]),
            "codes": codes,
            "stages": [{"id": s.pk, "name": s.name, "position": s.position} for s in stages],
        },
        "stages": stages,
        "blind": _blind(access),
    }


def transcript_detail(
    request: AuthenticatedHttpRequest, slug: str, session_id: int, transcript_id: int
) -> HttpResponse:
    access = get_project_for_member(request, slug)
    transcript = get_object_or_404(
        Transcript.objects.select_related("session"),
        pk=transcript_id,
        session_id=session_id,
        session__project=access.project,
    )
    mine_only = request.GET.get("show") == "mine"
    speakers = {s.pk: s for s in transcript.speakers.select_related("participant", "interviewer")}
    show_labels = pii.can_see_pii(request.user)
    names = {pk: speaker_display(s, show_label=show_labels) for pk, s in speakers.items()}
    utterances = list(
        transcript.utterances.only("id", "speaker_id", "start", "end", "start_ms", "text").order_by(
            "position"
        )
    )
    highlights = highlights_for(
        Highlight.objects.filter(transcript=transcript),
        access=access,
        user=request.user,
        mine_only=mine_only,
    )
    rows, coded = [], 0
    for u, start16, parts in utterance_rows(transcript, utterances, highlights):
        rows.append((u, names.get(u.speaker_id, ""), start16, marked_html(parts)))
        coded += any(part.depth for part in parts)
    context = {
        "access": access,
        "project": access.project,
        "session": transcript.session,
        "transcript": transcript,
        "rows": rows,
        "highlights": highlight_data(highlights, user=request.user),
        "highlight_count": len(highlights),
        "coded_percent": round(100 * coded / len(utterances)) if utterances else 0,
        "mine_only": mine_only,
        "source": {"kind": "transcript", "id": transcript.pk},
        **coding_context(access, request.user),
    }
    return render(request, "insights/transcript_detail.html", context)


def session_notes(request: AuthenticatedHttpRequest, slug: str, session_id: int) -> HttpResponse:
    """The session's field notes, codable like a transcript."""
    access = get_project_for_member(request, slug)
    session = get_object_or_404(Session, pk=session_id, project=access.project)
    mine_only = request.GET.get("show") == "mine"
    notes = list(session.field_notes.select_related("author"))
    highlights = highlights_for(
        Highlight.objects.filter(field_note__in=notes),
        access=access,
        user=request.user,
        mine_only=mine_only,
    )
    colours = highlight_colours(highlights)
    by_note: dict[int, list[tuple[int, int, int]]] = {n.pk: [] for n in notes}
    for h in highlights:
        by_note[h.field_note_id].append((h.pk, h.start, h.end))
    rows = [(note, marked_html(marked(note.text, 0, by_note[note.pk], colours))) for note in notes]
    context = {
        "access": access,
        "project": access.project,
        "session": session,
        "rows": rows,
        "highlights": highlight_data(highlights, user=request.user),
        "highlight_count": len(highlights),
        "coded_percent": None,
        "mine_only": mine_only,
        **coding_context(access, request.user),
    }
    return render(request, "insights/session_notes.html", context)


def marked_html(parts: Sequence[MarkedSegment]) -> SafeString:
    """A text's segments as HTML: plain text, and <mark> elements for highlighted runs.

    Built here rather than by a template include per utterance: the reader of a long
    interview renders a few thousand segments, and the include took half of its time.
    Every value is escaped; a code's colour is checked by forms only, not by the database.
    The colour goes in data-colour, which static/js/coding.js applies: the Content-Security-
    Policy allows no style attributes.
    """
    html = [
        f'<mark class="hl depth-{part.depth:d}" data-h="{escape(part.highlight_ids)}" '
        f'data-colour="{escape(part.colour)}">{escape(part.text)}</mark>'
        if part.depth
        else escape(part.text)
        for part in parts
    ]
    return mark_safe("".join(html))  # noqa: S308 - every piece is escaped above


def fragment(parts: list[MarkedSegment]) -> str:
    return marked_html(parts)


def note_fragment(note: FieldNote, highlights: list[Highlight]) -> str:
    spans = [(h.pk, h.start, h.end) for h in highlights]
    return fragment(marked(note.text, 0, spans, highlight_colours(highlights)))
