"""JSON endpoints of the coding panel: create, change and delete highlights; redact spans.

Requests carry UTF-16 offsets (what the browser's Selection counts); they are converted to
code points here, once. Every refusal is a 4xx with a readable "error", never a 500.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import update_wrapper
from typing import Any, Concatenate, Literal

from django.contrib import messages
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from cxresearch.lib.http import AuthenticatedHttpRequest
from cxresearch.lib.payloads import PayloadError, from_form, from_json, wire
from cxresearch.lib.text import codepoint_offset
from insights.access import get_highlight_for_member
from insights.coding import (
    CodingError,
    HighlightFields,
    codes_get_or_create,
)
from insights.coding import (
    highlight_delete as delete_highlight,
)
from insights.coding import (
    highlight_get_or_create as get_or_create_highlight,
)
from insights.coding import (
    highlight_memo_share as share_memo,
)
from insights.coding import (
    highlight_update as update_highlight,
)
from insights.marks import (
    drawn_highlight,
    fragments_and_highlights,
    highlight_data,
    highlights_for,
    source_fragments,
)
from insights.models import Highlight, Stage
from insights.visibility import (
    EvidenceReader,
    ShownRedaction,
    evidence_reader,
    redactions_shown,
)
from interviews.access import (
    ProjectAccess,
    field_note_in_project,
    get_project_for_member,
    transcript_in_project,
)
from interviews.models import FieldNote, Redaction, Transcript
from interviews.redaction import RedactionError, redaction_create, redaction_delete

MAX_BODY_BYTES = 64 * 1024
ALREADY_HIGHLIGHTED = (
    "You had already highlighted exactly this text, so nothing new was saved. "
    "Here is that highlight: change it and save."
)
SAY_WHICH_TEXT = "Say which text is selected: sourceId, start16 and end16."
SAY_WHICH_SOURCE = "“source” must be transcript or field_note."
SAY_WHAT_KIND = "Say what the selection is: “kind” (name, company, email, phone, other)."
SAY_WHETHER_SHARED = "Say whether to share the memo: shared=1 or shared=0."


# --- What the coding panel sends (static/js/coding.js) ------------------------------------------


@dataclass(frozen=True, kw_only=True)
class SelectionPayload:
    """A selection in a transcript or field note, in UTF-16 offsets."""

    source_id: int = field(metadata=wire("sourceId", missing=SAY_WHICH_TEXT))
    start16: int = field(metadata=wire(missing=SAY_WHICH_TEXT))
    end16: int = field(metadata=wire(missing=SAY_WHICH_TEXT))
    source: Literal["transcript", "field_note"] = field(
        metadata=wire(missing=SAY_WHICH_SOURCE, invalid=SAY_WHICH_SOURCE)
    )


@dataclass(frozen=True, kw_only=True)
class HighlightPayload:
    """What a coder chooses for a highlight: the panel's form (payload() in coding.js)."""

    stage: int | None = None
    codes: list[str] = field(
        default_factory=list, metadata=wire(invalid="“codes” must be a list of code names.")
    )
    sentiment: int | None = None
    pain_severity: int | None = field(default=None, metadata=wire("painSeverity"))
    memo: str = ""


@dataclass(frozen=True, kw_only=True)
class HighlightCreatePayload(HighlightPayload, SelectionPayload):
    text: str | None = None  # the selection's text as the browser read it


@dataclass(frozen=True, kw_only=True)
class RedactionPayload(SelectionPayload):
    kind: str = field(metadata=wire(missing=SAY_WHAT_KIND, invalid=SAY_WHAT_KIND))


@dataclass(frozen=True, kw_only=True)
class MemoSharePayload:
    """The quote list's share toggle, a form (its "next" is read apart: it applies either way)."""

    shared: Literal["0", "1"] = field(
        metadata=wire(missing=SAY_WHETHER_SHARED, invalid=SAY_WHETHER_SHARED)
    )


def _access(request: HttpRequest, slug: str) -> ProjectAccess:
    return get_project_for_member(request, slug, write=True)


def _fields(payload: HighlightPayload, access: ProjectAccess, user: User) -> HighlightFields:
    stage = None
    if payload.stage is not None:
        # Unordered: the stages' default order joins their framework, for one row.
        stage = next(iter(Stage.objects.filter(pk=payload.stage).order_by()[:1]), None)
        if stage is None:
            raise PayloadError("That journey stage does not exist.", field="stage")
    codes = codes_get_or_create(
        project=access.project, names=payload.codes, by=user, role=access.role
    )
    return HighlightFields(
        stage=stage,
        codes=codes,
        sentiment=payload.sentiment,
        pain_severity=payload.pain_severity,
        memo=payload.memo,
    )


