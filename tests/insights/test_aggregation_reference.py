"""The aggregation's figures and picks on random evidence equal the definitions worked out the
plain way.

insights.aggregation counts people and co-occurrences as bits of ints for speed; these tests
recount every figure from its definition (sets, a Counter, every pair of a highlight's codes)
over random studies, including people quoted who are not on the roster and highlights with a
code twice, and compare."""

from __future__ import annotations

import random
from collections import Counter
from itertools import combinations

import pytest

from insights.aggregation import (
    DIMENSIONS,
    EMPTY,
    EvidenceIndex,
    EvidenceRow,
    Person,
    QuotePicker,
    Roster,
    code_strengths,
    cooccurrence,
    people_reached,
    pick_quotes,
    strength_of,
)

SEGMENTS = ["large", "mid_market", "smb", ""]
REGIONS = ["emea", "amer", "apac", ""]
TIERS = ["free", "premium", "ultimate", ""]
DEPLOYMENTS = ["saas", "self_managed", "dedicated", ""]


def random_study(seed: int) -> tuple[list[EvidenceRow], Roster]:
    rng = random.Random(seed)
    roster = Roster(
        {
            pk: Person(
                rng.choice(SEGMENTS),
                rng.choice(REGIONS),
                rng.choice(TIERS),
                rng.choice(DEPLOYMENTS),
            )
            for pk in rng.sample(range(1, 500), rng.randint(1, 90))
        }
    )
    people = [*roster.people, 9001, 9002]  # two quoted people who are not on the roster
    stages = [None, 10, 11, 12]
    rows = []
    for pk in range(1, rng.randint(1, 400)):
        codes = tuple(rng.choice(range(1, 25)) for _ in range(rng.choice([1, 1, 2, 3, 4])))
        quoted = tuple(rng.sample(people, rng.choice([0, 1, 1, 1, 3])))
        rows.append(
            EvidenceRow(
                pk,
                rng.choice(stages),
                codes,
                quoted,
                rng.choice([None, *range(1, 30)]),
                rng.choice([None, -2, -1, 0, 1, 2]),
                rng.choice([None, 1, 2, 3, 4, 5]),
                rng.randint(1, 500),
            )
        )
    return rows, roster


def plain_strength(rows: list[EvidenceRow], roster: Roster) -> dict[str, object]:
    participants = {pk for row in rows for pk in row.participant_ids}
    sessions = {row.session_id for row in rows if row.session_id is not None}
    sentiments = [row.sentiment for row in rows if row.sentiment is not None]
    severities = [row.severity for row in rows if row.severity is not None]
    coverage: dict[str, dict[str, int]] = {dimension: {} for dimension in DIMENSIONS}
    counts = Counter(
        item
        for pk in participants
        if pk in roster.people
        for item in roster.people[pk].facets().items()
    )
    for (dimension, value), count in sorted(counts.items()):
        coverage[dimension][value] = count
    return {
        "quotes": len(rows),
        "participants": len(participants),
        "sessions": len(sessions),
        "share": round(len(participants) / roster.size, 4),
        "coverage": coverage,
        "mean_sentiment": round(sum(sentiments) / len(sentiments), 3) if sentiments else None,
        "mean_severity": round(sum(severities) / len(severities), 3) if severities else None,
    }


def as_dict(strength) -> dict[str, object]:
    return {
        "quotes": strength.quotes,
        "participants": strength.participants,
        "sessions": strength.sessions,
        "share": strength.share,
        "coverage": strength.coverage,
        "mean_sentiment": strength.mean_sentiment,
        "mean_severity": strength.mean_severity,
    }


@pytest.mark.parametrize("seed", range(12))
def test_strength_of_every_stage_and_code_matches_the_definition(seed):
    rows, roster = random_study(seed)
    strengths = code_strengths(EvidenceIndex(rows, roster))

    expected = {}
    for stage, code in {(row.stage_id, code) for row in rows for code in row.code_ids}:
        evidence = [row for row in rows if row.stage_id == stage and code in row.code_ids]
        expected[(stage, code)] = plain_strength(evidence, roster)
    assert {key: as_dict(strength) for key, strength in strengths.items()} == expected


