"""Who may read which evidence: consent audiences and redacted spans.

Two of the three facts behind every piece of evidence a person sees (the third, blind
coding, concerns codings and lives with them in the analysis app's visibility module, which
combines all three into the one selector that pages, search, exports, jobs and the API call):

- **Consent audience.** A participant's consent for a study names the widest audience
  their words may reach: the research team (the study's leads and researchers), internal
  (also viewers), external (also reports shared outside). Expired or withdrawn consent
  narrows it to the research team. A session's evidence reaches an audience only when
  every participant of the session is cleared for it; a session with no participant
  linked yet reaches the research team only, since nobody has said who is speaking.
- **Redaction.** Spans marked as redacted (interviews.models.Redaction) are replaced by
  their placeholder for everyone outside the research team; offsets never change.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone

from interviews.models import (
    ConsentRecord,
    FieldNote,
    Membership,
    Redaction,
    ResearchProject,
    Session,
    Transcript,
)

Scope = ConsentRecord.Scope


class Audience(enum.IntEnum):
    """Who is reading, from the narrowest to the widest circle."""

    RESEARCH_TEAM = 0
    INTERNAL = 1
    EXTERNAL = 2

    @property
    def label(self) -> str:
        return {0: "research team", 1: "internal", 2: "external"}[self.value]


SCOPE_AUDIENCE: dict[str, Audience] = {
    Scope.RESEARCH_TEAM: Audience.RESEARCH_TEAM,
    Scope.INTERNAL: Audience.INTERNAL,
    Scope.EXTERNAL: Audience.EXTERNAL,
}


def audience_for_role(role: str | None) -> Audience:
    """Leads and researchers (and staff, who act as leads) are the research team."""
    if role in (Membership.Role.LEAD, Membership.Role.RESEARCHER):
        return Audience.RESEARCH_TEAM
    return Audience.INTERNAL


def session_name(session: Session, audience: Audience) -> str:
    """What a reader calls a session: the title the team typed, for the research team; its
    kind and date for anyone else. A title is free text and often names the person ("Ingrid
    at Nordlys"), which no redaction covers, so it stays with the team."""
    if audience == Audience.RESEARCH_TEAM:
        return str(session)
    return session.neutral_name


def scopes_reaching(audience: Audience) -> list[str]:
    return [scope for scope, reach in SCOPE_AUDIENCE.items() if reach >= audience]


def valid_consent_q(project: ResearchProject, *, today: dt.date, prefix: str = "") -> Q:
    """Consent records valid today for this study (or for every study)."""
    p = prefix
    return (Q(**{f"{p}project": project}) | Q(**{f"{p}project__isnull": True})) & consent_valid_on(
        today, prefix=prefix
    )


def consent_valid_on(today: dt.date, *, prefix: str = "") -> Q:
    """Consent records given, neither expired nor withdrawn, today (whatever their study)."""
    p = prefix
    return (
        Q(**{f"{p}given_on__lte": today})
        & (Q(**{f"{p}expires_on__isnull": True}) | Q(**{f"{p}expires_on__gte": today}))
        & (Q(**{f"{p}withdrawn_on__isnull": True}) | Q(**{f"{p}withdrawn_on__gt": today}))
    )


@dataclass(frozen=True)
class ConsentClearance:
    """Which participants and sessions of one study an audience may read, as of `today`."""

    audience: Audience
    # The widest audience each participant of the study is cleared for (absent: none valid).
    participant_reach: dict[int, Audience]
    # Sessions of the study whose evidence reaches this audience.
    session_ids: frozenset[int]
    # Sessions whose evidence stays with the research team (for researchers' badges).
    team_only_session_ids: frozenset[int]

    @property
    def is_everything(self) -> bool:
        return self.audience == Audience.RESEARCH_TEAM

    def allows_session(self, session_id: int | None) -> bool:
        if self.is_everything:
            return True
        return session_id is not None and session_id in self.session_ids

    def allows_participant(self, participant_id: int | None) -> bool:
        if self.is_everything or participant_id is None:
            return True
        return self.participant_reach.get(participant_id, Audience.RESEARCH_TEAM) >= self.audience


def consent_clearance(
    project: ResearchProject, audience: Audience, *, today: dt.date | None = None
) -> ConsentClearance:
    """Two queries: valid consent records, and the study's sessions with their participants."""
    return consent_clearances([project.pk], audience, today=today)[project.pk]


def consent_clearances(
    project_ids: Sequence[int], audience: Audience, *, today: dt.date | None = None
) -> dict[int, ConsentClearance]:
    """consent_clearance for several studies at once (search), by project id, in two
    queries whatever their number."""
    today = today or timezone.localdate()
    project_ids = list(project_ids)
    if not project_ids:
        return {}
    # A consent without a study covers every study.
    reach: dict[int | None, dict[int, Audience]] = defaultdict(dict)
    for project_id, participant_id, scope in ConsentRecord.objects.filter(
        consent_valid_on(today) & (Q(project_id__in=project_ids) | Q(project__isnull=True))
    ).values_list("project_id", "participant_id", "scope"):
        widest = SCOPE_AUDIENCE.get(scope, Audience.RESEARCH_TEAM)
        known = reach[project_id]
        known[participant_id] = max(widest, known.get(participant_id, widest))
    # The sessions with their participants in one query (a session without any: one row,
    # None), unordered: the sessions' default order sorted them by date for nothing.
    sessions: dict[int, set[int]] = {pk: set() for pk in project_ids}
    people: dict[int, list[int]] = defaultdict(list)
    for session_id, project_id, participant_id in (
        Session.objects.filter(project_id__in=project_ids)
        .order_by()
        .values_list("id", "project_id", "participants")
    ):
        sessions[project_id].add(session_id)
        if participant_id is not None:
            people[session_id].append(participant_id)

    result = {}
    for project_id in project_ids:
        project_reach = dict(reach.get(None, {}))
        for participant_id, widest in reach.get(project_id, {}).items():
            project_reach[participant_id] = max(widest, project_reach.get(participant_id, widest))

        def session_reach(session_id: int, known: dict[int, Audience] = project_reach) -> Audience:
            ids = people.get(session_id)
            if not ids:
                return Audience.RESEARCH_TEAM
            return min(known.get(pk, Audience.RESEARCH_TEAM) for pk in ids)

        reaches = {pk: session_reach(pk) for pk in sessions[project_id]}
        result[project_id] = ConsentClearance(
            audience=audience,
            participant_reach=project_reach,
            session_ids=frozenset(pk for pk, r in reaches.items() if r >= audience),
            team_only_session_ids=frozenset(
                pk for pk, r in reaches.items() if r == Audience.RESEARCH_TEAM
            ),
        )
    return result


# --- Redaction ----------------------------------------------------------------------------------

Span = tuple[int, int, str]  # start, end, placeholder


def redact(text: str, offset: int, spans: Sequence[Span]) -> str:
    """`text` (which starts at `offset` of its source) with each overlapping span replaced.

    A span that starts before or ends after the text is cut to it; its placeholder is shown
    once, where the visible part begins. Spans must be sorted by start.
    """
    if not spans:
        return text
    end_of_text = offset + len(text)
    parts: list[str] = []
    position = offset
    for start, end, placeholder in spans:
        if end <= position or start >= end_of_text:
            continue
        start = max(start, position)
        parts.append(text[position - offset : start - offset])
        parts.append(placeholder)
        position = min(end, end_of_text)
    parts.append(text[position - offset :])
    return "".join(parts)


def redaction_spans(
    *,
    transcript_ids: Iterable[int] = (),
    field_note_ids: Iterable[int] = (),
    permanent_only: bool = False,
) -> dict[tuple[str, int], list[Span]]:
    """Spans by source, ("transcript", id) or ("field_note", id), in one query.

    `permanent_only`: erasure's spans only, which the research team reads as placeholders too.
    """
    transcript_ids, field_note_ids = list(transcript_ids), list(field_note_ids)
    if not transcript_ids and not field_note_ids:
        return {}
    result: dict[tuple[str, int], list[Span]] = defaultdict(list)
    redactions = Redaction.objects.filter(
        Q(transcript_id__in=transcript_ids) | Q(field_note_id__in=field_note_ids)
    )
    if permanent_only:
        redactions = redactions.filter(permanent=True)
    for redaction in redactions.order_by("start", "end", "id"):
        if redaction.transcript_id is not None:
            key = ("transcript", redaction.transcript_id)
        elif redaction.field_note_id is not None:
            key = ("field_note", redaction.field_note_id)
        else:
            continue  # the table's check constraint allows no such row
        result[key].append((redaction.start, redaction.end, redaction.placeholder))
    return dict(result)


def spans_for(source: Transcript | FieldNote, *, audience: Audience) -> list[Span]:
    """The spans this audience must not read in one source (permanent ones for everyone)."""
    redactions = source.redactions.order_by("start", "end", "id")
    if audience == Audience.RESEARCH_TEAM:
        redactions = redactions.filter(permanent=True)
    return [(r.start, r.end, r.placeholder) for r in redactions]


# --- Proposals ---------------------------------------------------------------------------------

EMAIL_RE = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# International or national numbers of 8+ digits, with spaces, dots, dashes or brackets.
PHONE_RE = re.compile(r"(?<![\w+])\+?\d[\d ().-]{6,}\d(?!\w)")
MIN_PHONE_DIGITS = 8


@dataclass(frozen=True)
class RedactionProposal:
    start: int
    end: int
    kind: str
    text: str
    reason: str


def propose_redactions(
    text: str, *, names: Sequence[str] = (), companies: Sequence[str] = ()
) -> list[RedactionProposal]:
    """Spans worth redacting in a text: given names and companies, e-mails and phone numbers.

    Names match whole words, case-insensitively, as the full name and each part of three or
    more letters (interviewers say "Thanks, Ingrid"). Overlapping finds keep the longest.
    """
    finds: list[RedactionProposal] = [
        _proposal(m, Redaction.Kind.EMAIL, "e-mail address") for m in EMAIL_RE.finditer(text)
    ]
    finds += [
        _proposal(m, Redaction.Kind.PHONE, "phone number")
        for m in PHONE_RE.finditer(text)
        if sum(ch.isdigit() for ch in m.group()) >= MIN_PHONE_DIGITS
        and not _looks_like_time(m.group())
    ]
    finds += identity_matches(text, names=names, companies=companies)
    return _longest_first(finds)


def identity_matches(
    text: str,
    *,
    names: Sequence[str] = (),
    companies: Sequence[str] = (),
    emails: Sequence[str] = (),
) -> list[RedactionProposal]:
    """Where these names (and their parts), companies and e-mail addresses stand in a text.

    Whole words, case-insensitive; the words of a name or company may be joined by spaces,
    dots, dashes or underscores ("ingrid_berg.vtt"). Overlapping finds keep the longest.
    """
    finds: list[RedactionProposal] = []
    for kind, values, reason in (
        (Redaction.Kind.NAME, names, "participant's name"),
        (Redaction.Kind.COMPANY, companies, "participant's company"),
        (Redaction.Kind.EMAIL, emails, "participant's e-mail address"),
    ):
        for pattern in _patterns(values, split=kind == Redaction.Kind.NAME):
            finds += [_proposal(m, kind, reason) for m in pattern.finditer(text)]
    return _longest_first(finds)


# A word boundary where underscores separate words too (file names).
_BEFORE, _AFTER, _BETWEEN = r"(?<![^\W_])", r"(?![^\W_])", r"[\s._-]+"


def _patterns(values: Sequence[str], *, split: bool) -> list[re.Pattern[str]]:
    """A value as whole words, and with `split` each of its words of three letters or more."""
    terms: set[tuple[str, ...]] = set()
    for value in values:
        words = tuple(value.split())
        if len(" ".join(words)) >= 3:
            terms.add(words)
        if split:
            terms.update((word,) for word in words if len(word) >= 3)
    return [
        re.compile(_BEFORE + _BETWEEN.join(map(re.escape, words)) + _AFTER, re.IGNORECASE)
        for words in sorted(terms, key=lambda words: len(" ".join(words)), reverse=True)
    ]


def _proposal(match: re.Match[str], kind: str, reason: str) -> RedactionProposal:
    return RedactionProposal(match.start(), match.end(), kind, match.group(), reason)


def _longest_first(found: list[RedactionProposal]) -> list[RedactionProposal]:
    found = sorted(found, key=lambda p: (p.start, -(p.end - p.start)))
    kept: list[RedactionProposal] = []
    for proposal in found:
        if kept and proposal.start < kept[-1].end:
            continue
        kept.append(proposal)
    return kept


def _looks_like_time(value: str) -> bool:
    return bool(re.fullmatch(r"[\d:. -]+", value)) and ":" in value
