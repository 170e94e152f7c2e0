"""Importing transcripts into sessions: parse, check consent, store, map speakers.

Every file is imported in its own transaction: a file is either fully in (transcript,
speakers, utterances, and for bulk imports its new session) or not at all.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import PurePath

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, User
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from cxresearch.lib.text import name_problem, text_problem
from interviews import pipeline
from interviews.importers.transcripts import (
    ParsedTranscript,
    TranscriptParseError,
    parse_transcript,
)
from interviews.models import (
    Membership,
    Participant,
    ParticipantIdentity,
    ResearchProject,
    Session,
    Speaker,
    Transcript,
    Utterance,
)


class TranscriptImportError(Exception):
    """A file was refused; the message names the file, says why, and is shown to users as-is."""


@dataclass(frozen=True)
class ImportOutcome:
    filename: str
    transcript: Transcript | None = None
    created: bool = False
    error: str = ""

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


def _check_consent(session: Session, filename: str, *, today: dt.date | None) -> None:
    missing = participants_without_consent(
        session.participants.all(), project=session.project, today=today
    )
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


def match_speakers(
    labels: Sequence[str], *, session: Session
) -> dict[str, tuple[Participant | None, User | None]]:
    """Map each label to a session participant or interviewer where the match is unambiguous."""
    participants = list(session.participants.all())
    interviewers = list(session.interviewers.all())
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
            found = interviewers
        if not found and key in PARTICIPANT_WORDS and len(participants) == 1:
            found = participants
        if len(found) == 1:
            who = found[0]
            mapping[label] = (who, None) if isinstance(who, Participant) else (None, who)
        else:
            mapping[label] = (None, None)
    return mapping


# --- Import -------------------------------------------------------------------------------------


def transcript_import(
    *,
    session: Session,
    filename: str,
    data: bytes,
    by: AbstractBaseUser | None,
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
        filename=filename,
        data=data,
        parsed=_parse(filename, data),
        by=by,
        today=today,
    )


def _import_parsed(
    *,
    session: Session,
    filename: str,
    data: bytes,
    parsed: ParsedTranscript,
    by: AbstractBaseUser | None,
    today: dt.date | None = None,
) -> tuple[Transcript, bool]:
    """`today`: the day consent must be valid on (the import date unless replaying history)."""
    _check_consent(session, filename, today=today)
    digest = hashlib.sha256(data).hexdigest()
    existing = Transcript.objects.filter(session=session, source_sha256=digest).first()
    if existing is not None:
        return existing, False
    with transaction.atomic():
        transcript = _store(
            session=session, filename=filename, data=data, digest=digest, parsed=parsed, by=by
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
    limit = Speaker._meta.get_field("label").max_length
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
    filename: str,
    data: bytes,
    digest: str,
    parsed: ParsedTranscript,
    by: AbstractBaseUser | None,
) -> Transcript:
    times = [u.end_ms or u.start_ms for u in parsed.utterances if (u.end_ms or u.start_ms)]
    stem = title_without_names(PurePath(filename).stem, session.participants.all())
    transcript = Transcript(
        session=session,
        title=stem[:200] or filename[:200],
        source_filename=PurePath(filename).name[:255],
        source_format=parsed.format,
        source_encoding=parsed.encoding[:20],
        source_sha256=digest,
        text=parsed.text,
        word_count=len(parsed.text.split()),
        utterance_count=len(parsed.utterances),
        duration_ms=max(times) if times else None,
        imported_by=by,
    )
    transcript.source_file.save(PurePath(filename).name, ContentFile(data), save=False)
    try:
        _store_rows(transcript, parsed, session=session)
    except Exception:
        transcript.source_file.delete(save=False)
        raise
    return transcript


def _store_rows(transcript: Transcript, parsed: ParsedTranscript, *, session: Session) -> None:
    transcript.save()

    labels = list(dict.fromkeys(u.speaker for u in parsed.utterances))
    mapping = match_speakers([label for label in labels if label], session=session)
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
    """A file name, with each participant's full name in it replaced by their pseudonym.

    File names often carry the participant's name ("Jane Doe 2026-10-14.vtt"), and session and
    transcript titles are shown to viewers, who must see pseudonyms only. Names are compared
    like speaker labels (case, accents and punctuation ignored; any separator between words).
    """
    participants = list(participants)
    names = dict(
        ParticipantIdentity.objects.filter(participant__in=participants)
        .exclude(name="")
        .values_list("participant_id", "name")
    )
    for participant in participants:
        name = normalise_name(names.get(participant.pk, "")).split()
        words = list(_TITLE_WORD.finditer(stem))
        keys = [normalise_name(word.group()) for word in words]
        # Right to left, so replacing one occurrence keeps the offsets of the earlier ones.
        for index in reversed(range(len(words) - len(name) + 1)):
            if name and keys[index : index + len(name)] == name:
                start, end = words[index].start(), words[index + len(name) - 1].end()
                stem = stem[:start] + participant.pseudonym + stem[end:]
    return stem


def session_date_from_filename(filename: str) -> dt.datetime | None:
    match = DATE_IN_NAME.search(PurePath(filename).stem)
    if not match:
        return None
    try:
        day = dt.date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None
    return dt.datetime.combine(day, dt.time(9, 0), tzinfo=dt.UTC)


def transcripts_import_as_sessions(
    *,
    project: ResearchProject,
    files: Sequence[tuple[str, bytes]],
    by: AbstractBaseUser | None,
) -> list[ImportOutcome]:
    """Import each file as a new session of the study; a refused file leaves nothing behind."""
    interviewers = []
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
    by: AbstractBaseUser | None,
    interviewers: list,
) -> ImportOutcome:
    digest = hashlib.sha256(data).hexdigest()
    already = Transcript.objects.filter(session__project=project, source_sha256=digest).first()
    if already is not None:
        return ImportOutcome(filename=filename, transcript=already, created=False)
    parsed = _parse(filename, data)  # a bad file is refused before its session is created
    participant = participant_from_filename(filename, project=project)
    title = title_without_names(PurePath(filename).stem, [participant] if participant else [])
    session = Session.objects.create(
        project=project,
        title=title[:200],
        scheduled_at=session_date_from_filename(filename) or timezone.now(),
    )
    if participant is not None:
        session.participants.add(participant)
    session.interviewers.set(interviewers)
    transcript, created = _import_parsed(
        session=session, filename=filename, data=data, parsed=parsed, by=by
    )
    return ImportOutcome(filename=filename, transcript=transcript, created=created)
