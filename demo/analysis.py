"""The demo's analysis: loads a codebook for every study with completed sessions
(demo.codebooks), and their codings (found by demo.coding).

`manage.py seed_demo` runs demo.evidence.load_demo(then=steps()), so the studies, people,
transcripts and field notes (demo.evidence) and the codebooks and codings here load in one
transaction.

The demo's researcher codes every transcript and some field notes the way a careful coder with
a keyword list would: sentence by sentence, in participant turns only, a sentence that mentions
SAML or SSO is "SSO setup", one about a true-up invoice that surprised them is "True-up
surprises", and so on. The journey stage comes from the code when the code implies one (a
trial is Evaluation, wherever it is mentioned) and otherwise from the interviewer's question
the sentence answers. The lead independently codes a few transcripts with the same codebook
and her own habits (she skips some sentences, prefers a parent code now and then, adds a
code the researcher did not), so the agreement page has real disagreements to show.

Every highlight goes through insights.coding.highlight_create, whose checks are the real ones.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field, replace

from django.contrib.auth.models import User

from demo.choice import stable_hash
from demo.codebooks import CODEBOOKS, PALETTE, QUOTE_WORTHY
from demo.coding import (
    DOUBLE_CODED,
    Candidate,
    Coder,
    Source,
    lead_codings,
    memo_for,
    researcher_codings,
    transcript_source,
)
from demo.context import Writer
from demo.evidence import (
    DEMO_TODAY,
    LEAD_USERNAME,
    RESEARCHER_USERNAME,
    DemoContext,
    DemoSummary,
    Loader,
)
from demo.evidence import load_demo as load_interviews_demo
from insights.coding import HighlightFields, code_get_or_create, highlight_create
from insights.models import Code, Highlight, Stage
from interviews.models import FieldNote, Participant, Transcript

# --- Loader steps ---------------------------------------------------------------------------------


@dataclass
class _Analysis:
    """What the two steps share within one load: each study's codes and coder."""

    codes: dict[str, dict[str, Code]] = field(default_factory=dict)  # slug → name → code
    coders: dict[str, Coder] = field(default_factory=dict)

    def load_codebooks(self, ctx: DemoContext) -> None:
        """Each codebook's codes, with their hierarchy, definitions, notes and colours."""
        lead = ctx.users[LEAD_USERNAME]
        for slug, specs in CODEBOOKS.items():
            project = ctx.projects[slug]
            codes: dict[str, Code] = {}
            for colour, spec in zip(PALETTE, specs, strict=False):
                made, _created = code_get_or_create(
                    project=project, name=spec.name, by=lead, kind=spec.kind
                )
                made.parent = codes.get(spec.parent)
                made.definition = spec.definition
                made.inclusion_notes = spec.include
                made.exclusion_notes = spec.exclude
                made.colour = colour
                made.save(
                    update_fields=[
                        "parent",
                        "definition",
                        "inclusion_notes",
                        "exclusion_notes",
                        "colour",
                    ]
                )
                codes[spec.name] = made
            self.codes[slug] = codes
            self.coders[slug] = Coder(specs)
        total = sum(len(codes) for codes in self.codes.values())
        ctx.counts["codes"] = total
        ctx.say(f"  codebooks: {len(self.codes)} ({total} codes)")

    def load_codings(self, ctx: DemoContext) -> None:
        """The researcher codes every transcript and the field notes; the lead codes a few
        transcripts again, independently."""
        researcher, lead = ctx.users[RESEARCHER_USERNAME], ctx.users[LEAD_USERNAME]
        stages = {stage.slug: stage for stage in Stage.objects.filter(framework__slug="cx-journey")}
        made: list[tuple[Highlight, dt.datetime]] = []
        for ref, transcript in ctx.transcripts.items():
            slug, person = ref
            coder = self.coders[slug]
            utterances = list(transcript.utterances.select_related("speaker").order_by("position"))
            source = transcript_source(transcript, utterances)
            internal = ctx.participants[person].kind == Participant.Kind.INTERNAL
            theirs = researcher_codings(coder, source, seed=person)
            coded_on = transcript.created_at + dt.timedelta(days=1 + stable_hash(person) % 4)
            for candidate in theirs:
                highlight = self._create(
                    ctx,
                    slug,
                    researcher,
                    candidate,
                    stages,
                    seed=person,
                    internal=internal,
                    transcript=transcript,
                )
                made.append((highlight, coded_on))
            if ref in DOUBLE_CODED:
                for candidate in lead_codings(coder, source, theirs, seed=person):
                    highlight = self._create(
                        ctx,
                        slug,
                        lead,
                        candidate,
                        stages,
                        seed=f"{person}-lead",
                        internal=internal,
                        transcript=transcript,
                    )
                    made.append((highlight, coded_on + dt.timedelta(days=2)))
        for ref, notes in ctx.field_notes.items():
            slug = ref[0]
            if slug not in self.coders:
                continue
            for note in notes:
                for candidate in researcher_codings(
                    self.coders[slug], note_source(note), seed=f"note-{note.pk}"
                ):
                    if note.kind == FieldNote.Kind.QUOTE and QUOTE_WORTHY not in candidate.codes:
                        candidate = replace(candidate, codes=(*candidate.codes, QUOTE_WORTHY))
                    highlight = self._create(
                        ctx,
                        slug,
                        researcher,
                        candidate,
                        stages,
                        seed=f"note-{note.pk}",
                        internal=False,
                        field_note=note,
                    )
                    made.append((highlight, note.created_at + dt.timedelta(days=1)))
        # A coder highlights a span once: a candidate that repeats one gave back the first.
        first_made: dict[int, tuple[Highlight, dt.datetime]] = {}
        for highlight, at in made:
            first_made.setdefault(highlight.pk, (highlight, at))
        made = list(first_made.values())
        latest = dt.datetime.combine(DEMO_TODAY, dt.time(17), tzinfo=dt.UTC)
        for highlight, at in made:
            highlight.created_at = highlight.updated_at = min(at, latest)
        Highlight.objects.bulk_update(
            [h for h, _at in made], ["created_at", "updated_at"], batch_size=500
        )
        by_stage = Counter(highlight.stage.slug for highlight, _at in made if highlight.stage)
        ctx.counts["highlights"] = len(made)
        ctx.counts["double-coded transcripts"] = len(DOUBLE_CODED)
        ctx.say(
            f"  highlights: {len(made)} ("
            + ", ".join(f"{by_stage[slug]} {slug}" for slug in stages)
            + f"), {len(DOUBLE_CODED)} transcripts coded twice"
        )

    def _create(
        self,
        ctx: DemoContext,
        slug: str,
        coder: User,
        candidate: Candidate,
        stages: dict[str, Stage],
        *,
        seed: str,
        internal: bool,
        transcript: Transcript | None = None,
        field_note: FieldNote | None = None,
    ) -> Highlight:
        stage = stages[candidate.stage]
        codes = self.codes[slug]
        return highlight_create(
            project=ctx.projects[slug],
            coder=coder,
            start=candidate.start,
            end=candidate.end,
            transcript=transcript,
            field_note=field_note,
            fields=HighlightFields(
                stage=stage,
                codes=[codes[name] for name in candidate.codes],
                sentiment=candidate.sentiment,
                pain_severity=candidate.pain_severity,
                memo=memo_for(candidate, seed=seed, internal=internal, stage_name=stage.name),
            ),
        )


def note_source(note: FieldNote) -> Source:
    """A field note read like one participant turn; its stage comes from its codes."""
    return Source(note.text, [(-1, 0, len(note.text), True, None)])


def steps() -> tuple[Loader, ...]:
    """The insights steps of one load, sharing their own state."""
    analysis = _Analysis()
    return (analysis.load_codebooks, analysis.load_codings)


def load_demo(stdout: Writer | None = None) -> DemoSummary:
    """Load the whole demo (demo.evidence's steps, then these) in one transaction, unless it
    is already loaded."""
    return load_interviews_demo(stdout, then=steps())
