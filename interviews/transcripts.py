"""Importing transcripts into sessions: parse, check consent, store, map speakers.

Every file is imported in its own transaction: a file is either fully in (transcript,
speakers, utterances, and for bulk imports its new session) or not at all.
"""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import PurePath

from django.conf import settings
from django.contrib.auth.models import User
from django.core.files.base import ContentFile
from django.db import connections, transaction
from django.db.models import Model, QuerySet
from django.utils import timezone
from django.utils.dateformat import format as date_format

from cxresearch.lib.text import max_length, name_problem, text_problem
from interviews import pipeline
from interviews.audit import audit
from interviews.importers.transcripts import (
    ParsedTranscript,
    TranscriptParseError,
    parse_transcript,
)
from interviews.models import (
    AuditEvent,
    Membership,
    Participant,
    ParticipantIdentity,
    ResearchProject,
    Session,
    Speaker,
    Transcript,
    Utterance,
)
from interviews.redaction import Identity


class TranscriptImportError(Exception):
    """A file was refused; the message names the file, says why, and is shown to users as-is."""


@dataclass(frozen=True)
class ImportOutcome:
    filename: str
    transcript: Transcript | None = None
    created: bool = False
    error: str = ""
    # Whether the transcript's session has a participant (import as a new session: whether
    # the file name named one), so the job need not ask the database.
    participant_linked: bool = True

    @property
    def ok(self) -> bool:
        return not self.error


# --- Consent ------------------------------------------------------------------------------------


def participants_without_consent(
    participants: Iterable[Participant], *, project: ResearchProject, today: dt.date | None = None
) -> list[Participant]:
    """Participants with no valid consent for this study (withdrawn, expired or never given)."""
    today = today or timezone.localdate()
    missing = []
    for participant in participants:
        has_consent, _withdrawn = pipeline.consent_state(
            list(participant.consents.all()), project_id=project.pk, today=today
        )
        if not has_consent:
            missing.append(participant)
    return missing


def _check_consent(
    participants: Sequence[Participant],
    filename: str,
    *,
    project: ResearchProject,
    today: dt.date | None,
) -> None:
    missing = participants_without_consent(participants, project=project, today=today)
    if missing:
        who = ", ".join(p.pseudonym for p in missing)
        raise TranscriptImportError(
            f"{filename}: {who} {'has' if len(missing) == 1 else 'have'} no valid consent on "
            "record for this study. Record consent on the participant's page, then import again."
        )


# --- Speakers -----------------------------------------------------------------------------------

INTERVIEWER_WORDS = {"interviewer", "moderator", "researcher", "host", "facilitator"}
PARTICIPANT_WORDS = {"participant", "interviewee", "customer", "guest", "respondent"}
LABEL_ASIDE = re.compile(r"\s*\([^()]*\)\s*$")


def normalise_name(value: str) -> str:
    """Case-, accent- and punctuation-insensitive form of a name: "José  O'Neil" → "jose oneil"."""
    decomposed = unicodedata.normalize("NFKD", value)
    letters = "".join(c for c in decomposed if not unicodedata.combining(c))
    letters = re.sub(r"[^\w\s-]", "", letters.casefold())
    return " ".join(letters.replace("-", " ").split())


def _name_keys(full_name: str) -> list[str]:
    """A full name, then its first name: both are accepted as a speaker label."""
    normal = normalise_name(full_name)
    return [normal, normal.split(" ")[0]] if normal else []


@dataclass(frozen=True)
class SessionPeople:
    """A session's participants and interviewers, read once for one import."""

    participants: list[Participant]
    interviewers: list[User]

    @classmethod
    def of(cls, session: Session) -> SessionPeople:
        return cls(list(session.participants.all()), list(session.interviewers.all()))