def _reader(access: ProjectAccess, user: Any) -> EvidenceReader:
    return evidence_reader(project=access.project, user=user, role=access.role)


def _fragments(
    access: ProjectAccess,
    user: Any,
    highlight: Highlight,
    shown: dict[tuple[str, int], list[ShownRedaction]] | None = None,
) -> dict[str, str]:
    """Re-rendered text of every utterance or note the highlight touches, keyed by DOM id."""
    return source_fragments(
        _reader(access, user),
        transcript=highlight.transcript,
        note=highlight.field_note,
        start=highlight.start,
        end=highlight.end,
        shown=shown,
    )


def _respond(
    access: ProjectAccess,
    user: Any,
    highlight: Highlight,
    status: int = 200,
    extra: dict[str, Any] | None = None,
) -> JsonResponse:
    """The highlight as the coding panel edits it, and the re-rendered text around it.

    The highlight comes from the fragments' own read of the source's highlights, with its
    codes; only one that no utterance's text overlaps (a speaker label) is read on its own.
    """
    reader = _reader(access, user)
    shown = _source_redactions(reader, highlight)
    fragments, drawn = fragments_and_highlights(
        reader,
        transcript=highlight.transcript,
        note=highlight.field_note,
        start=highlight.start,
        end=highlight.end,
        shown=shown,
    )
    found = [h for h in drawn if h.pk == highlight.pk] or highlights_for(
        Q(pk=highlight.pk), reader=reader, mine_only=False
    )
    data = highlight_data(found, reader=reader, shown=shown)[str(highlight.pk)]
    return JsonResponse({"highlight": data, "fragments": fragments, **(extra or {})}, status=status)


def _source_redactions(
    reader: EvidenceReader, highlight: Highlight
) -> dict[tuple[str, int], list[ShownRedaction]]:
    """The redactions of the highlight's source, read once for the quote and the fragments."""
    return redactions_shown(
        reader,
        transcript_ids=[highlight.transcript_id] if highlight.transcript_id else [],
        field_note_ids=[highlight.field_note_id] if highlight.field_note_id else [],
    )


def _error(message: str, status: int = 400, *, field: str | None = None) -> JsonResponse:
    """A refusal as coding.js reads it: {"error": message}, and the field it names, if any."""
    return JsonResponse({"error": message, **({"field": field} if field else {})}, status=status)


type _JsonView[**P] = Callable[Concatenate[AuthenticatedHttpRequest, P], JsonResponse]


def _json_errors[**P](view: _JsonView[P]) -> _JsonView[P]:
    """Refusals as JSON errors, for the coding endpoints below."""

    def wrapped(
        request: AuthenticatedHttpRequest, /, *args: P.args, **kwargs: P.kwargs
    ) -> JsonResponse:
        try:
            return view(request, *args, **kwargs)
        except PayloadError as refusal:
            return _error(str(refusal), field=refusal.field)
        except (CodingError, RedactionError) as refusal:
            return _error(str(refusal))
        except PermissionDenied as denied:
            return _error(str(denied) or "You may not code this study.", status=403)
        except Http404:
            return _error("Not found.", status=404)

    update_wrapper(wrapped, view)
    return wrapped


def _selection(
    selection: SelectionPayload, access: ProjectAccess, *, lock: bool = False
) -> tuple[Transcript | None, FieldNote | None, int, int]:
    """The source and code-point span of a selection; `lock`: a transcript is read locked."""
    transcript = note = None
    if selection.source == "transcript":
        transcript = transcript_in_project(access, selection.source_id, lock=lock)
        text = transcript.text
    else:
        note = field_note_in_project(access, selection.source_id)
        text = note.text
    try:
        start = codepoint_offset(text, selection.start16)
        end = codepoint_offset(text, selection.end16)
    except ValueError as error:
        raise PayloadError(f"The selection does not fit the text: {error}") from None
    return transcript, note, start, end


@require_POST
@_json_errors
def highlight_create(request: AuthenticatedHttpRequest, slug: str) -> JsonResponse:
    access = _access(request, slug)
    payload = from_json(request, HighlightCreatePayload, max_bytes=MAX_BODY_BYTES)
    with transaction.atomic():
        # The transcript is read with the lock the service takes (one statement for both).
        transcript, note, start, end = _selection(payload, access, lock=True)
        fields = _fields(payload, access, request.user)
        highlight, created = get_or_create_highlight(
            project=access.project,
            coder=request.user,
            start=start,
            end=end,
            fields=fields,
            transcript=transcript,
            field_note=note,
            snapshot=payload.text,
            role=access.role,
            transcript_locked=True,
        )
    if not created:
        # A second click or a retried request: the first save stands, unchanged.
        return _respond(
            access,
            request.user,
            highlight,
            status=200,
            extra={"existing": True, "message": ALREADY_HIGHLIGHTED},
        )
    return _respond_created(access, request.user, highlight, fields)


