"""Loader step: a transcript for every completed session, imported as an uploaded file would be.

1. Compose the conversation from the participant's Voice (voices.py) and the topic banks
   (guides.py): an introduction, their role and history with the product, what was said
   during an observation, then each topic of the guide with a follow-up on some, and the
   close.
2. Time it (people speak about two and a half words a second) and write it in the format the
   Voice names (formats.py), labelled the way that tool labels speakers.
3. Import the bytes with interviews.transcripts.transcript_import, so parsing, speaker mapping
   and offsets are exactly what a researcher's upload would get.

Every choice is a hash of the participant's key and what is being chosen, never the clock or an
unseeded random generator, so every load writes byte-identical files.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.contrib.auth.models import User

from demo import formats, guides
from demo.accounts import LEAD_USERNAME
from demo.choice import chance, pick
from demo.choice import stable_hash as _hash
from demo.context import DEMO_TODAY, DemoContext
from demo.people import PEOPLE
from demo.studies import FIRST_ORDER, PLG, UPTIER
from demo.voices import CHAT_TXT, INTERVIEWER, PARTICIPANT, VOICES, Voice
from interviews.models import Enrollment, Participant, Session, Transcript

P, I1, I2 = "p", "i1", "i2"  # the participant, the leading and the second interviewer

PEOPLE_BY_KEY = {person.key: person for person in PEOPLE}

KEYWORDS: dict[str, tuple[str, ...]] = {
    UPTIER: ("ultimate", "true-up", "security scanning", "compliance", "renewal", "self-managed"),
    FIRST_ORDER: ("ai add-on", "trial", "seats", "security review", "kickoff", "sso"),
    PLG: ("free tier", "ci minutes", "pricing", "trial", "storage", "runner"),
}
TITLES: dict[str, str] = {
    UPTIER: "Premium to Ultimate",
    FIRST_ORDER: "First order with the AI add-on",
    PLG: "Free to paid",
}
TIC_PERCENT = 35  # answers that open with one of the participant's interjections
PROBE_PERCENT = 70  # topics with a stock follow-up that get probed, turn budget permitting
FRAMING_PERCENT = 40  # questions the interviewer opens up with a framing sentence


# --- 1. The conversation ------------------------------------------------------------------------


@dataclass(frozen=True)
class Said:
    who: str  # P, I1, I2, or a guest's label
    text: str  # paragraphs separated by "\n"
    heading: str = ""
    observed: bool = False  # said while the researcher watched the participant work


def answer_variant(ref: tuple[str, str], topic: str, stance: str) -> int:
    """Which wording of a shared answer this participant gets: the first participant of a study
    with this stance gets the first, the next one the second, and so on round the variants."""
    slug = ref[0]
    earlier = [
        other
        for other, voice in VOICES.items()
        if other[0] == slug and (topic, stance) in voice.guide
    ]
    return earlier.index(ref)


def conversation(
    ref: tuple[str, str], voice: Voice, *, internal: bool, thanks: Sequence[str], pair: bool
) -> list[Said]:
    """What was said in the session, in order; `pair` when two researchers ran it."""
    slug, person = ref
    purpose = (guides.INTERNAL_PURPOSE if internal else guides.PURPOSE)[slug]
    history = guides.INTERNAL_HISTORY_QUESTIONS if internal else guides.HISTORY_QUESTIONS
    introductions = guides.CHAT_INTRODUCTIONS if voice.format == CHAT_TXT else guides.INTRODUCTIONS
    said = [
        Said(I1, pick(introductions, person, "intro").format(purpose=purpose)),
        Said(P, voice.opening or pick(guides.CONSENT_REPLIES, person, "consent")),
        Said(I2 if pair else I1, pick(guides.ROLE_QUESTIONS, person, "role"), "Background"),
        Said(P, voice.role),
    ]
    if voice.history:
        said += [Said(I2 if pair else I1, pick(history, person, "history")), Said(P, voice.history)]
    for index, (who, text) in enumerate(voice.scene):
        speaker = {PARTICIPANT: P, INTERVIEWER: I1}.get(who, who)
        said.append(Said(speaker, text, "Observation" if index == 0 else "", observed=True))

    probed = _probed_topics(ref, voice, turns_so_far=len(said))
    used: dict[str, int] = {}  # how many transitions, framings and probes so far: no repeats
    for number, (topic_key, stance) in enumerate(voice.guide):
        topic = guides.TOPICS[topic_key]
        if number == 0:
            lead_in = f"{voice.scene_intro} " if voice.scene_intro else ""
        else:
            lead_in = _next(guides.TRANSITIONS, person, "transition", used)
        if number and chance(FRAMING_PERCENT, person, topic_key, "framing"):
            lead_in += _next(guides.FRAMINGS, person, "framing", used) + " "
        asker = I2 if pair and number % 4 == 3 else I1
        question = lead_in + pick(topic.questions, person, topic_key, "question")
        said.append(Said(asker, question, "The journey" if number == 0 else ""))
        answer = _answer(ref, voice, topic_key, stance)
        if topic_key in voice.extra and topic_key not in probed:
            # No time to probe: the participant went on anyway.
            separator = "\n" if voice.format in formats.PARAGRAPH_FORMATS else " "
            last = answer[-1]
            answer[-1] = Said(last.who, f"{last.text}{separator}{voice.extra[topic_key]}")
        said += answer
        if topic_key in probed:
            prober = I2 if pair and chance(50, person, topic_key, "prober") else I1
            probe = _next(guides.GENERIC_PROBES, person, "probe", used)
            follow_up = voice.extra.get(topic_key) or topic.follow_ups[stance]
            said += [Said(prober, probe), Said(P, follow_up)]

    said += [
        Said(I2 if pair else I1, pick(guides.ANYTHING_ELSE, person, "else"), "Wrap-up"),
        Said(P, voice.closing or pick(guides.CLOSING_REPLIES, person, "closing")),
        Said(I1, pick(thanks, person, "thanks")),
        Said(P, pick(guides.GOODBYES, person, "bye")),
    ]
    return said


def _next[T](options: Sequence[T], person: str, kind: str, used: dict[str, int]) -> T:
    """The next of `options` in a rotation that starts at a hashed place: no repeats until all
    have been used."""
    count = used.get(kind, 0)
    used[kind] = count + 1
    return options[(_hash(person, kind) + count) % len(options)]


MAX_TURNS = 58  # transcripts of an hour's interview stay under sixty turns


def _probed_topics(ref: tuple[str, str], voice: Voice, *, turns_so_far: int) -> set[str]:
    """The topics that get a probe and a follow-up, within the turn budget.

    The participant's own follow-ups come first, then the bank's, in a hashed order; each
    takes two turns, and the guide itself takes two per topic (more in a chat), plus the close.
    """
    person = ref[1]
    guide_turns = sum(len(_answer(ref, voice, t, s)) + 1 for t, s in voice.guide)
    budget = (MAX_TURNS - turns_so_far - guide_turns - 4) // 2
    own = [topic for topic, _stance in voice.guide if topic in voice.extra]
    bank = sorted(
        (
            topic
            for topic, stance in voice.guide
            if topic not in voice.extra
            and stance in guides.TOPICS[topic].follow_ups
            and chance(PROBE_PERCENT, person, topic, "probe")
        ),
        key=lambda topic: _hash(person, topic, "probe-order"),
    )
    return set((own + bank)[: max(budget, 0)])


def _answer(ref: tuple[str, str], voice: Voice, topic_key: str, stance: str) -> list[Said]:
    person = ref[1]
    variants = guides.TOPICS[topic_key].answers[stance]
    text = variants[answer_variant(ref, topic_key, stance) % len(variants)]
    if voice.tics and chance(TIC_PERCENT, person, topic_key, "tic"):
        text = pick(voice.tics, person, topic_key, "tic-text") + text
    own = voice.own.get(topic_key, "")
    if voice.format == CHAT_TXT:
        # In a chat, an afterthought arrives as a message of its own.
        return [Said(P, message) for message in (text, own) if message]
    if own:
        separator = "\n" if voice.format in formats.PARAGRAPH_FORMATS else " "
        text = f"{text}{separator}{own}"
    return [Said(P, text)]


# --- 2. Timing and labels -----------------------------------------------------------------------

WORDS_PER_SECOND = 2.5
SCENE_PAUSE_MS = (15_000, 50_000)  # the participant works between remarks while observed


def timeline(said: Sequence[Said], *, labels: dict[str, str], seed: str) -> list[formats.Line]:
    """Media times for each turn: speech at a person's pace, short gaps, long ones while the
    participant works under observation."""
    lines = []
    now = 2_000 + _hash(seed, "start") % 7_000
    for index, turn in enumerate(said):
        words = len(turn.text.split())
        pace = WORDS_PER_SECOND + (_hash(seed, turn.who, "pace") % 7 - 3) / 10
        duration = int(words / pace * 1000) + 400
        lines.append(
            formats.Line(
                labels.get(turn.who, turn.who), turn.text, now, now + duration, turn.heading
            )
        )
        now += duration + 300 + _hash(seed, index, "gap") % 2_200
        if turn.observed:
            low, high = SCENE_PAUSE_MS
            now += low + _hash(seed, index, "pause") % (high - low)
    return lines


def speaker_labels(
    voice: Voice, participant_name: str, interviewers: Sequence[User]
) -> dict[str, str]:
    """How this file labels each speaker: the tool's habit, e.g. Zoom display names."""

    def interviewer(user: User) -> str:
        if voice.interviewer_labels == "first":
            return user.first_name
        if voice.interviewer_labels == "aside":
            return f"{user.get_full_name()} (Brightforge Research)"
        return user.get_full_name()

    labels = {P: voice.label or participant_name, I1: interviewer(interviewers[0])}
    if len(interviewers) > 1:
        labels[I2] = interviewer(interviewers[1])
    return labels


