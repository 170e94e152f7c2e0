"""Offset conventions of REFI-QDA files and the maps between texts (insights.refi_qda.offsets)."""

from __future__ import annotations

import itertools

import pytest

from insights.refi_qda.offsets import (
    SPEC,
    Counting,
    SpanMap,
    UnitIndex,
    align,
    choose_counting,
    cleaned,
    copy_matches,
)

TEXTS = [
    "plain ascii",
    "emoji 😀 in the middle 🚀\nand a second line",
    "crlf\r\nlines\r\n😀\r\nend",
    "mixed\nlf\r\nand\rcr 👍🏽",
    "",
]


def _naive_units(text: str, counting: Counting) -> list[int]:
    """Units before each code point, by walking the text one character at a time."""
    units, result = 0, []
    for index, character in enumerate(text):
        result.append(units)
        width = 2 if counting.utf16 and ord(character) > 0xFFFF else 1
        if character == "\r" and text[index + 1 : index + 2] == "\n":
            width = 0 if counting.newlines == "crlf_as_one" else 1
        if (
            character == "\n"
            and counting.newlines == "lf_as_two"
            and (index == 0 or text[index - 1] != "\r")
        ):
            width = 2
        units += width
    result.append(units)
    return result


@pytest.mark.parametrize("text", TEXTS)
def test_unit_index_agrees_with_a_naive_walk(text: str) -> None:
    for utf16, newlines in itertools.product(
        (False, True), ("literal", "crlf_as_one", "lf_as_two")
    ):
        counting = Counting(utf16=utf16, newlines=newlines)
        index = UnitIndex(text, counting)
        naive = _naive_units(text, counting)
        for position in range(len(text) + 1):
            assert index.index(naive[position]) in (position, position - 1), (counting, position)
            if position == 0 or naive[position] != naive[position - 1]:
                assert index.index(naive[position]) == position
        assert index.index(naive[-1] + 1) is None
        assert index.index(-1) is None


def test_unit_inside_a_surrogate_pair_is_not_a_position() -> None:
    index = UnitIndex("a😀b", Counting(utf16=True))
    assert [index.index(u) for u in range(5)] == [0, 1, None, 2, 3]


def test_inclusive_end() -> None:
    index = UnitIndex("hello world", Counting(inclusive_end=True))
    assert index.span(6, 10) == (6, 11)
    assert index.span(6, 11) is None


def test_choose_counting_prefers_the_spec_and_follows_the_copies() -> None:
    text = "😀 one\r\ntwo three"
    start = text.index("two")
    assert choose_counting(text, [(start, start + 3, "two")]).counting == SPEC
    utf16 = start + 1
    assert choose_counting(text, [(utf16, utf16 + 3, "two")]).counting == Counting(utf16=True)
    crlf_one = start - 1
    found = choose_counting(text, [(crlf_one, crlf_one + 3, "two")]).counting
    assert found == Counting(newlines="crlf_as_one")
    assert choose_counting(text, [(5, 6, "")]).checked == 0


def test_copy_matches_whole_and_cut_short() -> None:
    assert copy_matches("took  forever", "took forever")
    assert copy_matches("the SSO set…", "the SSO set-up took forever")
    assert copy_matches("the SSO set-up", "the SSO set-up took forever")
    assert not copy_matches("SSO", "SSO set-up")  # too short to be a prefix
    assert not copy_matches("", "anything")


def test_span_map_keeps_surviving_characters() -> None:
    # "ab" dropped, "cde" kept at 0, "f" dropped, "gh" kept at 3.
    mapping = SpanMap([(2, 0, 3), (6, 3, 2)])
    assert mapping.span(0, 8) == (0, 5)
    assert mapping.span(3, 7) == (1, 4)
    assert mapping.span(0, 2) is None
    assert mapping.span(5, 6) is None


def test_cleaned_drops_cr_of_crlf_and_controls() -> None:
    text, mapping = cleaned("\ufeffa\r\nb\x07c\rd")
    assert text == "a\nbc\nd"
    assert mapping.span(1, 2) == (0, 1)
    assert mapping.span(4, 7) == (2, 4)


def test_align_maps_a_source_onto_its_parsed_turns() -> None:
    source = "Interviewer: How  was it?\n\nMaria:   It was\nslow.\n"
    parts = ["How was it?", "It was slow."]
    mapping = align(source, parts)
    parsed = "\n\n".join(parts)
    start = source.index("was\nslow")
    span = mapping.span(start, start + len("was\nslow"))
    assert span is not None
    assert parsed[span[0] : span[1]] == "was slow"
    label = source.index("Maria")
    span = mapping.span(label, label + 5 + 4 + 2)
    assert span is not None
    assert parsed[span[0] : span[1]] == "It"
    assert align(source, ["not there"]) is None
