"""A deterministic research repository at benchmark scale, written with bulk inserts.

    dataset = generate(SCALES["small"])  # bench.scales.SCALES

Rows go in with bulk_create straight on the models, so no signal fires (nothing is indexed
while generating: the index is built by the rebuild measurement) and no service runs. The
same seed gives the same rows, texts and spans on every run and every database. Progress
goes to stderr.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import random
import sys
import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TextIO, TypeVar

from django.contrib.auth.models import User
from django.db import connection, models, transaction
from django.utils.text import slugify

from bench.scales import Scale
from bench.text import (
    CODEBOOK,
    COMPANIES,
    FIRST_NAMES,
    LAST_NAMES,
    PERSONAS,
    RESEARCHER_NAMES,
    Talk,
    Turn,
)
from cxresearch.database import refresh_sqlite_statistics
from insights.models import (
    Code,
    CodedHighlight,
    Highlight,
    JourneyFramework,
    Stage,
    TranscriptCoverage,
)
from interviews.models import (
    AttributeValue,
    CompanySize,
    ConsentRecord,
    Deployment,
    Enrollment,
    FieldNote,
    Membership,
    Participant,
    ParticipantIdentity,
    ProjectAttribute,
    Region,
    ResearchProject,
    Segment,
    Session,
    Speaker,
    Tier,
    Transcript,
    Utterance,
)

SEED = 20261014
BENCH_USERNAME = "bench"
LONG_TRANSCRIPT_TITLE = "Long interview (reader benchmark)"
FRAMEWORK_SLUG = "cx-journey"
WORDS_PER_MINUTE = 150

M = TypeVar("M", bound=models.Model)


@dataclass
class TableTiming:
    rows: int = 0
    seconds: float = 0.0

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0


@dataclass
class Dataset:
    """What the measurements need to find their way around the generated repository."""

    scale: Scale
    user_id: int  # a researcher who is a member of every project
    project_slugs: list[str]
    long_transcript_id: int
    counts: dict[str, int] = field(default_factory=dict)
    tables: dict[str, TableTiming] = field(default_factory=dict)
    seconds: float = 0.0  # wall time of the whole generation
    generated: bool = True  # False when an existing repository was reused

    def generation_report(self) -> dict[str, object]:
        return {
            "generated": self.generated,
            "seconds": round(self.seconds, 2),
            "tables": {
                name: {
                    "rows": timing.rows,
                    "seconds": round(timing.seconds, 3),
                    "rows_per_second": round(timing.rows_per_second),
                }
                for name, timing in self.tables.items()
            },
        }


class Progress:
    """One line per step on stderr, rewritten in place on a terminal."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stderr
        self.live = self.stream.isatty()
        self._last = 0.0

    def update(self, message: str, *, force: bool = False) -> None:
        now = time.monotonic()
        if self.live:
            self.stream.write(f"\r\033[K{message}")
            self.stream.flush()
        elif force or now - self._last > 5:
            self.stream.write(message + "\n")
            self.stream.flush()
            self._last = now

    def done(self, message: str) -> None:
        if self.live:
            self.stream.write(f"\r\033[K{message}\n")
        else:
            self.stream.write(message + "\n")
        self.stream.flush()


class _Writer:
    """bulk_create with per-table timing."""

    def __init__(self, tables: dict[str, TableTiming]) -> None:
        self.tables = tables

    def create(self, model: type[M], rows: Iterable[M], *, batch_size: int = 2000) -> list[M]:
        rows = list(rows)
        started = time.perf_counter()
        created = model._default_manager.bulk_create(rows, batch_size=batch_size)
        timing = self.tables.setdefault(model._meta.db_table, TableTiming())
        timing.rows += len(rows)
        timing.seconds += time.perf_counter() - started
        return created


@dataclass(frozen=True)
class _Plan:
    """One interview to generate."""

    project_index: int
    participant: Participant
    interviewer: User
    words: int
    highlights: int
    scheduled_at: dt.datetime
    long: bool = False


