"""How the demo's coders code: which stage a question is about, the sentences of a turn, what
each coder finds in them with the codebooks' patterns (demo.codebooks), who codes what, and the
memos they write. Pure functions of the text and a seed, so every load codes alike."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace

from demo.choice import chance, pick, stable_hash
from demo.codebooks import (
    ADOPTION,
    AWARENESS,
    EVALUATION,
    EXPANSION,
    ONBOARDING,
    PURCHASE,
    QUOTE_WORTHY,
    CodeSpec,
    Kind,
)
from demo.studies import FIRST_ORDER, UPTIER
from interviews.models import Transcript, Utterance

# --- The stage a question is about ----------------------------------------------------------------

# First match wins, in this order. A question that matches none (a probe, "tell me more")
# keeps the stage of the question before it.
# Background and wrap-up questions: their answers are context, not evidence, and stay uncoded.
NO_STAGE = re.compile(
    r"your role|how long (have|has)|introduce yourself|anything we didn't ask|expected us to ask"
    r"|anything you'd like to add",
    re.IGNORECASE,
)
QUESTION_STAGES: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (stage, re.compile(pattern, re.IGNORECASE))
    for stage, pattern in (
        (EXPANSION, r"true-?ups?|renew|next year|grows?\b|up-?tier"),
        (
            AWARENESS,
            r"first (raised|come up|came up|come across|hear)|on your radar|what made you look"
            r"|back to the start|how did this first order start",
        ),
        (
            ONBOARDING,
            r"onboard|\bset ?up\b|setting up|sign[- ]in\b|\bSSO\b|provisioning|first weeks"
            r"|first thirty days|hand-?offs?|handover|migrat|first piece of real work"
            r"|after signing",
        ),
        (EVALUATION, r"trial|evaluat|compar|alternatives|before deciding|capabilit|worth it"),
        (
            PURCHASE,
            r"quote|procurement|purchas|\bsign\b|signing|signed order|budget|price|pricing"
            r"|\bpay\b|paying|payment|checkout|approv|security review|legal|business case"
            r"|justification|how many seats|number of .{0,20}seats",
        ),
        (
            ADOPTION,
            r"day to day|using|\bused\b|\buse\b|roll-?out|learn|support|\bhelp\b|limit|in use"
            r"|workarounds?|CI/CD",
        ),
    )
)


def question_stage(text: str) -> str | None:
    """The stage an interviewer's question is about; "" for background and wrap-up questions,
    None when it does not say (a probe)."""
    if NO_STAGE.search(text):
        return ""
    for stage, pattern in QUESTION_STAGES:
        if pattern.search(text):
            return stage
    return None


# --- Reading a sentence -------------------------------------------------------------------------

# A sentence ends at ".", "?" or "!" (optionally followed by a closing quote) before a space
# or a line break; "[laughs]" after a sentence belongs to it.
SENTENCE_END = re.compile(r"(?<=[.?!])['\"”’]?(?:\s+\[laughs\])?(?=\s|$)")
# Leading words a coder leaves out of a quote.
LEAD_IN = re.compile(
    r"^(?:(?:um|uh|so|yeah|yes|okay|ok|well|right|hmm|mm|look|honestly|to be honest|"
    r"good question|uh, let me think)[.,]?\s+)+",
    re.IGNORECASE,
)
NEGATIVE = re.compile(
    r"\b(annoy\w*|frustrat\w*|painful|surpris\w*|shock\w*|worr\w*|nightmare|stuck|slow\w*|"
    r"confus\w*|expensive|blocked|hard|difficult|lost|afraid|nervous|hate|waste\w*|problems?|"
    r"mess|terrible|embarrass\w*|uncomfortable|fail\w*|fell over|broke|wrong|steep|idle|"
    r"unused|never|couldn't|can't|didn't|not happy|grumbl\w*|sighs?|risk\w*|chore|"
    r"complain\w*|scared|thin|odd)\b",
    re.IGNORECASE,
)
POSITIVE = re.compile(
    r"\b(love[sd]?|great|easy|helpful|help(ed|s)|fast|quick\w*|smooth|happy|impressed|"
    r"brilliant|works|worked|sav(ed|es)|clear|good|painless|best|magic|nice|patient|responsive|"
    r"shines|trust|celebrated|glad|fair|enjoy\w*|proud|useful|appreciated|well)\b",
    re.IGNORECASE,
)
SEVERE = re.compile(
    r"nightmare|blocked|months|eleven days|twice what|forty per cent|riot|lost|never|nobody|"
    r"expired|escalat|fail|three weeks|five weeks|a month|no idea",
    re.IGNORECASE,
)
VIVID = re.compile(
    r"\[laughs\]|!|[\U0001F300-\U0001FAFF]|nightmare|riot|\bgym\b|archaeology|party|"
    r"morning after|magic|like a tax|allergic|cliff|ledger|cake|coffee|terrible|push-ups",
    re.IGNORECASE,
)


# A pain point reads negative and a delight positive before the words are weighed.
KIND_LEANING: dict[str, int] = {Kind.PAIN_POINT: -1, Kind.DELIGHT: 1}
UNRATED_PERCENT = 40


@dataclass(frozen=True)
class Candidate:
    """A span a coder would highlight, and what they would say about it."""

    start: int  # offsets into the source's text
    end: int
    codes: tuple[str, ...]
    stage: str
    sentiment: int | None
    pain_severity: int | None
    utterance: int  # position of the utterance, or -1 for a field note


def sentences(text: str) -> Iterator[tuple[int, int]]:
    """(start, end) of each sentence of `text`, without leading fillers or trailing space."""
    start = 0
    for match in SENTENCE_END.finditer(text):
        if text.count('"', start, match.end()) % 2:
            continue  # inside a quotation: "The trial was a party. Onboarding was ..."
        yield from _trimmed(text, start, match.end())
        start = match.end()
    yield from _trimmed(text, start, len(text))


def _trimmed(text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    piece = text[start:end]
    stripped = piece.lstrip()
    start += len(piece) - len(stripped)
    lead = LEAD_IN.match(stripped)
    if lead and lead.end() < len(stripped):
        start += lead.end()
    end = start + len(text[start:end].rstrip())
    if end > start and len(text[start:end].split()) >= 4:
        yield start, end


class Coder:
    """One codebook's rules, applied the way the demo's researcher applies them."""

    def __init__(self, specs: Sequence[CodeSpec]) -> None:
        self.specs = {spec.name: spec for spec in specs}
        self.rules = [
            (spec, [re.compile(pattern, re.IGNORECASE) for pattern in spec.patterns])
            for spec in specs
        ]

    def codes_for(self, sentence: str) -> list[str]:
        """Codes whose patterns match, most specific first; a child code replaces its parent."""
        matched = [
            spec.name for spec, patterns in self.rules if any(p.search(sentence) for p in patterns)
        ]
        parents = {self.specs[name].parent for name in matched}
        specific = [name for name in matched if name not in parents]
        return sorted(specific, key=lambda name: (not self.specs[name].parent, matched.index(name)))

    def stage_for(self, codes: Sequence[str], question: str | None) -> str:
        for name in codes:
            if self.specs[name].stage:
                return self.specs[name].stage
        return question or self.specs[codes[0]].home

    def describe(
        self,
        text: str,
        start: int,
        end: int,
        codes: list[str],
        question: str | None,
        *,
        utterance: int,
    ) -> Candidate:
        quote = text[start:end]
        negative = len(NEGATIVE.findall(quote))
        positive = len(POSITIVE.findall(quote))
        leaning = KIND_LEANING.get(self.specs[codes[0]].kind, 0)
        sentiment: int | None = max(-2, min(2, leaning + positive - negative))
        if not (negative or positive) and stable_hash(quote, "unrated") % 100 < UNRATED_PERCENT:
            sentiment = None  # nothing in the words to go on: left unrated
        severity = None
        if any(self.specs[name].kind == Kind.PAIN_POINT for name in codes):
            severity = min(3, 1 + (negative > 0) + bool(SEVERE.search(quote)))
        return Candidate(
            start,
            end,
            tuple(codes[:3]),
            self.stage_for(codes, question),
            sentiment,
            severity,
            utterance,
        )


@dataclass
class Source:
    """A transcript or a field note, as the coder reads it."""

    text: str
    # (position, start, end, is the participant speaking, stage of the question answered)
    turns: list[tuple[int, int, int, bool, str | None]] = field(default_factory=list)


def transcript_source(transcript: Transcript, utterances: Sequence[Utterance]) -> Source:
    source = Source(transcript.text)
    stage: str | None = None
    for utterance in utterances:
        speaker = utterance.speaker
        if speaker is not None and speaker.interviewer_id:
            asked = question_stage(utterance.text)
            stage = asked if asked is not None else stage
            source.turns.append((utterance.position, utterance.start, utterance.end, False, stage))
        else:
            participant = speaker is not None and bool(speaker.participant_id)
            source.turns.append(
                (utterance.position, utterance.start, utterance.end, participant, stage)
            )
    return source


def candidates(coder: Coder, source: Source) -> list[Candidate]:
    """Every span the researcher would code: coded sentences, adjacent ones with the same codes
    merged, with "Quote-worthy" added to the vivid ones."""
    found: list[Candidate] = []
    for position, turn_start, turn_end, participant, question in source.turns:
        if not participant or question == "":
            continue
        turn = source.text[turn_start:turn_end]
        previous: Candidate | None = None
        for start, end in sentences(turn):
            codes = coder.codes_for(turn[start:end])
            if not codes:
                previous = None
                continue
            if previous is not None and previous.codes == tuple(codes[:3]):
                merged = coder.describe(
                    source.text,
                    previous.start,
                    turn_start + end,
                    codes,
                    question,
                    utterance=position,
                )
                found[-1] = previous = merged
                continue
            previous = coder.describe(
                source.text,
                turn_start + start,
                turn_start + end,
                codes,
                question,
                utterance=position,
            )
            found.append(previous)
    return found


# --- Who codes what -----------------------------------------------------------------------------

MAX_HIGHLIGHTS_PER_TRANSCRIPT = 26
QUOTE_WORTHY_PER_SOURCE = 3
# Transcripts the lead codes too, independently of the researcher: two studies' worth, so two
# agreement pages have something to show.
DOUBLE_CODED: tuple[tuple[str, str], ...] = (
    (UPTIER, "lukasz"),
    (UPTIER, "henrik"),
    (FIRST_ORDER, "chloe"),
    (FIRST_ORDER, "sarah"),
)
# The lead's habits, in per cent of the researcher's spans (see lead_codings).
LEAD_SKIPS, LEAD_PREFERS_PARENT, LEAD_ADDS_CODE, LEAD_WHOLE_TURN = 25, 22, 12, 25
LEAD_OWN_FINDS = 8  # per cent of the participant's uncoded sentences she codes anyway


def researcher_codings(coder: Coder, source: Source, *, seed: str) -> list[Candidate]:
    """The researcher's highlights of one source: every candidate, a few marked quote-worthy,
    capped so that a long transcript is not coded wall to wall."""
    found = candidates(coder, source)
    vivid = [
        index
        for index, candidate in enumerate(found)
        if VIVID.search(source.text[candidate.start : candidate.end])
        and 6 <= len(source.text[candidate.start : candidate.end].split()) <= 45
    ]
    for index in sorted(vivid, key=lambda i: stable_hash(seed, found[i].start))[
        :QUOTE_WORTHY_PER_SOURCE
    ]:
        candidate = found[index]
        found[index] = replace(candidate, codes=(*candidate.codes, QUOTE_WORTHY))
    if len(found) > MAX_HIGHLIGHTS_PER_TRANSCRIPT:
        # Keep the ones that say most: pain points and specific codes before broad topics.
        ranked = sorted(
            range(len(found)),
            key=lambda i: (-_weight(coder, found[i]), stable_hash(seed, found[i].start)),
        )
        keep = set(ranked[:MAX_HIGHLIGHTS_PER_TRANSCRIPT])
        found = [candidate for index, candidate in enumerate(found) if index in keep]
    return found


def _weight(coder: Coder, candidate: Candidate) -> int:
    specs = [coder.specs[name] for name in candidate.codes]
    return sum(2 if spec.kind == Kind.PAIN_POINT else 1 + bool(spec.parent) for spec in specs)


def lead_codings(
    coder: Coder, source: Source, researcher: Sequence[Candidate], *, seed: str
) -> list[Candidate]:
    """The lead's independent coding of a source the researcher coded too.

    Same codebook, her own habits: she leaves out some of what the researcher coded,
    sometimes applies the parent where he chose the child, adds a second code now and then,
    often highlights the whole turn rather than a sentence, and codes a few sentences he left
    alone. Her sentiment differs by a point here and there.
    """
    turns = {position: (start, end) for position, start, end, _p, _q in source.turns}
    coded: list[Candidate] = []
    for candidate in researcher:
        key = (seed, "lead", candidate.start)
        if chance(LEAD_SKIPS, *key, "skip"):
            continue
        codes = [name for name in candidate.codes if name != QUOTE_WORTHY]
        first = coder.specs[codes[0]]
        if first.parent and chance(LEAD_PREFERS_PARENT, *key, "parent"):
            codes[0] = first.parent
        if chance(LEAD_ADDS_CODE, *key, "extra"):
            extra = first.parent or QUOTE_WORTHY
            codes = [*codes, extra] if extra not in codes else codes
        start, end = candidate.start, candidate.end
        if chance(LEAD_WHOLE_TURN, *key, "whole"):
            start, end = turns[candidate.utterance]
        sentiment = candidate.sentiment
        if sentiment is not None and chance(20, *key, "sentiment"):
            sentiment = max(-2, min(2, sentiment + pick((-1, 1), *key, "shift")))
        coded.append(
            replace(
                candidate,
                start=start,
                end=end,
                codes=tuple(dict.fromkeys(codes)),
                sentiment=sentiment,
            )
        )

    taken = [(c.start, c.end) for c in researcher]
    for position, turn_start, turn_end, participant, question in source.turns:
        if not participant or not question:
            continue
        turn = source.text[turn_start:turn_end]
        for start, end in sentences(turn):
            begin, finish = turn_start + start, turn_start + end
            if any(s < finish and begin < e for s, e in taken):
                continue
            if not chance(LEAD_OWN_FINDS, seed, "lead-own", begin):
                continue
            family = next(
                (
                    spec.name
                    for spec in coder.specs.values()
                    if not spec.parent and spec.kind == Kind.TOPIC and spec.home == question
                ),
                None,
            )
            if family is not None:
                coded.append(
                    coder.describe(
                        source.text, begin, finish, [family], question, utterance=position
                    )
                )
    return coded


# --- Memos ----------------------------------------------------------------------------------------

MEMO_PERCENT = 14


def memo_for(candidate: Candidate, *, seed: str, internal: bool, stage_name: str) -> str:
    """A researcher's note on some highlights, from what the highlight is."""
    severe = candidate.pain_severity == 3
    if not chance(MEMO_PERCENT * (3 if severe else 1), seed, candidate.start, "memo"):
        return ""
    code = f"“{candidate.codes[0]}”"
    if internal:
        return pick(
            (
                f"Internal view of what customers code as {code}; pair the two in the synthesis.",
                f"The account team sees {code} too: worth a slide that puts both sides together.",
            ),
            seed,
            candidate.start,
            "memo-text",
        )
    if severe and candidate.stage == EXPANSION:
        return "Ask the account team whether they knew about this before the renewal."
    if severe:
        return pick(
            (
                f"Strong evidence for {code}; candidate for the report's {stage_name} section.",
                f"Another interview with this pattern ({code}): propose a theme.",
            ),
            seed,
            candidate.start,
            "memo-text",
        )
    if QUOTE_WORTHY in candidate.codes:
        return "Good pull quote; check the recording before using it, the tone matters."
    if candidate.sentiment is not None and candidate.sentiment > 0:
        return f"A positive counter-example for {code}; keep it next to the complaints."
    return pick(
        (
            "Participant hesitated here; the recording is clearer than the transcript.",
            f"Compare with the other interviews coded {code}.",
            "Follow up: is this common for their segment?",
        ),
        seed,
        candidate.start,
        "memo-text",
    )
