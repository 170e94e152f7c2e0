"""Offsets between code points and UTF-16 units, with emoji, combining accents and RTL text."""

import pytest

from cxresearch.lib.text import codepoint_offset, utf16_length, utf16_offsets

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
