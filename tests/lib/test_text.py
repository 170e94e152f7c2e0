"""Offsets between code points and UTF-16 units (emoji, accents, RTL); text that may be stored."""

import pytest
from django.core.exceptions import ValidationError

from cxresearch.lib.text import (
    DIRECTION_CONTROLS,
    codepoint_offset,
    name_problem,
    text_problem,
    utf16_length,
    utf16_offsets,
    validate_name,
    validate_text,
)

SAMPLES = [
    "plain ascii",
    "SSO took 3 weeks 👍 then 🎉 done",
    "Cafe\u0301 (combining accent) and naïve",
    "Hebrew שלום and Arabic مرحبا in one line",
    "👩‍💻 ZWJ sequence, 🇩🇪 flag, 𝔘 math",
    "",
]


@pytest.mark.parametrize("text", SAMPLES)
def test_round_trip_at_every_boundary(text: str) -> None:
    offsets = list(range(len(text) + 1))
    units = utf16_offsets(text, offsets)
    for codepoint, unit in zip(offsets, units, strict=True):
        assert unit == len(text[:codepoint].encode("utf-16-le")) // 2
        assert codepoint_offset(text, unit) == codepoint


def test_emoji_count_twice() -> None:
    assert utf16_length("a👍b") == 4
    assert utf16_offsets("a👍b", [3, 0, 2]) == [4, 0, 3]


def test_an_offset_inside_a_surrogate_pair_is_refused() -> None:
    with pytest.raises(ValueError, match="inside a character"):
        codepoint_offset("a👍b", 2)


@pytest.mark.parametrize("offset", [-1, 5])
def test_offsets_outside_the_text_are_refused(offset: int) -> None:
    with pytest.raises(ValueError):
        codepoint_offset("a👍b", offset)


# --- What may be stored -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("a\x00b", "NUL"),
        ("\ud800", "surrogate"),
        ("x\udfffy", "surrogate"),
        ("\ude00\ud83d", "surrogate"),  # a pair in the wrong order is two lone halves
    ],
)
def test_text_that_cannot_be_stored_is_named(value: str, problem: str) -> None:
    assert problem in (text_problem(value) or "")
    assert problem in (name_problem(value) or "")
    with pytest.raises(ValidationError, match=problem):
        validate_text(value)


@pytest.mark.parametrize("value", ["", "plain", "Ünïcödé 👍", "שלום\u200f", "tab\tand\nnewline"])
def test_ordinary_text_and_names_pass(value: str) -> None:
    assert text_problem(value) is None
    assert name_problem(value) is None
    validate_text(value)
    validate_name(value)


@pytest.mark.parametrize("control", sorted(DIRECTION_CONTROLS))
def test_direction_controls_are_refused_in_names_only(control: str) -> None:
    value = f"P-014{control}exe.pdf"
    assert text_problem(value) is None  # fine inside a transcript's text
    assert f"U+{ord(control):04X}" in (name_problem(value) or "")
    with pytest.raises(ValidationError, match="text-direction"):
        validate_name(value)


def test_the_trojan_source_characters_are_all_covered() -> None:
    assert {"\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069"} <= DIRECTION_CONTROLS