def match_speakers(
    labels: Sequence[str], *, people: SessionPeople
) -> dict[str, tuple[Participant | None, User | None]]:
    """Map each label to a session participant or interviewer where the match is unambiguous."""
    participants, interviewers = people.participants, people.interviewers
    # Names are compared server-side only; nothing here is shown to anyone.
    names = dict(
        ParticipantIdentity.objects.filter(participant__in=participants).values_list(
            "participant_id", "name"
        )
    )
    candidates: dict[str, list[Participant | User]] = {}

    def offer(key: str, who: Participant | User) -> None:
        if key and who not in candidates.setdefault(key, []):
            candidates[key].append(who)

    for participant in participants:
        offer(normalise_name(participant.pseudonym), participant)
        for key in _name_keys(names.get(participant.pk, "")):
            offer(key, participant)
    for user in interviewers:
        offer(normalise_name(user.username), user)
        for key in _name_keys(user.get_full_name()):
            offer(key, user)

    mapping: dict[str, tuple[Participant | None, User | None]] = {}
    for label in labels:
        key = normalise_name(label)
        # Zoom display names often carry an aside: "Jane Doe (she/her)", "Sam (Acme)".
        found = candidates.get(key, []) or candidates.get(
            normalise_name(LABEL_ASIDE.sub("", label)), []
        )
        if not found and key in INTERVIEWER_WORDS and len(interviewers) == 1:
            found = [*interviewers]
        if not found and key in PARTICIPANT_WORDS and len(participants) == 1:
            found = [*participants]
        if len(found) == 1:
            who = found[0]
            mapping[label] = (who, None) if isinstance(who, Participant) else (None, who)
        else:
            mapping[label] = (None, None)
    return mapping


# Labels this alike are probably one person written two ways ("Particpant" beside "Participant":
# difflib ratio 0.95); "Ana" and "Ann" (0.67) are not.
NEAR_IDENTICAL_RATIO = 0.85
_DIGITS = re.compile(r"\d+")


def near_identical_labels(labels: Sequence[str]) -> dict[str, list[str]]:
    """For each label, the other labels that look like the same speaker written differently.

    A typo, or another case or accent ("INTERVIEWER", "Jose"), with a difflib ratio of at least
    NEAR_IDENTICAL_RATIO between their normalised forms. Labels that differ only in their numbers
    ("Speaker 1" and "Speaker 2", "P-014" and "P-041", "Interviewer" and "Interviewer 2") are
    different people.
    """
    normal = {label: normalise_name(label) for label in labels}
    similar: dict[str, list[str]] = {label: [] for label in labels}
    for index, first in enumerate(labels):
        for second in labels[index + 1 :]:
            a, b = normal[first], normal[second]
            if not a or not b:
                continue
            numbered = bool(_DIGITS.search(a) or _DIGITS.search(b))
            if a != b and numbered and _DIGITS.sub("", a).strip() == _DIGITS.sub("", b).strip():
                continue
            if a == b or difflib.SequenceMatcher(None, a, b).ratio() >= NEAR_IDENTICAL_RATIO:
                similar[first].append(second)
                similar[second].append(first)
    return {label: others for label, others in similar.items() if others}


# --- Import -------------------------------------------------------------------------------------


def transcript_import(
    *,
    session: Session,
    filename: str,
    data: bytes,
    by: User | None,
    today: dt.date | None = None,
) -> tuple[Transcript, bool]:
    """Import one file into a session. Returns (transcript, created); raises TranscriptImportError.

    1. Parse the file (format by extension, encoding detected, size limited).
    2. Refuse it if a session participant has no valid consent for the study.
    3. Return the existing transcript when the same file was imported into this session before.
    4. Store the transcript, its speakers (auto-mapped) and utterances in one transaction.
    """
    return _import_parsed(
        session=session,
        people=SessionPeople.of(session),
        filename=filename,
        data=data,
        parsed=_parse(filename, data),
        by=by,
        today=today,
    )


def _import_parsed(
    *,
    session: Session,
    people: SessionPeople,
    filename: str,
    data: bytes,
    parsed: ParsedTranscript,
    by: User | None,
    today: dt.date | None = None,
    new_session: bool = False,
) -> tuple[Transcript, bool]:
    """`today`: the day consent must be valid on (the import date unless replaying history).
    `new_session`: the caller made the session for this file, so it holds no transcript yet."""
    _check_consent(people.participants, filename, project=session.project, today=today)
    digest = hashlib.sha256(data).hexdigest()
    with transaction.atomic():
        if not new_session:
            _lock_rows(Session.objects.filter(pk=session.pk))
            existing = Transcript.objects.filter(session=session, source_sha256=digest).first()
            if existing is not None:
                return existing, False
        transcript = _store(
            session=session,
            people=people,
            filename=filename,
            data=data,
            digest=digest,
            parsed=parsed,
            by=by,
        )
    return transcript, True


