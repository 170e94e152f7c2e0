"""insights.marks.covered_turns: the reader toolbar's "% of turns coded", against its definition."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from insights.marks import covered_turns


def _by_definition(turns: list[tuple[int, int]], spans: list[tuple[int, int]]) -> int:
    return sum(any(s < t_end and e > t_start for s, e in spans) for t_start, t_end in turns)


def test_a_turn_touching_a_span_without_sharing_a_character_is_not_covered() -> None:
    turns = [(0, 10), (10, 20), (20, 30)]
    assert covered_turns(turns, [(10, 20)]) == 1
    assert covered_turns(turns, [(5, 10), (10, 11)]) == 2
    assert covered_turns(turns, [(9, 21)]) == 3
    assert covered_turns(turns, []) == 0


@st.composite
def _transcript(draw: st.DrawFn) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    lengths = draw(st.lists(st.integers(1, 20), max_size=30))
    turns, start = [], 0
    for length in lengths:
        gap = draw(st.integers(0, 3))  # labels and line breaks between turns
        turns.append((start + gap, start + gap + length))
        start += gap + length
    span = st.tuples(st.integers(0, start + 5), st.integers(1, 40)).map(
        lambda pair: (pair[0], pair[0] + pair[1])
    )
    return turns, sorted(draw(st.lists(span, max_size=30)))


@given(_transcript())
def test_covered_turns_matches_its_definition(
    transcript: tuple[list[tuple[int, int]], list[tuple[int, int]]],
) -> None:
    turns, spans = transcript
    assert covered_turns(turns, spans) == _by_definition(turns, spans)
