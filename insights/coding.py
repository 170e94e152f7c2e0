"""Coding: creating, changing and deleting highlights, and the codes applied to them.

Every write goes through these functions, whoever calls them (the coding panel's JSON
endpoints, seed_demo, imports, tests). Each checks everything itself: a CodingError's
message is shown to the user as-is and the request changes nothing.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Protocol

from django.contrib.auth.models import User
from django.db import IntegrityError, connection, transaction
from django.db.models import Exists, Field, Model, OuterRef, TextChoices
from django.db.models.functions import Lower

from cxresearch.lib.text import name_problem, text_problem
from insights.models import (
    Code,
    CodedHighlight,
    CodingSettings,
    Highlight,
    Stage,
    TranscriptCoverage,
)
from interviews.access import role_in_project
from interviews.audit import audit
from interviews.models import (
    AuditEvent,
    FieldNote,
    Membership,
    ResearchProject,
    Transcript,
    Utterance,
)

MAX_MEMO_LENGTH = 5000
# Colours given to codes created while coding, in turn; each reads as a mark behind dark text.
CODE_PALETTE = (
    "#f2c14e",
    "#5fa8d3",
    "#e07a5f",
    "#81b29a",
    "#b388eb",
    "#f4a261",
    "#4ecdc4",
    "#e5989b",
    "#a3b18a",
    "#ffb4a2",
)
MAX_CODES_PER_HIGHLIGHT = 20


class CodingError(Exception):
    """A highlight or code was refused; the message says why in plain words."""


@dataclass(frozen=True)
class HighlightFields:
    """What a coder chooses for a highlight, besides its span."""

    stage: Stage | None = None
    codes: Sequence[Code] = ()
    sentiment: int | None = None
    pain_severity: int | None = None
    memo: str = ""


def can_code(user: User, project: ResearchProject, *, role: str | None = None) -> bool:
    """Whether the user leads or researches the project (staff do everything).

    `role`: the user's role as interviews.access found it when a view went through the door
    already, so the membership is not read a second time.
    """
    if not user.is_authenticated:
        return False
    if user.is_staff:
        return True
    if role is not None:
        return role in (Membership.Role.LEAD, Membership.Role.RESEARCHER)
    return Membership.objects.filter(
        project=project, user=user, role__in=[Membership.Role.LEAD, Membership.Role.RESEARCHER]
    ).exists()


def _check_fields(project: ResearchProject, fields: HighlightFields) -> None:
    if fields.stage is not None and (
        project.framework_id is None or fields.stage.framework_id != project.framework_id
    ):
        raise CodingError(f"The stage “{fields.stage}” is not in this study's journey framework.")
    foreign = [code.name for code in fields.codes if code.project_id != project.pk]
    if foreign:
        raise CodingError(f"Not in this study's codebook: {', '.join(foreign)}.")
    if len(fields.codes) > MAX_CODES_PER_HIGHLIGHT:
        raise CodingError(f"A highlight can carry at most {MAX_CODES_PER_HIGHLIGHT} codes.")
    if fields.sentiment is not None and fields.sentiment not in Highlight.SENTIMENT_RANGE:
        raise CodingError("Sentiment goes from −2 (very negative) to +2 (very positive).")
    if (
        fields.pain_severity is not None
        and fields.pain_severity not in Highlight.PAIN_SEVERITY_RANGE
    ):
        raise CodingError("Pain severity goes from 0 (none) to 3 (severe).")
    if len(fields.memo) > MAX_MEMO_LENGTH:
        raise CodingError(f"Keep the memo under {MAX_MEMO_LENGTH} characters.")
    if problem := text_problem(fields.memo):
        raise CodingError(f"The memo cannot be saved: {problem}.")


def _check_span(text: str, start: int, end: int, snapshot: str | None) -> None:
    if not (isinstance(start, int) and isinstance(end, int)):
        raise CodingError("The selection's start and end must be whole numbers.")
    if not 0 <= start < end <= len(text):
        raise CodingError(
            f"The selection {start}–{end} is outside the text, which has {len(text)} characters."
        )
    if not text[start:end].strip():
        raise CodingError("The selection is only white space: select some words.")
    if snapshot is not None and snapshot != text[start:end]:
        raise CodingError(
            "The selected text does not match the source: it may have changed. Reload the page."
        )


def _turn_and_repeat(
    transcript: Transcript, start: int, end: int, coder: User
) -> tuple[int | None, int | None]:
    """In one query: the utterance the span starts in (or the next one, when it starts between
    two), and the highlight this coder already made of exactly this span, if any."""
    with connection.cursor() as cursor:
        cursor.execute(
            _turn_and_repeat_sql(),
            {"transcript": transcript.pk, "start": start, "end": end, "coder": coder.pk},
        )
        turn_id, repeat_id = cursor.fetchone()
    return turn_id, repeat_id


@cache
def _turn_and_repeat_sql() -> str:
    """The SELECT of _turn_and_repeat, written out once per process: the ORM took longer to
    compile its two subqueries (0.5-0.7 ms) than the database to run them."""
    quote = connection.ops.quote_name
    utterance, highlight = Utterance._meta.db_table, Highlight._meta.db_table
    u_transcript, h_transcript = _column(Utterance, "transcript"), _column(Highlight, "transcript")
    u_start, u_end = _column(Utterance, "start"), _column(Utterance, "end")
    h_start, h_end = _column(Highlight, "start"), _column(Highlight, "end")
    # Only quoted table and column names are formatted in; every value is a parameter.
    return (
        f"SELECT (SELECT u.{_column(Utterance, 'id')} FROM {quote(utterance)} u"  # noqa: S608
        f" WHERE u.{u_transcript} = %(transcript)s AND u.{u_end} > %(start)s"
        f" ORDER BY u.{u_start} LIMIT 1),"
        f" (SELECT h.{_column(Highlight, 'id')} FROM {quote(highlight)} h"
        f" WHERE h.{h_transcript} = %(transcript)s AND h.{h_start} = %(start)s"
        f" AND h.{h_end} = %(end)s AND h.{_column(Highlight, 'coder')} = %(coder)s LIMIT 1)"
    )


def _column(model: type[Model], name: str) -> str:
    """A field's column, quoted, for the SQL written out here."""
    field = model._meta.get_field(name)
    assert isinstance(field, Field) and field.column
    return connection.ops.quote_name(field.column)