def _parse(filename: str, data: bytes) -> ParsedTranscript:
    # The file name becomes the transcript's (and a bulk import's session's) title.
    if problem := name_problem(filename):
        raise TranscriptImportError(f"The file name cannot be used: {problem}. Rename the file.")
    try:
        parsed = parse_transcript(filename, data, max_bytes=settings.TRANSCRIPT_MAX_BYTES)
    except TranscriptParseError as error:
        raise TranscriptImportError(str(error)) from None
    if problem := text_problem(parsed.text):
        raise TranscriptImportError(f"{filename}: the text cannot be stored: {problem}.")
    for label in parsed.speakers:
        if problem := name_problem(label):
            raise TranscriptImportError(
                f"{filename}: the speaker name “{label[:40]}” cannot be used: {problem}. "
                "Remove the character in the file, then import again."
            )
    # WebVTT voice tags have no length limit; PostgreSQL would refuse the row mid-import.
    limit = max_length(Speaker, "label")
    for label in parsed.speakers:
        if len(label) > limit:
            raise TranscriptImportError(
                f"{filename}: the speaker name “{label[:40]}…” is longer than {limit} "
                "characters. Shorten it in the file, then import again."
            )
    return parsed


def _store(
    *,
    session: Session,
    people: SessionPeople,
    filename: str,
    data: bytes,
    digest: str,
    parsed: ParsedTranscript,
    by: User | None,
) -> Transcript:
    times = [time for u in parsed.utterances if (time := u.end_ms or u.start_ms)]
    title = title_from_filename(
        filename, participants=people.participants, tool=_meeting_tool(parsed)
    )
    transcript = Transcript(
        session=session,
        title=title,
        source_filename=PurePath(filename).name[:255],
        source_format=parsed.format,
        source_encoding=parsed.encoding[:20],
        source_sha256=digest,
        source_metadata=dict(parsed.metadata),
        text=parsed.text,
        word_count=len(parsed.text.split()),
        utterance_count=len(parsed.utterances),
        duration_ms=max(times) if times else None,
        imported_by=by,
    )
    transcript.source_file.save(PurePath(filename).name, ContentFile(data), save=False)
    try:
        _store_rows(transcript, parsed, people=people)
    except Exception:
        transcript.source_file.delete(save=False)
        raise
    return transcript


def _store_rows(transcript: Transcript, parsed: ParsedTranscript, *, people: SessionPeople) -> None:
    transcript.save()

    labels = list(dict.fromkeys(u.speaker for u in parsed.utterances))
    mapping = match_speakers([label for label in labels if label], people=people)
    speakers = Speaker.objects.bulk_create(
        Speaker(
            transcript=transcript,
            label=label,
            participant=mapping.get(label, (None, None))[0],
            interviewer=mapping.get(label, (None, None))[1],
            position=position,
        )
        for position, label in enumerate(labels)
    )
    speaker_by_label = {speaker.label: speaker for speaker in speakers}
    Utterance.objects.bulk_create(
        (
            Utterance(
                transcript=transcript,
                speaker=speaker_by_label[u.speaker],
                position=position,
                start=u.start,
                end=u.end,
                start_ms=u.start_ms,
                end_ms=u.end_ms,
                text=parsed.text[u.start : u.end],
            )
            for position, u in enumerate(parsed.utterances)
        ),
        batch_size=1000,
    )


# --- Speakers -----------------------------------------------------------------------------------


