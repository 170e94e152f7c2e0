"""JSON request bodies: size and depth checked before parsing, big numbers refused."""

from __future__ import annotations

import pytest
from django.test import RequestFactory

from cxresearch.lib.http import BadJson, json_depth, json_object


def request_with(body: bytes):  # noqa: ANN201
    return RequestFactory().post("/", body, content_type="application/json")


@pytest.mark.parametrize(
    ("body", "depth"),
    [
        (b"{}", 1),
        (b'{"a": [1, {"b": []}]}', 4),
        (b'{"a": "[[[[[[{{{{"}', 1),  # brackets inside strings don't count
        (b'{"a": "\\"[[["}', 1),  # nor after an escaped quote
        (b"1", 0),
    ],
)
def test_depth_is_counted_without_parsing(body: bytes, depth: int) -> None:
    assert json_depth(body) == depth


def test_an_object_is_returned() -> None:
    assert json_object(request_with(b'{"a": [1, 2]}'), max_bytes=100) == {"a": [1, 2]}


def test_an_empty_body_is_an_empty_object() -> None:
    assert json_object(request_with(b""), max_bytes=100) == {}


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"[" * 20_000 + b"]" * 20_000, "nests deeper"),
        (b'{"a": ' + b"9" * 5000 + b"}", "at most 20 digits"),
        (b'{"a": ' + b"9" * 21 + b"}", "at most 20 digits"),
        (b"\xff\xfe\xfd", "not valid JSON"),
        (b"[1]", "must be a JSON object"),
        (b'{"a": 1', "not valid JSON"),
        (b"x" * 101, "too large"),
    ],
)
def test_bad_bodies_are_refused_with_a_reason(body: bytes, message: str) -> None:
    with pytest.raises(BadJson, match=message):
        json_object(request_with(body), max_bytes=100 if message == "too large" else 10**6)