def _apply_codes(
    highlight: Highlight, codes: Iterable[Code], *, coder: User, new: bool = False
) -> None:
    """Make the highlight's codings these codes; `new`: it has none yet (nothing to read)."""
    wanted = {code.pk: code for code in codes}
    current: set[int] = set()
    if not new:
        codings = CodedHighlight.objects.filter(content_object=highlight)
        current = set(codings.values_list("tag_id", flat=True))
        codings.exclude(tag_id__in=wanted).delete()
    CodedHighlight.objects.bulk_create(
        CodedHighlight(content_object=highlight, tag=code, coder=coder)
        for pk, code in wanted.items()
        if pk not in current
    )


def highlight_create(
    *,
    project: ResearchProject,
    coder: User,
    start: int,
    end: int,
    fields: HighlightFields,
    transcript: Transcript | None = None,
    field_note: FieldNote | None = None,
    snapshot: str | None = None,
    role: str | None = None,
) -> Highlight:
    """highlight_get_or_create, for callers that do not ask whether the span was new."""
    highlight, _created = highlight_get_or_create(
        project=project,
        coder=coder,
        start=start,
        end=end,
        fields=fields,
        transcript=transcript,
        field_note=field_note,
        snapshot=snapshot,
        role=role,
    )
    return highlight