def generate(scale: Scale, *, seed: int = SEED, progress: Progress | None = None) -> Dataset:
    """Fill an empty, migrated database with a repository of the given scale."""
    progress = progress or Progress()
    rng = random.Random(seed)  # noqa: S311 - reproducible data, not secrets
    tables: dict[str, TableTiming] = {}
    write = _Writer(tables)
    started = time.perf_counter()
    with _fast_inserts(), transaction.atomic():
        users = _users(write, scale)
        bench_user, researchers = users[0], users[1 : 1 + scale.researchers]
        viewer = users[-1]
        stages = list(Stage.objects.filter(framework__slug=FRAMEWORK_SLUG).order_by("position"))
        projects = _projects(write, rng, scale)
        members = _memberships(write, rng, projects, bench_user, researchers, viewer)
        participants = _participants(write, rng, scale)
        progress.done(
            f"users {len(users)}, projects {len(projects)}, participants {len(participants)}"
        )
        enrolled = _enrollments(write, rng, projects, participants, scale)
        codes = _codebooks(write, projects, scale)
        plans = _plan_interviews(rng, scale, projects, enrolled, members)
        long_id = _interviews(
            write, rng, scale, plans, projects, stages, codes, members, bench_user, progress
        )
    dataset = Dataset(
        scale=scale,
        user_id=bench_user.pk,
        project_slugs=[p.slug for p in projects],
        long_transcript_id=long_id,
        tables=tables,
        seconds=time.perf_counter() - started,
    )
    dataset.counts = count_rows()
    # As `migrate` does at each start of a deployment (cxresearch.database).
    refresh_sqlite_statistics()
    progress.done(
        f"generated in {dataset.seconds:.1f} s: "
        + ", ".join(f"{n:,} {name}" for name, n in dataset.counts.items())
    )
    return dataset


def existing(scale: Scale) -> Dataset | None:
    """The repository a previous run generated in this database, or None."""
    user = User.objects.filter(username=BENCH_USERNAME).first()
    long = Transcript.objects.filter(title=LONG_TRANSCRIPT_TITLE).first()
    if user is None or long is None:
        return None
    slugs = list(
        ResearchProject.objects.filter(slug__startswith="bench-")
        .order_by("slug")
        .values_list("slug", flat=True)
    )
    return Dataset(
        scale=scale,
        user_id=user.pk,
        project_slugs=slugs,
        long_transcript_id=long.pk,
        counts=count_rows(),
        generated=False,
    )


def count_rows() -> dict[str, int]:
    return {
        "projects": ResearchProject.objects.count(),
        "participants": Participant.objects.count(),
        "enrollments": Enrollment.objects.count(),
        "sessions": Session.objects.count(),
        "transcripts": Transcript.objects.count(),
        "words": Transcript.objects.aggregate(n=models.Sum("word_count"))["n"] or 0,
        "utterances": Utterance.objects.count(),
        "field_notes": FieldNote.objects.count(),
        "codes": Code.objects.count(),
        "stages": Stage.objects.filter(framework__slug=FRAMEWORK_SLUG).count(),
        "highlights": Highlight.objects.count(),
        "coded_highlights": CodedHighlight.objects.count(),
    }


# --- People and studies -------------------------------------------------------------------------


def _users(write: _Writer, scale: Scale) -> list[User]:
    """The bench researcher, the other researchers, and a viewer (no usable passwords)."""
    names = [("Bench", "Researcher", BENCH_USERNAME)]
    for number in range(scale.researchers):
        first, last = RESEARCHER_NAMES[number % len(RESEARCHER_NAMES)]
        names.append((first, last, f"researcher{number + 1}"))
    names.append(("Stake", "Holder", "bench-viewer"))
    return write.create(
        User,
        (
            User(username=username, first_name=first, last_name=last, password="!")  # noqa: S106
            for first, last, username in names
        ),
    )