def speakers_map(
    *, transcript: Transcript, mapping: Mapping[Speaker, tuple[int | None, int | None]]
) -> list[Speaker]:
    """Map each speaker to (participant id, interviewer id), either or neither; the changed.

    Only the session's participants and interviewers may be named; a speaker whose mapping
    is unchanged is not saved again (each save reindexes the speaker's turns).
    """
    session = transcript.session
    participants = set(session.participants.values_list("pk", flat=True))
    interviewers = set(session.interviewers.values_list("pk", flat=True))
    for speaker, (participant_id, interviewer_id) in mapping.items():
        if speaker.transcript_id != transcript.pk:
            raise ValueError(f"Speaker {speaker.pk} is not one of this transcript's speakers.")
        if participant_id is not None and interviewer_id is not None:
            raise ValueError("A speaker is a participant or an interviewer, not both.")
        if participant_id is not None and participant_id not in participants:
            raise ValueError("Only the session's participants can be mapped to a speaker.")
        if interviewer_id is not None and interviewer_id not in interviewers:
            raise ValueError("Only the session's interviewers can be mapped to a speaker.")
    changed = [
        speaker
        for speaker, ids in mapping.items()
        if (speaker.participant_id, speaker.interviewer_id) != ids
    ]
    with transaction.atomic():
        for speaker in changed:
            speaker.participant_id, speaker.interviewer_id = mapping[speaker]
            speaker.save(update_fields=["participant", "interviewer"])
    return changed


# --- Delete -------------------------------------------------------------------------------------


def transcript_delete(*, transcript: Transcript, by: User) -> None:
    """Delete a transcript with its utterances and highlights, then its stored file; audited."""
    stored = transcript.source_file
    with transaction.atomic():
        audit(
            by,
            AuditEvent.Action.TRANSCRIPT_DELETED,
            project=transcript.session.project,
            detail=f"“{transcript.title}” of session {transcript.session_id}, "
            f"{transcript.highlights.count()} highlights",
        )
        transcript.delete()
        # The file goes only once the rows are gone for good, so a failed delete never leaves a
        # transcript without its file. A file left behind by a failing storage is an orphan
        # that interviews.retention removes later.
        if stored.name:
            transaction.on_commit(partial(stored.storage.delete, stored.name), robust=True)


def _lock_rows[M: Model](queryset: QuerySet[M]) -> None:
    """Hold the rows' write lock until the transaction ends, so that two imports of one file at
    once (a double click on Import) do not both find it new. SQLite takes no row locks: its
    transactions begin IMMEDIATE, so writers already wait for each other."""
    if connections[queryset.db].features.has_select_for_update:
        list(queryset.select_for_update().values_list("pk", flat=True))


# --- Bulk import into a study: one new session per file ----------------------------------------

PSEUDONYM_IN_NAME = re.compile(r"\bP-?(\d{1,5})\b", re.IGNORECASE)
DATE_IN_NAME = re.compile(r"(20\d{2})[-_.]?(\d{2})[-_.]?(\d{2})")


def participant_from_filename(filename: str, *, project: ResearchProject) -> Participant | None:
    """The study participant a file name points at: a pseudonym (P-014) or a full name in it."""
    stem = PurePath(filename).stem
    enrolled = Participant.objects.filter(enrollments__project=project)
    if match := PSEUDONYM_IN_NAME.search(stem.replace("_", " ")):
        number = int(match.group(1))
        for participant in enrolled:
            digits = participant.pseudonym.removeprefix("P-")
            if digits.isdigit() and int(digits) == number:
                return participant
    words = f" {normalise_name(stem.replace('_', ' ').replace('.', ' '))} "
    names = ParticipantIdentity.objects.filter(participant__in=enrolled).exclude(name="")
    found = [
        identity.participant
        for identity in names.select_related("participant")
        if f" {normalise_name(identity.name)} " in words
    ]
    return found[0] if len(found) == 1 else None


_TITLE_WORD = re.compile(r"[^\s_.-]+")


