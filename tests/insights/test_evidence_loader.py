"""The theme evidence loader on a generated study equals the definition worked out row by row.

insights.themes.evidence builds a study's quotes a column at a time and sorts codings out code
by code; these tests load random studies (several coders, double-coded spans at one stage and
at two, interviewers' turns, field notes, quotes without a stage or without codes) and compare
what it returns with a plain reading of each highlight through the ORM, and the figures
aggregation works out from both."""

from __future__ import annotations

import random
from collections.abc import Sequence

import pytest
from django.contrib.auth.models import User

from insights.aggregation import (
    EvidenceIndex,
    EvidenceRow,
    code_strengths,
    cooccurrence,
    people_reached,
)
from insights.models import Code, CodedHighlight, Highlight, Stage
from insights.themes.evidence import load_evidence
from interviews.models import FieldNote, ResearchProject, Utterance
from tests.factories import make_user
from tests.insights.evidence import build_study


def plain_rows(project: ResearchProject) -> list[EvidenceRow]:
    """The definition: each highlight in id order; a span highlighted again at the same stage
    joins the first highlight's quote (its codes added, the first sentiment and severity
    given kept); a transcript quote has its speaker, a field note's quote every participant
    of the note's session."""
    rows: list[EvidenceRow] = []
    first_of_span: dict[tuple[object, ...], int] = {}
    highlights = Highlight.objects.filter(project=project).select_related(
        "transcript", "field_note", "utterance__speaker"
    )
    for highlight in highlights.order_by("id"):
        codes = tuple(
            CodedHighlight.objects.filter(content_object=highlight).values_list("tag_id", flat=True)
        )
        if highlight.transcript is not None:
            session_id = highlight.transcript.session_id
            speaker = highlight.utterance.speaker if highlight.utterance else None
            people: tuple[int, ...] = (
                (speaker.participant_id,) if speaker and speaker.participant_id else ()
            )
        else:
            assert highlight.field_note is not None
            session_id = highlight.field_note.session_id
            people = tuple(
                highlight.field_note.session.participants.order_by("id").values_list(
                    "id", flat=True
                )
            )
        span = (
            highlight.transcript_id,
            highlight.field_note_id,
            highlight.start,
            highlight.end,
            highlight.stage_id,
        )
        if span in first_of_span:
            kept = rows[first_of_span[span]]
            rows[first_of_span[span]] = kept._replace(
                code_ids=tuple(dict.fromkeys(kept.code_ids + codes)),
                sentiment=kept.sentiment if kept.sentiment is not None else highlight.sentiment,
                severity=kept.severity if kept.severity is not None else highlight.pain_severity,
            )
            continue
        first_of_span[span] = len(rows)
        rows.append(
            EvidenceRow(
                highlight.pk,
                highlight.stage_id,
                codes,
                people,
                session_id,
                highlight.sentiment,
                highlight.pain_severity,
                highlight.end - highlight.start,
            )
        )
    return rows


def comparable(rows: Sequence[EvidenceRow]) -> list[tuple[object, ...]]:
    # A quote's codes and people come in no particular order.
    return sorted(
        (*row[:2], frozenset(row.code_ids), frozenset(row.participant_ids), *row[4:])
        for row in rows
    )


def random_coding(project: ResearchProject, coders: Sequence[User], seed: int) -> None:
    """Highlights of every turn's words (participants' and the interviewer's) and of a field
    note, by several coders: some spans twice at one stage, some at two."""
    rng = random.Random(seed)
    stages = [None, *Stage.objects.filter(framework=project.framework).order_by("id")]
    codes = list(Code.objects.filter(project=project).order_by("id"))
    spans: list[tuple[Utterance | None, int, int]] = []
    for turn in Utterance.objects.filter(transcript__session__project=project):
        for _ in range(rng.randint(1, 3)):
            start = rng.randrange(turn.start, turn.end - 1)
            end = rng.randrange(start + 1, turn.end + 1)
            spans.append((turn, start, end))
    note = FieldNote.objects.create(
        session=project.sessions.order_by("id")[0], text="Both of them hesitated at SSO."
    )
    highlights = []
    taken = set()
    for utterance, start, end in [*spans, (None, 0, 4), (None, 5, 9)]:
        stage = rng.choice(stages)
        for coder in rng.sample(list(coders), min(len(coders), rng.choice([1, 1, 1, 2, 3]))):
            if (utterance, start, end, coder.pk) in taken:
                continue
            taken.add((utterance, start, end, coder.pk))
            at_stage = stage if rng.random() < 0.8 else rng.choice(stages)
            source = (
                {"transcript": utterance.transcript, "utterance": utterance}
                if utterance is not None
                else {"field_note": note}
            )
            text = utterance.transcript.text if utterance is not None else note.text
            highlights.append(
                Highlight(
                    project=project,
                    start=start,
                    end=end,
                    text=text[start:end],
                    stage=at_stage,
                    sentiment=rng.choice([None, -2, -1, 0, 1, 2]),
                    pain_severity=rng.choice([None, 0, 1, 2, 3]),
                    coder=coder,
                    **source,
                )
            )
    rng.shuffle(highlights)  # ids in no order of span, stage or coder
    Highlight.objects.bulk_create(highlights)
    CodedHighlight.objects.bulk_create(
        CodedHighlight(content_object=highlight, tag=code, coder_id=highlight.coder_id)
        for highlight in highlights
        for code in rng.sample(codes, rng.choice([0, 1, 1, 2, 3]))
    )


@pytest.mark.parametrize("seed", range(4))
def test_the_loaded_evidence_is_the_plain_reading_of_each_highlight(
    project: ResearchProject, lead: User, seed: int
) -> None:
    build_study(project, lead)
    random_coding(project, [lead, make_user("second-coder"), make_user("third-coder")], seed)
    expected = plain_rows(project)
    assert len(expected) < Highlight.objects.filter(project=project).count()  # double coding

    evidence = load_evidence(project)

    assert comparable(evidence.rows) == comparable(expected)
    loaded = EvidenceIndex(evidence.columns, evidence.roster)
    plain = EvidenceIndex(expected, evidence.roster)
    assert code_strengths(loaded) == code_strengths(plain)
    assert loaded.cooccurrence() == cooccurrence(expected)
    stages, firsts, seconds, counts = loaded.pair_columns(at_least=2)
    stage_order = loaded.columns.stage_order
    assert list(
        zip(
            [stage_order[at] for at in stages.tolist()],
            firsts.tolist(),
            seconds.tolist(),
            counts.tolist(),
            strict=True,
        )
    ) == [(*pair, n) for pair, n in loaded.cooccurrence(at_least=2).items()]
    assert loaded.people_reached() == people_reached(expected, evidence.roster)
    for stage_id, code_id in list(plain.columns.positions)[:10]:
        codes = [code_id, *Code.objects.filter(project=project).values_list("id", flat=True)[:2]]
        assert [row.highlight_id for row in loaded.rows_for(stage_id, codes)] == [
            row.highlight_id for row in plain.rows_for(stage_id, codes)
        ]


def test_loading_some_stages_loads_their_quotes_only(project: ResearchProject, lead: User) -> None:
    build_study(project, lead)
    random_coding(project, [lead, make_user("second-coder")], seed=7)
    stages = list(Stage.objects.filter(framework=project.framework).order_by("id")[:2])
    wanted = {stages[0].pk, stages[1].pk, None}

    evidence = load_evidence(project, stage_ids=wanted)

    expected = [row for row in plain_rows(project) if row.stage_id in wanted]
    assert comparable(evidence.rows) == comparable(expected)
