"""Request bodies into typed dataclasses: every refusal names its field and says what it takes."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Literal

import pytest
from django.http import QueryDict
from django.test import RequestFactory

from cxresearch.lib.payloads import MAX_INTEGER, PayloadError, from_form, from_json, from_mapping
from cxresearch.lib.payloads import wire as wire_field


@dataclass(frozen=True, kw_only=True)
class Move:
    card: int
    lane: Literal["now", "next", "later"]
    note: str = ""
    pinned: bool = False
    after: int | None = field(default=None, metadata=wire_field("afterId"))
    tags: list[str] = field(default_factory=list)
    ids: list[int] = field(default_factory=list)
    title: str | None = None


@dataclass(frozen=True, kw_only=True)
class Worded:
    kind: str = field(metadata=wire_field(missing="Say what it is."))


def json_request(body: bytes, **headers: str):  # noqa: ANN201
    return RequestFactory().post("/", body, content_type="application/json", headers=headers)


def test_every_field_type_is_read() -> None:
    move = from_mapping(
        {
            "card": 3,
            "lane": "next",
            "note": "hi",
            "pinned": True,
            "afterId": "7",
            "tags": ["a", "b"],
            "ids": [1, "2"],
            "title": None,
        },
        Move,
    )
    assert move == Move(
        card=3, lane="next", note="hi", pinned=True, after=7, tags=["a", "b"], ids=[1, 2]
    )


def test_defaults_fill_what_was_not_sent() -> None:
    assert from_mapping({"card": 1, "lane": "now"}, Move) == Move(card=1, lane="now")


@pytest.mark.parametrize("absent", [None, ""])
def test_null_or_empty_is_not_sent_for_a_number(absent: object) -> None:
    assert from_mapping({"card": 1, "lane": "now", "afterId": absent}, Move).after is None


def test_digit_strings_are_whole_numbers_with_a_sign_and_spaces() -> None:
    assert from_mapping({"card": " -12 ", "lane": "now"}, Move).card == -12


def test_the_payload_is_frozen() -> None:
    move = from_mapping({"card": 1, "lane": "now"}, Move)
    with pytest.raises(AttributeError):
        move.card = 2  # type: ignore[misc]


@pytest.mark.parametrize(
    ("data", "key", "message"),
    [
        ({"lane": "now"}, "card", "“card” is missing."),
        ({"card": None, "lane": "now"}, "card", "“card” is missing."),
        ({"card": "", "lane": "now"}, "card", "“card” is missing."),
        ({"card": 1}, "lane", "“lane” is missing."),
        ({"card": "x", "lane": "now"}, "card", "“card” must be a whole number."),
        ({"card": 1.5, "lane": "now"}, "card", "“card” must be a whole number."),
        ({"card": True, "lane": "now"}, "card", "“card” must be a whole number."),
        ({"card": [1], "lane": "now"}, "card", "“card” must be a whole number."),
        ({"card": "١٢", "lane": "now"}, "card", "“card” must be a whole number."),  # Arabic digits
        ({"card": "1_000", "lane": "now"}, "card", "“card” must be a whole number."),
        ({"card": "9" * 21, "lane": "now"}, "card", "“card” must be a whole number."),
        ({"card": MAX_INTEGER + 1, "lane": "now"}, "card", "“card” is out of range."),
        ({"card": str(-MAX_INTEGER - 1), "lane": "now"}, "card", "“card” is out of range."),
        ({"card": 1, "lane": "soon"}, "lane", "“lane” must be now, next or later."),
        ({"card": 1, "lane": 1}, "lane", "“lane” must be now, next or later."),
        ({"card": 1, "lane": ["now"]}, "lane", "“lane” must be now, next or later."),
        ({"card": 1, "lane": "now", "note": 5}, "note", "“note” must be text."),
        ({"card": 1, "lane": "now", "pinned": 1}, "pinned", "“pinned” must be true or false."),
        ({"card": 1, "lane": "now", "pinned": "maybe"}, "pinned", "must be true or false."),
        ({"card": 1, "lane": "now", "afterId": "x"}, "afterId", "“afterId” must be a whole"),
        ({"card": 1, "lane": "now", "tags": "a"}, "tags", "must be a list of text values."),
        ({"card": 1, "lane": "now", "tags": ["a", 1]}, "tags", "must be a list of text values."),
        ({"card": 1, "lane": "now", "ids": [True]}, "ids", "must be a list of whole numbers."),
        ({"card": 1, "lane": "now", "ids": [1.5]}, "ids", "must be a list of whole numbers."),
        ({"card": 1, "lane": "now", "ids": ["x"]}, "ids", "“ids” must be a whole number."),
        ({"card": 1, "lane": "now", "title": 3}, "title", "“title” must be text."),
    ],
)
def test_a_wrong_value_is_refused_naming_its_field(data: dict, key: str, message: str) -> None:
    with pytest.raises(PayloadError, match=message) as refused:
        from_mapping(data, Move)
    assert refused.value.field == key


def test_a_missing_field_can_say_it_in_the_pages_words() -> None:
    with pytest.raises(PayloadError, match="Say what it is."):
        from_mapping({}, Worded)


def test_an_unknown_key_is_refused_by_its_name() -> None:
    with pytest.raises(PayloadError, match="“pinnned” is not something") as refused:
        from_mapping({"card": 1, "lane": "now", "pinnned": True}, Move)
    assert refused.value.field == "pinnned"


def test_the_attribute_name_is_not_the_wire_name() -> None:
    with pytest.raises(PayloadError, match="“after” is not something"):
        from_mapping({"card": 1, "lane": "now", "after": 2}, Move)


def test_unknown_keys_may_be_let_through() -> None:
    assert from_mapping({"card": 1, "lane": "now", "x": 1}, Move, extra=True).card == 1


def test_an_unsupported_annotation_is_a_programming_error() -> None:
    @dataclass(frozen=True)
    class Odd:
        when: float

    with pytest.raises(TypeError, match="cannot read"):
        from_mapping({"when": 1.0}, Odd)


# --- JSON bodies --------------------------------------------------------------------------------


def test_a_json_body_is_read() -> None:
    body = json.dumps({"card": 2, "lane": "later", "tags": ["x"]}).encode()
    assert from_json(json_request(body), Move, max_bytes=1000) == Move(
        card=2, lane="later", tags=["x"]
    )


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"not json", "not valid JSON"),
        (b"\xff\xfe\xfd", "not valid JSON"),
        (b"[1, 2]", "must be a JSON object"),
        (b'"card"', "must be a JSON object"),
        (b"null", "must be a JSON object"),
        (b"[" * 5000 + b"]" * 5000, "nests deeper"),
        (b'{"card": ' + b"9" * 5000 + b', "lane": "now"}', "at most 20 digits"),
        (b"", "“card” is missing."),
        (b'{"card": 1, "lane": "now", "extra": 1}', "“extra” is not something"),
    ],
)
def test_a_bad_json_body_is_refused_with_a_reason(body: bytes, message: str) -> None:
    with pytest.raises(PayloadError, match=message):
        from_json(json_request(body), Move, max_bytes=100_000)


def test_a_huge_body_is_refused_before_it_is_read() -> None:
    request = json_request(b"{}", **{"content-length": str(10 * 1024 * 1024)})
    with pytest.raises(PayloadError, match="too large"):
        from_json(request, Move, max_bytes=1000)


def test_a_body_over_the_limit_is_refused() -> None:
    body = json.dumps({"card": 1, "lane": "now", "note": "x" * 2000}).encode()
    with pytest.raises(PayloadError, match="too large"):
        from_json(json_request(body), Move, max_bytes=1000)


# --- Form bodies --------------------------------------------------------------------------------


def test_a_form_body_is_read_with_lists_from_repeated_keys() -> None:
    data = QueryDict(
        "card=4&lane=now&pinned=on&tags=a&tags=b&ids=3&ids=1&afterId=&csrfmiddlewaretoken=t"
    )
    assert from_form(data, Move) == Move(
        card=4, lane="now", pinned=True, tags=["a", "b"], ids=[3, 1]
    )


def test_a_form_field_reads_its_last_value() -> None:
    assert from_form(QueryDict("card=1&card=2&lane=now"), Move).card == 2


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("lane=now", "“card” is missing."),
        ("card=x&lane=now", "“card” must be a whole number."),
        ("card=1&lane=now&ids=1&ids=y", "“ids” must be a whole number."),
        ("card=1&lane=never", "“lane” must be now, next or later."),
        ("card=1&lane=now&pinned=2", "“pinned” must be true or false."),
    ],
)
def test_a_bad_form_body_is_refused_naming_the_field(query: str, message: str) -> None:
    with pytest.raises(PayloadError, match=message):
        from_form(QueryDict(query), Move)


@dataclass(frozen=True, kw_only=True)
class Share:
    shared: Literal["0", "1"] = field(
        metadata=wire_field(missing="Say 0 or 1.", invalid="Say 0 or 1.")
    )
    codes: list[str] = field(default_factory=list, metadata=wire_field(invalid="Codes, please."))


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "Say 0 or 1."),
        ({"shared": "yes"}, "Say 0 or 1."),
        ({"shared": "1", "codes": 1}, "Codes"),
    ],
)
def test_a_wrong_value_can_be_refused_in_the_pages_words(data: dict, message: str) -> None:
    with pytest.raises(PayloadError, match=message):
        from_mapping(data, Share)