# --- 3. The loader step -------------------------------------------------------------------------


def load_transcripts(ctx: DemoContext) -> None:
    """Import one transcript per completed session; the file's format comes from its Voice."""
    # Imported here: the importers pull in python-docx and friends, which a no-op
    # `seed_demo` (every `make run`) has no use for.
    from interviews.transcripts import transcript_import

    words = utterances = 0
    backdated: list[Transcript] = []
    for ref, session in ctx.sessions.items():
        enrollment = ctx.enrollments[ref]
        if enrollment.status != Enrollment.Status.COMPLETED:
            continue
        voice = VOICES[ref]
        participant = ctx.participants[ref[1]]
        interviewers = _interviewers(session)
        data = file_bytes(ref, voice, session, participant, enrollment, interviewers)
        filename = voice.filename.format(pseudonym=participant.pseudonym)
        # Consent is checked on the demo's own date, so the demo loads in any year.
        transcript, _created = transcript_import(
            session=session, filename=filename, data=data, by=interviewers[0], today=DEMO_TODAY
        )
        ctx.transcripts[ref] = transcript
        words += transcript.word_count
        utterances += transcript.utterance_count
        # Imported the day after the session, not at load time.
        transcript.created_at = session.scheduled_at + dt.timedelta(days=1, hours=2)
        backdated.append(transcript)
    Transcript.objects.bulk_update(backdated, ["created_at"])
    ctx.counts.update(transcripts=len(backdated), utterances=utterances, words=words)
    ctx.say(f"  transcripts: {len(backdated)} ({utterances} utterances, {words} words)")


