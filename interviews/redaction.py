"""Redacting spans of transcripts and field notes: by hand, from proposals, and for erasure.

A redaction changes what is shown, never the stored offsets (interviews.models.Redaction):
readers outside the research team see its placeholder, the research team the text. Erasure
goes further (mask_identity): it overwrites the characters with a same-length mask, so every
utterance and highlight offset stays valid, and marks the span permanent.

    redaction_create(source=transcript, start=10, end=16, kind="name", by=user)
    redactions_apply(source=transcript, spans=[SpanToRedact(10, 16, "name")], by=user)
    redaction_proposals(user=user, source=transcript)   # names from interviews.pii
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.contrib.auth.models import User
from django.db import transaction

from interviews import pii
from interviews.access import role_in_project
from interviews.evidence import RedactionProposal, identity_matches, propose_redactions
from interviews.models import FieldNote, Membership, Participant, Redaction, Transcript

Source = Transcript | FieldNote

# What erasure writes over each character of a name: same length, so offsets hold.
MASK = "█"
MAX_SPANS_PER_REQUEST = 1000


class RedactionError(Exception):
    """A redaction was refused; the message says why in plain words and nothing changed."""


@dataclass(frozen=True)
class SpanToRedact:
    start: int
    end: int
    kind: str


def _check_may_redact(source: Source, by: User) -> None:
    role = role_in_project(by, source.session.project)
    if role not in (Membership.Role.LEAD, Membership.Role.RESEARCHER):
        raise RedactionError("Only the study's leads and researchers can redact its texts.")


def _source_filter(source: Source) -> dict[str, Source]:
    return {"transcript": source} if isinstance(source, Transcript) else {"field_note": source}


def _check_span(source: Source, span: SpanToRedact) -> None:
    if span.kind not in Redaction.Kind.values:
        kinds = ", ".join(Redaction.Kind.values)
        raise RedactionError(f"“{span.kind}” is not a kind of redaction; use one of {kinds}.")
    length = len(source.text)
    if not 0 <= span.start < span.end <= length:
        raise RedactionError(
            f"The span {span.start}–{span.end} is outside the text, which has {length} characters."
        )
    if not source.text[span.start : span.end].strip():
        raise RedactionError("The selection is only white space: select the words to redact.")


def redaction_create(*, source: Source, start: int, end: int, kind: str, by: User) -> Redaction:
    """Redact one span (a selection in the reader). Redacting the same span again returns it."""
    [redaction] = redactions_apply(source=source, spans=[SpanToRedact(start, end, kind)], by=by)
    return redaction


@transaction.atomic
def redactions_apply(*, source: Source, spans: Sequence[SpanToRedact], by: User) -> list[Redaction]:
    """Redact several spans of one source at once, all or none. Returns one row per span.

    1. Check the user may redact, and every span (kind, inside the text, not only spaces).
    2. A span that is redacted already, exactly or inside a larger redaction, is that
       redaction: nothing is added. A span that overlaps a redaction only in part, or
       another span of the request, is refused: undo the other one first.
    3. Insert the new ones. Their post_save signals reindex the source's search documents.
    """
    _check_may_redact(source, by)
    if len(spans) > MAX_SPANS_PER_REQUEST:
        raise RedactionError(f"Redact at most {MAX_SPANS_PER_REQUEST} spans at once.")
    for span in spans:
        _check_span(source, span)
    existing = list(
        Redaction.objects.select_for_update()
        .filter(**_source_filter(source))
        .order_by("start", "end")
    )
    result: list[Redaction] = []
    new: list[SpanToRedact] = []
    for span in sorted(set(spans), key=lambda s: (s.start, s.end)):
        covering = next((r for r in existing if r.start <= span.start and span.end <= r.end), None)
        if covering is not None:
            result.append(covering)
            continue
        clash = next((r for r in existing if r.start < span.end and span.start < r.end), None)
        if clash is not None:
            words = source.text[clash.start : clash.end]
            raise RedactionError(
                f"Part of this text is redacted already (“{words[:40]}”): "
                "undo that redaction first, then redact the larger span."
            )
        if new and span.start < new[-1].end:
            raise RedactionError("Two of the spans to redact overlap: choose one of them.")
        new.append(span)
    # One create each (not bulk_create) so the search signal sees them; a page of
    # proposals is a few dozen rows.
    result.extend(
        Redaction.objects.create(
            **_source_filter(source), start=span.start, end=span.end, kind=span.kind, created_by=by
        )
        for span in new
    )
    return sorted(result, key=lambda r: (r.start, r.end))


def redaction_delete(*, redaction: Redaction, by: User) -> None:
    """Undo a redaction; erasure's cannot be undone (the text under them is gone)."""
    source = redaction.transcript or redaction.field_note
    assert source is not None
    _check_may_redact(source, by)
    if redaction.permanent:
        raise RedactionError(
            "This span was redacted when a participant's personal data was erased; "
            "the text under it no longer exists."
        )
    redaction.delete()


