"""JSON endpoints of the coding panel: create, change and delete highlights.

Requests carry UTF-16 offsets (what the browser's Selection counts); they are converted to
code points here, once. Every refusal is a 4xx with a readable "error", never a 500.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpRequest, JsonResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_POST

from cxresearch.lib.http import BadJson, json_object
from cxresearch.lib.text import codepoint_offset
from insights.coding import (
    CodingError,
    HighlightFields,
    codes_get_or_create,
)
from insights.coding import (
    highlight_create as create_highlight,
)
from insights.coding import (
    highlight_delete as delete_highlight,
)
from insights.coding import (
    highlight_update as update_highlight,
)
from insights.models import Highlight, Stage
from insights.views.reader import (
    highlight_colours,
    highlight_data,
    highlights_for,
    marked,
    utterance_rows,
)
from interviews.access import ProjectAccess, get_project_for_member
from interviews.models import FieldNote, Transcript

MAX_BODY_BYTES = 64 * 1024
# Ids, offsets and choices all fit a 64-bit signed integer, the widest column they go into.
MAX_INTEGER = 2**63 - 1


class BadRequest(Exception):
    pass


def _access(request: HttpRequest, slug: str) -> ProjectAccess:
    return get_project_for_member(request, slug, write=True)


def _payload(request: HttpRequest) -> dict[str, Any]:
    try:
        return json_object(request, max_bytes=MAX_BODY_BYTES)
    except BadJson as refusal:
        raise BadRequest(str(refusal)) from None


def _optional_int(data: dict[str, Any], key: str) -> int | None:
    value = data.get(key)
    if value in (None, ""):
        return None
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise BadRequest(f"“{key}” must be a whole number.")
    if isinstance(value, str) and not (0 < len(value) <= 20):
        raise BadRequest(f"“{key}” must be a whole number.")
    try:
        number = int(value)
    except ValueError:
        raise BadRequest(f"“{key}” must be a whole number.") from None
    if abs(number) > MAX_INTEGER:
        raise BadRequest(f"“{key}” is out of range.")
    return number


def _fields(data: dict[str, Any], access: ProjectAccess, user: Any) -> HighlightFields:
    project = access.project
    stage = None
    stage_id = _optional_int(data, "stage")
    if stage_id is not None:
        stage = Stage.objects.filter(pk=stage_id).first()
        if stage is None:
            raise BadRequest("That journey stage does not exist.")
    names = data.get("codes", [])
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise BadRequest("“codes” must be a list of code names.")
    codes = codes_get_or_create(project=project, names=names, by=user)
    memo = data.get("memo", "")
    if not isinstance(memo, str):
        raise BadRequest("“memo” must be text.")
    return HighlightFields(
        stage=stage,
        codes=codes,
        sentiment=_optional_int(data, "sentiment"),
        pain_severity=_optional_int(data, "painSeverity"),
        memo=memo,
    )


def _fragments(access: ProjectAccess, user: Any, highlight: Highlight) -> dict[str, str]:
    """Re-rendered text of every utterance or note the highlight touches, keyed by DOM id."""
    from insights.views.reader import fragment

    if highlight.transcript_id:
        transcript = highlight.transcript
        utterances = list(
            transcript.utterances.filter(start__lt=highlight.end, end__gt=highlight.start)
            .only("id", "start", "end", "text")
            .order_by("position")
        )
        if not utterances:
            return {}
        highlights = highlights_for(
            Highlight.objects.filter(
                transcript=transcript, start__lt=utterances[-1].end, end__gt=utterances[0].start
            ),
            access=access,
            user=user,
            mine_only=False,
        )
        return {
            f"u-{u.pk}": fragment(parts)
            for u, _start16, parts in utterance_rows(transcript, utterances, highlights)
        }
    note = highlight.field_note
    highlights = highlights_for(
        Highlight.objects.filter(field_note=note), access=access, user=user, mine_only=False
    )
    spans = [(h.pk, h.start, h.end) for h in highlights]
    return {f"note-{note.pk}": fragment(marked(note.text, 0, spans, highlight_colours(highlights)))}


def _respond(access: ProjectAccess, user: Any, highlight: Highlight, status: int = 200):
    highlight = (
        Highlight.objects.select_related("stage", "coder", "transcript", "field_note")
        .prefetch_related("coded_items__tag")
        .get(pk=highlight.pk)
    )
    return JsonResponse(
        {
            "highlight": highlight_data([highlight], user=user)[str(highlight.pk)],
            "fragments": _fragments(access, user, highlight),
        },
        status=status,
    )


def _error(message: str, status: int = 400) -> JsonResponse:
    return JsonResponse({"error": message}, status=status)


def _json_errors(view):  # noqa: ANN001, ANN202 - a decorator over the three views below
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
        try:
            return view(request, *args, **kwargs)
        except (BadRequest, CodingError) as refusal:
            return _error(str(refusal))
        except PermissionDenied as denied:
            return _error(str(denied) or "You may not code this study.", status=403)
        except Http404:
            return _error("Not found.", status=404)

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


@require_POST
@_json_errors
def highlight_create(request: HttpRequest, slug: str) -> JsonResponse:
    access = _access(request, slug)
    data = _payload(request)
    source_id = _optional_int(data, "sourceId")
    start16, end16 = _optional_int(data, "start16"), _optional_int(data, "end16")
    if source_id is None or start16 is None or end16 is None:
        raise BadRequest("Say which text is selected: sourceId, start16 and end16.")
    transcript = note = None
    if data.get("source") == "transcript":
        transcript = get_object_or_404(
            Transcript.objects.select_related("session"),
            pk=source_id,
            session__project=access.project,
        )
        text = transcript.text
    elif data.get("source") == "field_note":
        note = get_object_or_404(
            FieldNote.objects.select_related("session"),
            pk=source_id,
            session__project=access.project,
        )
        text = note.text
    else:
        raise BadRequest("“source” must be transcript or field_note.")
    try:
        start, end = codepoint_offset(text, start16), codepoint_offset(text, end16)
    except ValueError as error:
        raise BadRequest(f"The selection does not fit the text: {error}") from None
    snapshot = data.get("text")
    with transaction.atomic():
        highlight = create_highlight(
            project=access.project,
            coder=request.user,
            start=start,
            end=end,
            fields=_fields(data, access, request.user),
            transcript=transcript,
            field_note=note,
            snapshot=snapshot if isinstance(snapshot, str) else None,
        )
    return _respond(access, request.user, highlight, status=201)


@require_POST
@_json_errors
def highlight_update(request: HttpRequest, slug: str, highlight_id: int) -> JsonResponse:
    access = _access(request, slug)
    highlight = get_object_or_404(Highlight, pk=highlight_id, project=access.project)
    data = _payload(request)
    with transaction.atomic():
        update_highlight(
            highlight=highlight, by=request.user, fields=_fields(data, access, request.user)
        )
    return _respond(access, request.user, highlight)


@require_POST
@_json_errors
def highlight_delete(request: HttpRequest, slug: str, highlight_id: int) -> JsonResponse:
    access = _access(request, slug)
    highlight = get_object_or_404(
        Highlight.objects.select_related("transcript", "field_note"),
        pk=highlight_id,
        project=access.project,
    )
    delete_highlight(highlight=highlight, by=request.user)
    highlight.pk = highlight_id
    fragments = _fragments(access, request.user, highlight)
    return JsonResponse({"deleted": highlight_id, "fragments": fragments})