def _projects(write: _Writer, rng: random.Random, scale: Scale) -> list[ResearchProject]:
    framework = JourneyFramework.objects.get(slug=FRAMEWORK_SLUG)
    themes = (
        "Premium → Ultimate up-tier",
        "Self-managed to SaaS migration",
        "First 90 days of onboarding",
        "Security buyers' evaluation",
        "Why teams churn at renewal",
        "CI adoption in regulated industries",
    )
    return write.create(
        ResearchProject,
        (
            ResearchProject(
                title=f"{themes[number % len(themes)]} #{number + 1}",
                slug=f"bench-{number + 1:02d}",
                objective="Understand what helps and what blocks customers at each stage.",
                research_questions="What blocks the upgrade?\nWho decides?\nWhat would help?",
                segment=rng.choice(ResearchProject.ProjectSegment.values),
                region=rng.choice(Region.values),
                quarter=f"FY27-Q{number % 4 + 1}",
                status=ResearchProject.Status.IN_PROGRESS,
                target_interviews=max(10, scale.interviews // scale.projects),
                framework=framework,
            )
            for number in range(scale.projects)
        ),
    )


def _memberships(
    write: _Writer,
    rng: random.Random,
    projects: Sequence[ResearchProject],
    bench_user: User,
    researchers: Sequence[User],
    viewer: User,
) -> dict[int, list[User]]:
    """Who codes each project: the bench researcher, a lead and two or three researchers."""
    Role = Membership.Role
    rows, coders = [], {}
    for number, project in enumerate(projects):
        lead = researchers[number % len(researchers)]
        others = [r for r in researchers if r != lead]
        team = [lead, *rng.sample(others, min(len(others), rng.randint(2, 3)))]
        coders[project.pk] = [bench_user, *team]
        rows.append(Membership(project=project, user=bench_user, role=Role.RESEARCHER))
        rows.append(Membership(project=project, user=lead, role=Role.LEAD))
        rows.extend(Membership(project=project, user=u, role=Role.RESEARCHER) for u in team[1:])
        rows.append(Membership(project=project, user=viewer, role=Role.VIEWER))
    write.create(Membership, rows)
    return coders


def _participants(write: _Writer, rng: random.Random, scale: Scale) -> list[Participant]:
    participants = write.create(
        Participant,
        (
            Participant(
                pseudonym=f"P-{number:04d}",
                kind=Participant.Kind.CUSTOMER
                if rng.random() < 0.85
                else Participant.Kind.INTERNAL,
                persona=rng.choice(PERSONAS),
                segment=rng.choice(Segment.values),
                region=rng.choice(Region.values),
                tier=rng.choice(Tier.values),
                deployment=rng.choice(Deployment.values),
                company_size=rng.choice(CompanySize.values),
                last_contacted_on=dt.date(2026, 1, 1) + dt.timedelta(days=rng.randrange(200)),
            )
            for number in range(1, scale.participants + 1)
        ),
    )
    identities = []
    for participant in participants:
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        local = slugify(f"{first} {last}").replace("-", ".")
        identities.append(
            ParticipantIdentity(
                participant=participant,
                name=f"{first} {last}",
                email=f"{local}.{participant.pseudonym[2:]}@example.com",
                company=rng.choice(COMPANIES),
                job_title=participant.persona,
            )
        )
    write.create(ParticipantIdentity, identities)
    # Consent for every study, so the import benchmark's sessions may take transcripts.
    write.create(
        ConsentRecord,
        (
            ConsentRecord(
                participant=participant,
                scope=ConsentRecord.Scope.INTERNAL,
                given_on=dt.date(2025, 1, 1),
            )
            for participant in participants
        ),
    )
    for participant, identity in zip(participants, identities, strict=True):
        participant.bench_name = identity.name  # type: ignore[attr-defined]
    return participants


def _enrollments(
    write: _Writer,
    rng: random.Random,
    projects: Sequence[ResearchProject],
    participants: Sequence[Participant],
    scale: Scale,
) -> dict[int, list[Participant]]:
    """About three studies per participant; two study attributes each, with values."""
    per_project = min(len(participants), max(6, len(participants) * 3 // len(projects)))
    Status = Enrollment.Status
    not_interviewed = [s for s in Status.values if s != Status.COMPLETED]
    rows, enrolled = [], {}
    for project in projects:
        chosen = rng.sample(list(participants), per_project)
        enrolled[project.pk] = chosen
        for number, participant in enumerate(chosen):
            # The first half are the ones interviewed (see _plan_interviews).
            status = Status.COMPLETED if number < per_project // 2 else rng.choice(not_interviewed)
            rows.append(
                Enrollment(
                    project=project,
                    participant=participant,
                    status=status,
                    incentive="USD 100 gift card",
                )
            )
    enrollments = write.create(Enrollment, rows)
    attributes = write.create(
        ProjectAttribute,
        itertools.chain.from_iterable(
            (
                ProjectAttribute(
                    project=project,
                    label="Relationship",
                    key="relationship",
                    kind=ProjectAttribute.Kind.CHOICE,
                    choices=["Prospect", "Customer", "Churned"],
                    position=0,
                ),
                ProjectAttribute(
                    project=project,
                    label="Seats",
                    key="seats",
                    kind=ProjectAttribute.Kind.NUMBER,
                    position=1,
                ),
            )
            for project in projects
        ),
    )
    by_project: dict[int, list[ProjectAttribute]] = defaultdict(list)
    for attribute in attributes:
        by_project[attribute.project_id].append(attribute)
    values = []
    for enrollment in enrollments:
        relationship, seats = by_project[enrollment.project_id]
        values.append(
            AttributeValue(
                enrollment=enrollment,
                attribute=relationship,
                text_value=rng.choice(relationship.choices),
            )
        )
        values.append(
            AttributeValue(
                enrollment=enrollment, attribute=seats, number_value=float(rng.randrange(5, 5000))
            )
        )
    write.create(AttributeValue, values)
    return enrolled


def _codebooks(
    write: _Writer, projects: Sequence[ResearchProject], scale: Scale
) -> dict[int, list[Code]]:
    """Each project's codebook: parents first, then their children, up to codes_per_project."""
    wanted = [
        (parent, child) for parent, children in CODEBOOK.items() for child in (None, *children)
    ][: scale.codes_per_project]
    kinds = Code.Kind.values
    palette = ("#f2c14e", "#5fa8d3", "#e07a5f", "#81b29a", "#b388eb", "#f4a261")
    parents = write.create(
        Code,
        (
            Code(
                project=project,
                name=parent,
                slug=slugify(parent),
                kind=Code.Kind.TOPIC,
                colour=palette[number % len(palette)],
                definition=f"Anything about {parent.lower()}.",
            )
            for project in projects
            for number, (parent, child) in enumerate(wanted)
            if child is None
        ),
    )
    parent_ids = {(code.project_id, code.name): code for code in parents}
    children = write.create(
        Code,
        (
            Code(
                project=project,
                name=child,
                slug=slugify(child),
                parent=parent_ids[(project.pk, parent)],
                kind=kinds[number % len(kinds)],
                colour=palette[number % len(palette)],
                definition=f"{child}, as part of {parent.lower()}.",
            )
            for project in projects
            for number, (parent, child) in enumerate(wanted)
            if child is not None
        ),
    )
    codes: dict[int, list[Code]] = defaultdict(list)
    for code in (*parents, *children):
        codes[code.project_id].append(code)
    return codes


# --- Interviews ---------------------------------------------------------------------------------


def _plan_interviews(
    rng: random.Random,
    scale: Scale,
    projects: Sequence[ResearchProject],
    enrolled: dict[int, list[Participant]],
    coders: dict[int, list[User]],
) -> list[_Plan]:
    """Which project, participant and interviewer each interview has, and how long it is."""
    others = scale.interviews - 1
    rest = scale.words - scale.long_transcript_words
    lengths = [rng.uniform(0.5, 1.5) for _ in range(others)]
    total = sum(lengths) or 1
    words = [scale.long_transcript_words] + [max(200, round(rest * w / total)) for w in lengths]
    # Highlights in proportion to words, rounded so they add up to exactly scale.highlights.
    all_words = sum(words)
    highlights, cumulative, given = [], 0, 0
    for count in words:
        cumulative += count
        due = scale.highlights * cumulative // all_words
        highlights.append(due - given)
        given = due
    plans = []
    start = dt.datetime(2025, 1, 6, 14, 0, tzinfo=dt.UTC)
    for number, (count, marks) in enumerate(zip(words, highlights, strict=True)):
        project_index = number % len(projects)
        project = projects[project_index]
        interviewed = enrolled[project.pk][: max(1, len(enrolled[project.pk]) // 2)]
        plans.append(
            _Plan(
                project_index=project_index,
                participant=interviewed[(number // len(projects)) % len(interviewed)],
                interviewer=rng.choice(coders[project.pk][1:]),
                words=count,
                highlights=marks,
                scheduled_at=start + dt.timedelta(days=rng.randrange(600), hours=number % 7),
                long=number == 0,
            )
        )
    return plans


@dataclass
class _Interview:
    plan: _Plan
    session: Session
    turns: list[Turn]
    text: str
    starts: list[int]  # offset of each turn in text
    spans: list[tuple[int, int, int]]  # (turn index, start, end)


def _interviews(
    write: _Writer,
    rng: random.Random,
    scale: Scale,
    plans: Sequence[_Plan],
    projects: Sequence[ResearchProject],
    stages: Sequence[Stage],
    codes: dict[int, list[Code]],
    coders: dict[int, list[User]],
    bench_user: User,
    progress: Progress,
) -> int:
    """Sessions, transcripts, speakers, utterances, highlights and their codes, chunk by chunk.

    Chunks of about 200,000 words keep memory flat at any scale.
    """
    talk = Talk(rng)
    long_id = 0
    done_words = done_highlights = 0
    started = time.perf_counter()
    chunk: list[_Plan] = []
    chunk_words = 0
    for number, plan in enumerate(plans):
        chunk.append(plan)
        chunk_words += plan.words
        if chunk_words < 200_000 and number < len(plans) - 1:
            continue
        ids = _write_chunk(write, rng, talk, chunk, projects, stages, codes, coders, bench_user)
        long_id = long_id or ids.get("long", 0)
        done_words += chunk_words
        done_highlights += sum(p.highlights for p in chunk)
        elapsed = time.perf_counter() - started
        progress.update(
            f"interviews {number + 1:,}/{len(plans):,}, words {done_words:,}/{scale.words:,}, "
            f"highlights {done_highlights:,}/{scale.highlights:,} "
            f"({done_words / elapsed:,.0f} words/s)"
        )
        chunk, chunk_words = [], 0
    progress.done(f"interviews {len(plans):,} written in {time.perf_counter() - started:.1f} s")
    return long_id


def _write_chunk(
    write: _Writer,
    rng: random.Random,
    talk: Talk,
    plans: Sequence[_Plan],
    projects: Sequence[ResearchProject],
    stages: Sequence[Stage],
    codes: dict[int, list[Code]],
    coders: dict[int, list[User]],
    bench_user: User,
) -> dict[str, int]:
    contextual = Session.Kind.CONTEXTUAL_INQUIRY
    sessions = write.create(
        Session,
        (
            Session(
                project=projects[plan.project_index],
                title=f"Interview with {plan.participant.pseudonym}",
                kind=contextual if rng.random() < 0.1 else Session.Kind.INTERVIEW,
                scheduled_at=plan.scheduled_at,
                duration_minutes=max(20, plan.words // WORDS_PER_MINUTE),
            )
            for plan in plans
        ),
    )
    write.create(
        Session.participants.through,
        (
            Session.participants.through(session_id=s.pk, participant_id=p.participant.pk)
            for s, p in zip(sessions, plans, strict=True)
        ),
    )
    write.create(
        Session.interviewers.through,
        (
            Session.interviewers.through(session_id=s.pk, user_id=p.interviewer.pk)
            for s, p in zip(sessions, plans, strict=True)
        ),
    )

    interviews = []
    for plan, session in zip(plans, sessions, strict=True):
        interviewer = plan.interviewer.get_full_name()
        turns = talk.interview(
            plan.words,
            interviewer=interviewer,
            participant=plan.participant.bench_name,  # type: ignore[attr-defined]
        )
        starts, position = [], 0
        for turn in turns:
            starts.append(position)
            position += len(turn.text) + 2
        text = "\n\n".join(turn.text for turn in turns)
        spans = _spans(rng, turns, starts, plan.highlights)
        interviews.append(_Interview(plan, session, turns, text, starts, spans))

    transcripts = write.create(
        Transcript,
        (_transcript(interview, bench_user) for interview in interviews),
        batch_size=50,
    )
    # The coverage count the coding service would have kept for these highlights.
    write.create(
        TranscriptCoverage,
        (
            TranscriptCoverage(
                transcript=transcript,
                coded_utterance_count=len({index for index, _start, _end in interview.spans}),
            )
            for interview, transcript in zip(interviews, transcripts, strict=True)
        ),
    )
    speakers = write.create(
        Speaker,
        itertools.chain.from_iterable(
            (
                Speaker(
                    transcript=transcript,
                    label=interview.plan.interviewer.get_full_name(),
                    interviewer=interview.plan.interviewer,
                    position=0,
                ),
                Speaker(
                    transcript=transcript,
                    label=interview.plan.participant.bench_name,  # type: ignore[attr-defined]
                    participant=interview.plan.participant,
                    position=1,
                ),
            )
            for interview, transcript in zip(interviews, transcripts, strict=True)
        ),
    )
    utterances = write.create(
        Utterance,
        (
            Utterance(
                transcript=transcript,
                speaker=speakers[2 * number + index % 2],
                position=index,
                start=start,
                end=start + len(turn.text),
                start_ms=elapsed_ms,
                end_ms=elapsed_ms + turn.words * 60_000 // WORDS_PER_MINUTE,
                text=turn.text,
            )
            for number, (interview, transcript) in enumerate(
                zip(interviews, transcripts, strict=True)
            )
            for index, (turn, start, elapsed_ms) in enumerate(
                zip(interview.turns, interview.starts, _elapsed(interview.turns), strict=True)
            )
        ),
    )
    utterance_ids = iter(utterances)
    highlights = []
    for interview, transcript in zip(interviews, transcripts, strict=True):
        ids = [next(utterance_ids) for _ in interview.turns]
        project = interview.session.project
        taken: set[tuple[int, int, int]] = set()  # a coder highlights a span once
        for index, start, end in interview.spans:
            stage = rng.choice(stages)
            sentiment = rng.choice((-2, -1, -1, 0, 0, 1, 1, 2, None))
            pain_severity = rng.choice((None, None, 0, 1, 2, 3))
            chosen = rng.choice(coders[project.pk])
            free = [
                coder
                for coder in (chosen, *coders[project.pk])
                if (start, end, coder.pk) not in taken
            ]
            if not free:
                continue
            taken.add((start, end, free[0].pk))
            highlights.append(
                Highlight(
                    project=project,
                    transcript=transcript,
                    utterance=ids[index],
                    start=start,
                    end=end,
                    text=interview.text[start:end],
                    stage=stage,
                    sentiment=sentiment,
                    pain_severity=pain_severity,
                    coder=free[0],
                )
            )
    notes = _field_notes(write, rng, talk, interviews, coders)
    for note in notes:
        if rng.random() < 0.5:
            words = note.text.split(" ")
            end = len(" ".join(words[: rng.randint(4, 12)]))
            highlights.append(
                Highlight(
                    project=note.session.project,
                    field_note=note,
                    start=0,
                    end=end,
                    text=note.text[:end],
                    stage=rng.choice(stages),
                    sentiment=rng.choice((-1, 0, 1)),
                    coder=rng.choice(coders[note.session.project_id]),
                )
            )
    highlights = write.create(Highlight, highlights)
    write.create(
        CodedHighlight,
        (
            CodedHighlight(content_object=highlight, tag=code, coder_id=highlight.coder_id)
            for highlight in highlights
            for code in rng.sample(codes[highlight.project_id], rng.choice((1, 1, 2, 2, 3)))
        ),
        batch_size=5000,
    )
    return {
        "long": next((t.pk for t, i in zip(transcripts, interviews, strict=True) if i.plan.long), 0)
    }


def _elapsed(turns: Sequence[Turn]) -> list[int]:
    result, ms = [], 0
    for turn in turns:
        result.append(ms)
        ms += turn.words * 60_000 // WORDS_PER_MINUTE + 1500
    return result


def _spans(
    rng: random.Random, turns: Sequence[Turn], starts: Sequence[int], count: int
) -> list[tuple[int, int, int]]:
    """`count` word-aligned spans inside participants' turns (the odd ones): a few overlap."""
    answers = list(range(1, len(turns), 2))
    spans = []
    for _ in range(count):
        index = rng.choice(answers)
        text = turns[index].text
        words = text.split(" ")
        first = rng.randrange(len(words))
        last = min(len(words), first + rng.randint(6, 40))
        start = len(" ".join(words[:first])) + (1 if first else 0)
        end = len(" ".join(words[:last]))
        spans.append((index, starts[index] + start, starts[index] + end))
    return spans


def _transcript(interview: _Interview, user: User) -> Transcript:
    plan = interview.plan
    day = plan.scheduled_at.date().isoformat()
    slug = plan.participant.pseudonym.lower()
    return Transcript(
        session=interview.session,
        title=LONG_TRANSCRIPT_TITLE if plan.long else f"{plan.participant.pseudonym} {day}",
        source_filename=f"{slug}-{day}.txt",
        source_format="txt",
        source_encoding="utf-8",
        source_sha256=hashlib.sha256(interview.text.encode()).hexdigest(),
        text=interview.text,
        word_count=sum(turn.words for turn in interview.turns),
        duration_ms=_elapsed(interview.turns)[-1] + 60_000,
        utterance_count=len(interview.turns),
        imported_by=user,
    )


def _field_notes(
    write: _Writer,
    rng: random.Random,
    talk: Talk,
    interviews: Sequence[_Interview],
    coders: dict[int, list[User]],
) -> list[FieldNote]:
    kinds = FieldNote.Kind.values
    return write.create(
        FieldNote,
        (
            FieldNote(
                session=interview.session,
                kind=kinds[number % len(kinds)],
                text=talk.note(),
                observed_at_ms=number * 300_000,
                author=rng.choice(coders[interview.session.project_id]),
            )
            for interview in interviews
            if interview.session.kind == Session.Kind.CONTEXTUAL_INQUIRY
            for number in range(4)
        ),
    )


class _fast_inserts:
    """On SQLite, skip fsync while generating; the file is thrown away if the run dies.

    Only outside a transaction (SQLite refuses the change inside one, e.g. in a test).
    """

    def __init__(self) -> None:
        self.restore: int | None = None

    def __enter__(self) -> None:
        if connection.vendor == "sqlite" and not connection.in_atomic_block:
            with connection.cursor() as cursor:
                (self.restore,) = cursor.execute("PRAGMA synchronous").fetchone()
                cursor.execute("PRAGMA synchronous=OFF")

    def __exit__(self, *exc: object) -> None:
        if self.restore is not None:
            with connection.cursor() as cursor:
                cursor.execute(f"PRAGMA synchronous={int(self.restore)}")