def highlight_get_or_create(
    *,
    project: ResearchProject,
    coder: User,
    start: int,
    end: int,
    fields: HighlightFields,
    transcript: Transcript | None = None,
    field_note: FieldNote | None = None,
    snapshot: str | None = None,
    role: str | None = None,
    transcript_locked: bool = False,
) -> tuple[Highlight, bool]:
    """Create a highlight on a transcript or a field note of the project: (highlight, created).

    1. Check the coder may code the project (`role`: see can_code) and the source belongs to it.
    2. Check the span lies inside the source's text (and matches the client's snapshot).
    3. Check the stage is in the project's framework and the codes in its codebook.
    4. Lock the transcript, so concurrent codings of it count coverage one after the other and
       see each other's highlights. `transcript_locked`: the caller read the transcript with
       its lock in the transaction this runs in (interviews.access.transcript_in_project with
       lock=True), so it is not locked a second time.
    5. If this coder already highlighted exactly this span of this source (a double click, a
       retried request), return that highlight unchanged: created is False. A transcript's is
       looked for under its lock, with the utterance the span starts in, in one query; a field
       note's, which has no lock, is found by the unique constraint refusing the insert.
    6. Save the highlight with its quoted text, and one CodedHighlight per code.
    7. Add the utterances only this highlight covers to the transcript's coverage count.
    """
    if not can_code(coder, project, role=role):
        raise CodingError("Only the study's leads and researchers can code it.")
    if (transcript is None) == (field_note is None):
        raise CodingError("Highlight either a transcript or a field note.")
    source_project_id = (
        transcript.session.project_id if transcript else field_note.session.project_id  # type: ignore[union-attr]
    )
    if source_project_id != project.pk:
        raise CodingError("That transcript or note belongs to another study.")
    text = transcript.text if transcript else field_note.text  # type: ignore[union-attr]
    _check_span(text, start, end, snapshot)
    _check_fields(project, fields)
    highlight = Highlight(
        project=project,
        transcript=transcript,
        field_note=field_note,
        start=start,
        end=end,
        text=text[start:end],
        stage=fields.stage,
        sentiment=fields.sentiment,
        pain_severity=fields.pain_severity,
        memo=fields.memo.strip(),
        coder=coder,
    )
    with _writing():
        if transcript is not None:
            if not transcript_locked:
                _lock_transcripts([transcript.pk])
            # Read under the lock: every coding of this transcript committed before is seen,
            # and none commits before this one does.
            highlight.utterance_id, repeat_id = _turn_and_repeat(transcript, start, end, coder)
            if repeat_id is not None:
                # The same coder saved this span before (a double click, a retried request).
                return Highlight.objects.get(pk=repeat_id), False
            highlight.save(force_insert=True)
        else:
            try:
                with transaction.atomic():
                    highlight.save(force_insert=True)
            except IntegrityError:
                # The same coder saved this span of the note before, or a moment ago.
                existing = Highlight.objects.filter(
                    field_note=field_note, start=start, end=end, coder=coder
                ).first()
                if existing is None:
                    raise
                return existing, False
        _apply_codes(highlight, fields.codes, coder=coder, new=True)
        if transcript is not None:
            _coverage_change(highlight, +1)
    return highlight, True


def _writing() -> transaction.Atomic:
    """The transaction of a coding service's writes, once its checks have passed.

    In a caller's transaction (the coding endpoints create the codes in theirs first) it opens
    no savepoint, which cost each highlight POST two statements: an error inside rolls the
    caller's transaction back whole. A CodingError is raised before, so a caller may catch one
    and go on.
    """
    return transaction.atomic(savepoint=False)