def title_without_names(stem: str, participants: Iterable[Participant]) -> str:
    """A file name, with each participant's name in it replaced by their pseudonym.

    File names often carry the participant's name ("Jane Doe 2026-10-14.vtt"), and session and
    transcript titles are shown to viewers, who must see pseudonyms only. Full names are
    compared like speaker labels (case, accents and punctuation ignored; any separator between
    words); then a first or last name alone is replaced too, and the company and e-mail
    address by their placeholders (interviews.redaction.Identity).
    """
    participants = list(participants)
    identities = {
        identity.participant_id: identity
        for identity in ParticipantIdentity.objects.filter(participant__in=participants)
    }
    names = {pk: identity.name for pk, identity in identities.items()}
    for participant in participants:
        name = normalise_name(names.get(participant.pk, "")).split()
        words = list(_TITLE_WORD.finditer(stem))
        keys = [normalise_name(word.group()) for word in words]
        # Right to left, so replacing one occurrence keeps the offsets of the earlier ones.
        for index in reversed(range(len(words) - len(name) + 1)):
            if name and keys[index : index + len(name)] == name:
                start, end = words[index].start(), words[index + len(name) - 1].end()
                stem = stem[:start] + participant.pseudonym + stem[end:]
        # Then a first or last name alone ("Ingrid call"), the company, the e-mail address.
        if identity := identities.get(participant.pk):
            stem = Identity(
                name=identity.name, email=identity.email, company=identity.company
            ).replaced(stem, participant.pseudonym)
    return stem


def session_date_from_filename(filename: str) -> dt.datetime | None:
    """The date in a file name, at 09:00 UTC; Zoom's cloud recordings also give the time (UTC)."""
    stem = PurePath(filename).stem
    if zoom := ZOOM_CLOUD_NAME.search(stem):
        try:
            return dt.datetime.strptime(f"{zoom['date']}{zoom['time']}", "%Y%m%d%H%M%S").replace(
                tzinfo=dt.UTC
            )
        except ValueError:
            pass
    match = DATE_IN_NAME.search(stem)
    if not match:
        return None
    try:
        day = dt.date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None
    return dt.datetime.combine(day, dt.time(9, 0), tzinfo=dt.UTC)


# --- Titles from file names ---------------------------------------------------------------------

# Zoom's cloud recordings: "GMT20260917-160431_Recording", maybe with "_1920x1080" or "_2".
ZOOM_CLOUD_NAME = re.compile(
    r"GMT(?P<date>\d{8})-(?P<time>\d{6})(?:_Recording)?(?:_\d+x\d+)?(?:_\d+)?", re.IGNORECASE
)
# A date as file names write it, with the time and zone that may follow: "2026-12-03",
# "20261203", "2026-12-03 15.00.00", "(2026-12-03 14:02 GMT+1)".
DATE_AND_TIME_IN_NAME = re.compile(
    r"(?<!\d)20\d{2}[-_.]?\d{2}[-_.]?\d{2}(?!\d)"
    r"(?:[ T_-]+\d{1,2}[.:_-]\d{2}(?:[.:_-]\d{2})?)?"
    r"(?:\s*(?:GMT|UTC)(?:[+-]\d{1,2}(?::?\d{2})?)?)?",
    re.IGNORECASE,
)
# Words recorders and transcribers put in file names that say nothing about the conversation.
RECORDER_NOISE = re.compile(
    r"\b(?:audio[ _-]?only|recording|transcript(?:ion)?|closed[ _-]?captions?|captions?"
    r"|subtitles?|otter(?:[ _.-]?ai)?|zoom[ _]\d+|final)\b",
    re.IGNORECASE,
)
MEETING_TOOLS = (
    (re.compile(r"\bzoom\b", re.IGNORECASE), "Zoom"),
    (re.compile(r"\b(?:ms[ _-]?)?teams\b", re.IGNORECASE), "Teams"),
    (re.compile(r"\bg(?:oogle[ _-]?)?meet\b", re.IGNORECASE), "Google Meet"),
)
_MAX_PSEUDONYMS_IN_TITLE = 3


def _meeting_tool(parsed: ParsedTranscript) -> str | None:
    source = parsed.metadata.get("source")
    return source if source == "Google Meet" else None