def _respond_created(
    access: ProjectAccess, user: User, highlight: Highlight, fields: HighlightFields
) -> JsonResponse:
    """_respond for a highlight just created: its data is what was saved (the coding panel
    reads nothing more of it), and the re-rendered text needs only the marks around it."""
    reader = _reader(access, user)
    shown = _source_redactions(reader, highlight)
    fragments = source_fragments(
        reader,
        transcript=highlight.transcript,
        note=highlight.field_note,
        start=highlight.start,
        end=highlight.end,
        shown=shown,
    )
    drawn = drawn_highlight(highlight, codes=fields.codes, stage=fields.stage, coder=user)
    data = highlight_data([drawn], reader=reader, shown=shown)[str(highlight.pk)]
    return JsonResponse({"highlight": data, "fragments": fragments}, status=201)


@require_POST
@_json_errors
def highlight_update(
    request: AuthenticatedHttpRequest, slug: str, highlight_id: int
) -> JsonResponse:
    access, highlight = get_highlight_for_member(request, slug, highlight_id, write=True)
    payload = from_json(request, HighlightPayload, max_bytes=MAX_BODY_BYTES)
    with transaction.atomic():
        update_highlight(
            highlight=highlight,
            by=request.user,
            fields=_fields(payload, access, request.user),
            role=access.role,
        )
    return _respond(access, request.user, highlight)


@require_POST
def highlight_memo_share(
    request: AuthenticatedHttpRequest, slug: str, highlight_id: int
) -> HttpResponse:
    """A lead lets viewers read a highlight's memo (shared=1), or stops it (shared=0)."""
    _, highlight = get_highlight_for_member(request, slug, highlight_id, lead=True)
    back = request.POST.get("next", "")
    try:
        payload = from_form(request.POST, MemoSharePayload)
        share_memo(highlight=highlight, by=request.user, shared=payload.shared == "1")
    except (PayloadError, CodingError) as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(
            request,
            "Viewers can now read this memo."
            if payload.shared == "1"
            else "This memo is for the research team only again.",
        )
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = reverse("insights:quote-list", args=[slug])
    return redirect(back)


@require_POST
@_json_errors
def highlight_delete(
    request: AuthenticatedHttpRequest, slug: str, highlight_id: int
) -> JsonResponse:
    access, highlight = get_highlight_for_member(request, slug, highlight_id, write=True)
    delete_highlight(highlight=highlight, by=request.user, role=access.role)
    highlight.pk = highlight_id
    fragments = _fragments(access, request.user, highlight)
    return JsonResponse({"deleted": highlight_id, "fragments": fragments})


@require_POST
@_json_errors
def redaction_add(request: AuthenticatedHttpRequest, slug: str) -> JsonResponse:
    """Redact a selection: {source, sourceId, start16, end16, kind}. Answers the redaction
    and the re-rendered text around it."""
    access = _access(request, slug)
    payload = from_json(request, RedactionPayload, max_bytes=MAX_BODY_BYTES)
    transcript, note, start, end = _selection(payload, access)
    source = transcript or note
    assert source is not None
    redaction = redaction_create(
        source=source, start=start, end=end, kind=payload.kind, by=request.user
    )
    fragments = source_fragments(
        _reader(access, request.user), transcript=transcript, note=note, start=start, end=end
    )
    body = {
        "redaction": {
            "id": redaction.pk,
            "kind": redaction.kind,
            "placeholder": redaction.placeholder,
        },
        "fragments": fragments,
    }
    return JsonResponse(body, status=201)


@require_POST
@_json_errors
def redaction_remove(
    request: AuthenticatedHttpRequest, slug: str, redaction_id: int
) -> JsonResponse:
    access = _access(request, slug)
    redaction = get_object_or_404(
        Redaction.objects.select_related("transcript__session", "field_note__session"),
        Q(transcript__session__project=access.project)
        | Q(field_note__session__project=access.project),
        pk=redaction_id,
    )
    redaction_delete(redaction=redaction, by=request.user)
    fragments = source_fragments(
        _reader(access, request.user),
        transcript=redaction.transcript,
        note=redaction.field_note,
        start=redaction.start,
        end=redaction.end,
    )
    return JsonResponse({"deleted": redaction_id, "fragments": fragments})