# --- Proposals ---------------------------------------------------------------------------------


def redaction_proposals(
    *, user: User, sources: Sequence[Source], participants: Sequence[Participant]
) -> dict[int, list[RedactionProposal]]:
    """Spans worth redacting in each source (by its pk), not redacted yet.

    Names and companies come from the participants' identities, read through interviews.pii
    (audited as one read); e-mail addresses and phone numbers are found anywhere.
    Two queries: the identities (and the audit rows), and the sources' redactions.
    """
    project = sources[0].session.project if sources else None
    identities = pii.read_identities(
        user, list(participants), purpose="redaction proposals", project=project
    )
    names = [identity.name for identity in identities.values() if identity.name]
    companies = [identity.company for identity in identities.values() if identity.company]
    done: dict[int, list[tuple[int, int]]] = {source.pk: [] for source in sources}
    if sources:
        field = "transcript_id" if isinstance(sources[0], Transcript) else "field_note_id"
        rows = Redaction.objects.filter(**{f"{field}__in": [s.pk for s in sources]})
        for source_id, start, end in rows.values_list(field, "start", "end"):
            done[source_id].append((start, end))
    return {
        source.pk: [
            proposal
            for proposal in propose_redactions(source.text, names=names, companies=companies)
            if not any(
                start < proposal.end and proposal.start < end for start, end in done[source.pk]
            )
        ]
        for source in sources
    }


# --- Erasure ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Identity:
    """What erasure removes from texts: a person's name, e-mail address and company."""

    name: str
    email: str
    company: str

    def matches(self, text: str) -> list[RedactionProposal]:
        return identity_matches(
            text,
            names=[self.name] if self.name else [],
            companies=[self.company] if self.company else [],
            emails=[self.email] if self.email else [],
        )

    def replaced(self, text: str, pseudonym: str) -> str:
        """Text (a file name, a title, a label, a memo) with the name replaced by the
        pseudonym, and the company and e-mail address by their placeholders."""
        for match in reversed(self.matches(text)):
            kind = match.kind
            instead = pseudonym if kind == Redaction.Kind.NAME else Redaction(kind=kind).placeholder
            text = text[: match.start] + instead + text[match.end :]
        return text


def mask_identity(source: Source, identity: Identity) -> list[tuple[int, int, str]]:
    """Overwrite the identity's words in a source's text with MASK and mark them permanent.

    Returns the masked spans (start, end, kind). The caller saves source.text and
    re-slices the texts of its utterances and highlights. An existing redaction of exactly
    a masked span becomes permanent; one that only overlaps it stays as it was.
    """
    spans = [(m.start, m.end, m.kind) for m in identity.matches(source.text)]
    if not spans:
        return []
    text = list(source.text)
    for start, end, _kind in spans:
        text[start:end] = MASK * (end - start)
    source.text = "".join(text)
    where = _source_filter(source)
    existing = {
        (r.start, r.end): r
        for r in Redaction.objects.filter(**where, start__in=[s for s, _e, _k in spans])
    }
    upgrade = []
    for start, end, kind in spans:
        redaction = existing.get((start, end))
        if redaction is not None:
            redaction.permanent, redaction.kind = True, kind
            upgrade.append(redaction)
    Redaction.objects.bulk_update(upgrade, ["permanent", "kind"])
    Redaction.objects.bulk_create(
        Redaction(**where, start=start, end=end, kind=kind, permanent=True)
        for start, end, kind in spans
        if (start, end) not in existing
    )
    return spans