def title_from_filename(
    filename: str, *, participants: Iterable[Participant], tool: str | None = None
) -> str:
    """A readable title from a transcript's file name: "P-061 — Zoom interview, 3 Dec".

    1. Participants' names in the name become pseudonyms (title_without_names), and the
       session's participants lead the title ("P-061 — …").
    2. What recorders add is dropped: Zoom's "GMT20260917-160431_Recording", "audio_only",
       ".transcript", "_transcript", "Otter.ai", and the date, which the session already has and
       the title shows as "3 Dec". The pseudonyms themselves are not repeated.
    3. What is left describes the conversation ("Renewal call"); when nothing is, the meeting
       tool the name (or the file) reveals does: "Zoom interview", else "Interview".
    """
    participants = list(participants)
    stem = PurePath(filename).stem
    when = session_date_from_filename(filename)
    words = title_without_names(stem, participants)
    if ZOOM_CLOUD_NAME.search(words):
        tool = "Zoom"
        words = ZOOM_CLOUD_NAME.sub(" ", words)
    words = DATE_AND_TIME_IN_NAME.sub(" ", words).replace("_", " ").replace(".", " ")
    for pattern, name in MEETING_TOOLS:
        if pattern.search(words):
            tool = tool or name
    words = RECORDER_NOISE.sub(" ", words)
    numbers = {_pseudonym_number(p.pseudonym) for p in participants} - {None}
    words = PSEUDONYM_IN_NAME.sub(
        lambda match: " " if int(match[1]) in numbers else match[0], words
    )
    tokens = [token.strip("-–—,;:()[]{}+") for token in words.split()]
    what = " ".join(token for token in tokens if token)
    if not what:
        what = f"{tool} interview" if tool else "Interview"
    what = what[0].upper() + what[1:]

    pseudonyms = [p.pseudonym for p in participants]
    who = (
        ", ".join(pseudonyms)
        if len(pseudonyms) <= _MAX_PSEUDONYMS_IN_TITLE
        else f"{len(pseudonyms)} participants"
    )
    title = f"{who} — {what}" if who else what
    if when is not None:
        title += f", {when.day} {date_format(when, 'M')}"
    return title[:200]


def _pseudonym_number(pseudonym: str) -> int | None:
    digits = pseudonym.removeprefix("P-")
    return int(digits) if digits.isdigit() else None


def transcripts_import_as_sessions(
    *,
    project: ResearchProject,
    files: Sequence[tuple[str, bytes]],
    by: User | None,
) -> list[ImportOutcome]:
    """Import each file as a new session of the study; a refused file leaves nothing behind."""
    interviewers: list[User] = []
    if (
        by is not None
        and Membership.objects.filter(
            project=project, user=by, role__in=[Membership.Role.LEAD, Membership.Role.RESEARCHER]
        ).exists()
    ):
        interviewers = [by]
    outcomes = []
    for filename, data in files:
        try:
            with transaction.atomic():
                outcomes.append(
                    _import_as_session(project, filename, data, by=by, interviewers=interviewers)
                )
        except TranscriptImportError as error:
            outcomes.append(ImportOutcome(filename=filename, error=str(error)))
    return outcomes


def _import_as_session(
    project: ResearchProject,
    filename: str,
    data: bytes,
    *,
    by: User | None,
    interviewers: list[User],
) -> ImportOutcome:
    digest = hashlib.sha256(data).hexdigest()
    _lock_rows(ResearchProject.objects.filter(pk=project.pk))
    already = Transcript.objects.filter(session__project=project, source_sha256=digest).first()
    if already is not None:
        return ImportOutcome(filename=filename, transcript=already, created=False)
    parsed = _parse(filename, data)  # a bad file is refused before its session is created
    participant = participant_from_filename(filename, project=project)
    title = title_from_filename(
        filename, participants=[participant] if participant else [], tool=_meeting_tool(parsed)
    )
    session = Session.objects.create(
        project=project,
        title=title,
        scheduled_at=session_date_from_filename(filename) or timezone.now(),
    )
    if participant is not None:
        session.participants.add(participant)
    # add, not set: a new session has no interviewers to replace, nothing to read first.
    session.interviewers.add(*interviewers)
    # The session was made just now: its people are known, not read back.
    people = SessionPeople([participant] if participant else [], list(interviewers))
    transcript, created = _import_parsed(
        session=session,
        people=people,
        filename=filename,
        data=data,
        parsed=parsed,
        by=by,
        new_session=True,
    )
    return ImportOutcome(
        filename=filename,
        transcript=transcript,
        created=created,
        participant_linked=participant is not None,
    )