def _lock_transcripts(transcript_ids: Iterable[int]) -> None:
    """Lock transcript rows until the transaction ends, in id order (so two never deadlock).

    Every write that changes a transcript's highlights takes this lock first (the coding
    endpoints take it as they read the transcript: interviews.access.transcript_in_project
    with lock=True): the coverage count is then computed by one of them at a time, and each
    sees the others' highlights.
    SQLite has no row locks (Django drops FOR UPDATE there): its transactions begin
    IMMEDIATE (settings.DATABASES), holding the database's one write lock from the start,
    so the writes are serialised already and the query is skipped.
    """
    if not connection.features.has_select_for_update:
        return
    list(
        Transcript.objects.select_for_update()
        .filter(pk__in=sorted(set(transcript_ids)))
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def highlight_update(
    *, highlight: Highlight, by: User, fields: HighlightFields, role: str | None = None
) -> Highlight:
    """Change a highlight's stage, codes, sentiment, severity or memo; its span stays.

    `role`: the editor's role when the caller has it (see can_code)."""
    if not can_code(by, highlight.project, role=role):
        raise CodingError("Only the study's leads and researchers can code it.")
    _check_fields(highlight.project, fields)
    memo = fields.memo.strip()
    if role is None:
        role = role_in_project(by, highlight.project)
    if memo != highlight.memo and role != Membership.Role.LEAD:
        # A lead shared the memo as it read then; a changed memo waits for a lead again.
        highlight.memo_shared = False
    highlight.stage = fields.stage
    highlight.sentiment = fields.sentiment
    highlight.pain_severity = fields.pain_severity
    highlight.memo = memo
    with _writing():
        highlight.save(
            update_fields=[
                "stage",
                "sentiment",
                "pain_severity",
                "memo",
                "memo_shared",
                "updated_at",
            ]
        )
        _apply_codes(highlight, fields.codes, coder=by)
    return highlight


@transaction.atomic
def highlight_delete(*, highlight: Highlight, by: User, role: str | None = None) -> None:
    """Delete a highlight, audited, and take what only it covered off the coverage count."""
    if not can_code(by, highlight.project, role=role):
        raise CodingError("Only the study's leads and researchers can code it.")
    transcript = highlight.transcript
    if transcript is not None:
        _lock_transcripts([transcript.pk])
    source = (
        f"transcript {transcript.pk}" if transcript else f"field note {highlight.field_note_id}"
    )
    audit(
        by,
        AuditEvent.Action.HIGHLIGHT_DELETED,
        project=highlight.project,
        detail=f"highlight {highlight.pk} of {source}, {highlight.start}–{highlight.end}, "
        f"coded by {highlight.coder.get_username()}",
    )
    if transcript is not None:
        _coverage_change(highlight, -1)
    highlight.delete()


class MemoSharing(Protocol):
    """What memo_visible reads of a highlight: a model instance, or a row of values()."""

    @property
    def memo_shared(self) -> bool: ...


def memo_visible(highlight: MemoSharing, *, role: str | None) -> bool:
    """Whether a member with this role (interviews.access; staff count as leads) reads the
    highlight's memo: the research team always, viewers only a memo a lead shared."""
    return role in (Membership.Role.LEAD, Membership.Role.RESEARCHER) or highlight.memo_shared


def highlight_memo_share(*, highlight: Highlight, by: User, shared: bool) -> Highlight:
    """Let viewers read a highlight's memo, or stop them; only a lead decides. Audited."""
    if role_in_project(by, highlight.project) != Membership.Role.LEAD:
        raise CodingError("Only the study's lead can share a memo with viewers.")
    if not highlight.memo and shared:
        raise CodingError("This highlight has no memo to share.")
    if highlight.memo_shared == shared:
        return highlight
    with transaction.atomic():
        highlight.memo_shared = shared
        highlight.save(update_fields=["memo_shared", "updated_at"])
        audit(
            by,
            AuditEvent.Action.MEMO_SHARED,
            project=highlight.project,
            detail=f"memo of highlight {highlight.pk} "
            + ("shared with viewers" if shared else "no longer shared with viewers"),
        )
    return highlight


@cache
def _coverage_change_sql() -> str:
    """The UPDATE of _coverage_change, written out once per process.

    The ORM's version (an F() plus a Coalesce'd Subquery over an Exists) took longer to
    compile than to run: about a tenth of each highlight POST, every time.
    """
    quote, column = connection.ops.quote_name, _column
    coverage, utterance, highlight = (
        TranscriptCoverage._meta.db_table,
        Utterance._meta.db_table,
        Highlight._meta.db_table,
    )
    count = column(TranscriptCoverage, "coded_utterance_count")
    u_start, u_end = column(Utterance, "start"), column(Utterance, "end")
    h_start, h_end = column(Highlight, "start"), column(Highlight, "end")
    # Only quoted table and column names are formatted in; every value is a parameter.
    return (
        f"UPDATE {quote(coverage)} SET {count} = {count} + %(sign)s * ("  # noqa: S608
        f"SELECT COUNT(*) FROM {quote(utterance)} u"
        f" WHERE u.{column(Utterance, 'transcript')} = %(transcript)s"
        f" AND u.{u_start} < %(end)s AND u.{u_end} > %(start)s"
        f" AND NOT EXISTS (SELECT 1 FROM {quote(highlight)} h"
        f" WHERE h.{column(Highlight, 'transcript')} = %(transcript)s"
        f" AND h.{h_start} < u.{u_end} AND h.{h_end} > u.{u_start}"
        f" AND h.{column(Highlight, 'id')} <> %(highlight)s))"
        f" WHERE {column(TranscriptCoverage, 'transcript')} = %(transcript)s"
    )


def _coverage_change(highlight: Highlight, sign: int) -> None:
    """Add (+1) or subtract (-1) the utterances the highlight overlaps that no other highlight
    overlaps: what its creation or deletion changes in its transcript's coverage count.

    One UPDATE, whose work is bounded by the highlight's span, not by the transcript: a long,
    well-coded transcript costs no more than a short one. The caller holds the transcript's
    lock (_lock_transcripts), so no other coding of it commits in between and the stored
    count stays what transcript_coverage_refresh would count. A transcript with no coverage
    row yet (its first highlight) is counted whole instead, which makes the row; the lock
    makes that race-free too.
    """
    transcript_id = highlight.transcript_id
    assert transcript_id is not None  # only transcript highlights have a coverage count
    with connection.cursor() as cursor:
        cursor.execute(
            _coverage_change_sql(),
            {
                "sign": sign,
                "transcript": transcript_id,
                "start": highlight.start,
                "end": highlight.end,
                "highlight": highlight.pk,
            },
        )
        updated = cursor.rowcount
    if not updated:
        # Called before a deleted highlight is gone: leave it out of the count.
        _coverage_store(transcript_id, leaving_out=highlight.pk if sign < 0 else None)


def _coverage_store(transcript_id: int, *, leaving_out: int | None = None) -> int:
    """Count the transcript's utterances that at least one highlight overlaps, and store it."""
    overlapping = Highlight.objects.filter(
        transcript_id=transcript_id, start__lt=OuterRef("end"), end__gt=OuterRef("start")
    )
    if leaving_out is not None:
        overlapping = overlapping.exclude(pk=leaving_out)
    coded = (
        Utterance.objects.filter(transcript_id=transcript_id).filter(Exists(overlapping)).count()
    )
    TranscriptCoverage.objects.update_or_create(
        transcript_id=transcript_id, defaults={"coded_utterance_count": coded}
    )
    return coded


def transcript_coverage_refresh(transcript: Transcript) -> None:
    """Recount the utterances that at least one highlight overlaps, and store the count.

    The caller holds the transcript's lock (_lock_transcripts), so no other coding of the
    transcript commits between the count and the update.
    """
    _coverage_store(transcript.pk)


class BlindCoding(TextChoices):
    """What a lead can do to a study's blind coding (the agreement page's buttons)."""

    ON = "on", "Turn blind coding on (hide others' codings)"
    REVEAL = "reveal", "Reveal everyone's codings"
    OFF = "off", "Turn blind coding off"


_BLIND_CODING_STATE = {
    BlindCoding.ON: (True, False),
    BlindCoding.REVEAL: (True, True),
    BlindCoding.OFF: (False, False),
}


def blind_coding_set(*, project: ResearchProject, action: BlindCoding, by: User) -> bool:
    """Turn the study's blind coding on (which hides others' codings again), reveal everyone's
    codings, or turn it off, in the audit log. False when it already was so: nothing is
    written. Revealing needs a study that is blind now. The caller checks the user is the
    lead."""
    with transaction.atomic():
        coding, _ = CodingSettings.objects.select_for_update().get_or_create(project=project)
        if action == BlindCoding.REVEAL and not coding.codings_hidden:
            return False
        wanted = _BLIND_CODING_STATE[action]
        if (coding.blind_coding, coding.codings_revealed) == wanted:
            return False
        coding.blind_coding, coding.codings_revealed = wanted
        coding.save(update_fields=["blind_coding", "codings_revealed", "updated_at"])
        audit(by, AuditEvent.Action.BLIND_CODING_CHANGED, project=project, detail=action.label)
    project.coding_settings = coding
    return True


def code_get_or_create(
    *,
    project: ResearchProject,
    name: str,
    by: User,
    kind: str = Code.Kind.TOPIC,
    role: str | None = None,
) -> tuple[Code, bool]:
    """Find a code by name in the project's codebook (ignoring case), or add it."""
    name = " ".join(name.split())
    if not name:
        raise CodingError("A code needs a name.")
    if len(name) > 100:
        raise CodingError("Keep code names under 100 characters.")
    if problem := name_problem(name):
        raise CodingError(f"The code name cannot be saved: {problem}.")
    if not can_code(by, project, role=role):
        raise CodingError("Only the study's leads and researchers can add codes.")
    existing = Code.objects.filter(project=project, name__iexact=name).first()
    if existing is not None:
        return existing, False
    colour = CODE_PALETTE[Code.objects.filter(project=project).count() % len(CODE_PALETTE)]
    try:
        with transaction.atomic():
            return Code.objects.create(project=project, name=name, kind=kind, colour=colour), True
    except IntegrityError:
        # Someone added the same name a moment ago.
        return Code.objects.get(project=project, name__iexact=name), False


def codes_get_or_create(
    *,
    project: ResearchProject,
    names: Sequence[str],
    by: User,
    role: str | None = None,
) -> list[Code]:
    """The codes with these names (ignoring case), adding the missing ones, in input order.

    The coding panel sends names; this looks them all up in one query instead of one each.
    """
    wanted = list(dict.fromkeys(" ".join(name.split()) for name in names if name.strip()))
    if not wanted:
        return []
    # Refused before any is created: a long list would add codes one by one first.
    if len(wanted) > MAX_CODES_PER_HIGHLIGHT:
        raise CodingError(f"A highlight can carry at most {MAX_CODES_PER_HIGHLIGHT} codes.")
    for name in wanted:
        if problem := name_problem(name):
            raise CodingError(f"The code name cannot be saved: {problem}.")
    existing = {
        code.name.lower(): code
        # Unordered: the codes' default order joins their project, for nothing here.
        for code in Code.objects.annotate(lower_name=Lower("name"))
        .filter(project=project, lower_name__in=[name.lower() for name in wanted])
        .order_by()
    }
    codes = []
    for name in wanted:
        code = existing.get(name.lower())
        if code is None:
            code, _created = code_get_or_create(project=project, name=name, by=by, role=role)
            existing[name.lower()] = code
        codes.append(code)
    return codes


# --- Rendering spans as marks ------------------------------------------------------------------


@dataclass(frozen=True)
class Segment:
    """A piece of text and the highlights that cover all of it."""

    text: str
    highlight_ids: tuple[int, ...]


def segments(text: str, offset: int, spans: Sequence[tuple[int, int, int]]) -> list[Segment]:
    """Cut `text` (which starts at `offset` in its source) at every span boundary.

    `spans` are (highlight id, start, end) in source offsets. Overlapping and nested spans
    become a flat run of segments, each listing every highlight covering it, so the page
    can draw them as marks that never overlap.
    """
    end_of_text = offset + len(text)
    cuts = {offset, end_of_text}
    for _pk, start, end in spans:
        cuts.update(c for c in (start, end) if offset < c < end_of_text)
    ordered = sorted(cuts)
    result = []
    for left, right in zip(ordered, ordered[1:], strict=False):
        covering = tuple(pk for pk, start, end in spans if start <= left and end >= right)
        result.append(Segment(text[left - offset : right - offset], covering))
    return result


class Spanning(Protocol):
    """What spans_by_utterance reads of a turn, a highlight or a redaction (instance or row)."""

    @property
    def pk(self) -> int: ...
    @property
    def start(self) -> int: ...
    @property
    def end(self) -> int: ...


def spans_by_utterance(
    utterances: Sequence[Spanning], highlights: Sequence[Spanning]
) -> dict[int, list[tuple[int, int, int]]]:
    """For each utterance, the (id, start, end) of the highlights that overlap it."""
    starts = [u.start for u in utterances]
    result: dict[int, list[tuple[int, int, int]]] = {u.pk: [] for u in utterances}
    for highlight in highlights:
        index = max(bisect.bisect_right(starts, highlight.start) - 1, 0)
        while index < len(utterances) and utterances[index].start < highlight.end:
            utterance = utterances[index]
            if utterance.end > highlight.start:
                result[utterance.pk].append((highlight.pk, highlight.start, highlight.end))
            index += 1
    return result