@pytest.mark.parametrize("seed", range(12))
def test_strength_of_a_cluster_and_of_everything_matches_the_definition(seed):
    rows, roster = random_study(seed)
    index = EvidenceIndex(rows, roster)

    cluster = [row for row in rows if row.stage_id == 11 and {3, 4, 5} & set(row.code_ids)]
    assert as_dict(index.strength(11, (5, 3, 4))) == (
        plain_strength(cluster, roster) if cluster else as_dict(index.strength(11, ()))
    )
    assert as_dict(strength_of(rows, roster)) == plain_strength(rows, roster)


@pytest.mark.parametrize("seed", range(12))
def test_people_reached_are_the_strength_of_the_quotes_with_people(seed):
    rows, roster = random_study(seed)
    with_people = [row for row in rows if row.participant_ids]
    strength = strength_of(with_people, roster)

    assert people_reached(rows, roster) == (strength.participants, strength.coverage)
    interviewer = [row._replace(participant_ids=()) for row in rows]
    assert people_reached(interviewer, roster) == (0, {}) == (EMPTY.participants, EMPTY.coverage)


@pytest.mark.parametrize("seed", range(12))
def test_cooccurrence_matches_counting_every_pair_of_each_highlight(seed):
    rows, roster = random_study(seed)
    expected: Counter[tuple[int | None, int, int]] = Counter()
    for row in rows:
        for first, second in combinations(sorted(set(row.code_ids)), 2):
            expected[(row.stage_id, first, second)] += 1

    found = cooccurrence(rows)

    assert found == dict(expected)
    index = EvidenceIndex(rows, roster)
    assert index.pair_count() == len(expected)
    often = {key: n for key, n in expected.items() if n >= 3}
    assert index.cooccurrence(at_least=3) == often
    assert list(index.cooccurrence(at_least=3)) == [key for key in found if key in often]
    stage_order = [(1, 0) if stage is None else (0, stage) for stage, _a, _b in found]
    assert stage_order == sorted(stage_order)  # stages in order, "no stage" last
    for stage in {key[0] for key in found}:
        in_stage = [key[1:] for key in found if key[0] == stage]
        assert in_stage == sorted(in_stage)


def plain_pick(
    rows: list[EvidenceRow],
    code_ids: set[int],
    quote_worthy: set[int],
    shareable: set[int],
    limit: int,
) -> list[int]:
    def preference(row: EvidenceRow) -> tuple[int, ...]:
        return (
            0 if row.highlight_id in shareable else 1,
            -len(code_ids & set(row.code_ids)),
            0 if quote_worthy & set(row.code_ids) else 1,
            0 if 40 <= row.length <= 400 else 1,
            -(row.severity or 0),
            -abs(row.sentiment or 0),
            row.highlight_id,
        )

    chosen: list[int] = []
    quoted: set[int] = set()
    for row in sorted(rows, key=preference):
        if len(chosen) < limit and row.participant_ids and not quoted & set(row.participant_ids):
            chosen.append(row.highlight_id)
            quoted.update(row.participant_ids)
    return chosen


@pytest.mark.parametrize("seed", range(12))
def test_picked_quotes_match_the_definition(seed):
    rows, roster = random_study(seed)
    rng = random.Random(seed)
    index = EvidenceIndex(rows, roster)
    quote_worthy = set(rng.sample(range(1, 25), 3))
    shareable = {row.highlight_id for row in rows if rng.random() < 0.7}
    picker = QuotePicker(
        quote_worthy=quote_worthy, shareable=lambda row: row.highlight_id in shareable
    )
    for stage in (None, 10, 11, 12):
        for codes in ({1}, {2, 7}, {3, 4, 5}, {rng.randrange(1, 25)}):
            evidence = [row for row in rows if row.stage_id == stage and codes & set(row.code_ids)]
            expected = plain_pick(evidence, codes, quote_worthy, shareable, limit=3)
            positions = index.positions_for(stage, codes)
            assert picker.pick_at(index.columns, positions, code_ids=codes, limit=3) == expected
            assert (
                pick_quotes(
                    evidence,
                    code_ids=codes,
                    quote_worthy=quote_worthy,
                    shareable=shareable,
                    limit=3,
                )
                == expected
            )


def test_the_roster_totals_count_everyone_on_it():
    roster = Roster(
        {1: Person("large", "emea"), 2: Person("large", "amer", deployment="saas"), 3: Person()}
    )

    assert roster.totals() == {
        "segment": {"large": 2},
        "region": {"amer": 1, "emea": 1},
        "tier": {},
        "group": {"large:saas": 1},
    }