def file_bytes(
    ref: tuple[str, str],
    voice: Voice,
    session: Session,
    participant: Participant,
    enrollment: Enrollment,
    interviewers: Sequence[User],
) -> bytes:
    """The transcript file of a completed session, as its tool would have written it."""
    internal = participant.kind == Participant.Kind.INTERNAL
    thanks: tuple[str, ...]
    if internal:
        thanks = guides.THANKS_INTERNAL
    elif enrollment.incentive:
        thanks = guides.THANKS_CUSTOMER
    else:
        thanks = guides.THANKS_NO_INCENTIVE
    said = conversation(ref, voice, internal=internal, thanks=thanks, pair=len(interviewers) > 1)
    labels = speaker_labels(voice, PEOPLE_BY_KEY[ref[1]].name, interviewers)
    lines = timeline(said, labels=labels, seed=ref[1])
    kind = "observation" if session.kind == Session.Kind.CONTEXTUAL_INQUIRY else "interview"
    recording = formats.Recording(
        title=f"{TITLES[ref[0]]}: {kind}",
        started_at=session.scheduled_at,
        keywords=KEYWORDS[ref[0]],
    )
    return formats.render(voice.format, lines, recording)


def _interviewers(session: Session) -> list[User]:
    """The session's interviewers, the lead first when both ran it."""
    return sorted(session.interviewers.all(), key=lambda user: user.username != LEAD_USERNAME)
