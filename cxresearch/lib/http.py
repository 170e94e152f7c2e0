"""Request helpers: the authenticated request type, and JSON bodies read defensively."""

from __future__ import annotations

import json
import re
from typing import Any

from django.contrib.auth.models import User
from django.http import HttpRequest


class AuthenticatedHttpRequest(HttpRequest):
    """A request that passed LoginRequiredMiddleware: `user` is a real User."""

    user: User


class BadJson(ValueError):
    """A JSON request body was refused; the message says why in plain words."""


# Strings (skipped whole, so brackets inside them don't count) or brackets.
_STRING_OR_BRACKET = re.compile(rb'"(?:[^"\\]|\\.)*"|[\[\]{}]', re.DOTALL)
# No id, offset or choice the app takes has more digits; json would accept 4,300.
_MAX_INTEGER_DIGITS = 20


def _bounded_int(digits: str) -> int:
    if len(digits.lstrip("-")) > _MAX_INTEGER_DIGITS:
        raise BadJson(f"Numbers in the request have at most {_MAX_INTEGER_DIGITS} digits.")
    return int(digits)


def json_depth(body: bytes) -> int:
    """How deeply arrays and objects nest in a JSON text, counted without parsing it.

    json.loads recurses once per level and raises RecursionError (a 500) past about 1,000.
    """
    depth = deepest = 0
    for match in _STRING_OR_BRACKET.finditer(body):
        token = match.group()
        if token in (b"{", b"["):
            depth += 1
            deepest = max(deepest, depth)
        elif token in (b"}", b"]"):
            depth -= 1
    return deepest


def json_object(request: HttpRequest, *, max_bytes: int, max_depth: int = 8) -> dict[str, Any]:
    """The request body as a JSON object, or BadJson.

    Size and nesting are checked before parsing; integers are kept to a sane number of
    digits; the body must be UTF-8 (or UTF-16/32, as json detects) and an object at the top.
    """
    declared = request.META.get("CONTENT_LENGTH") or "0"
    if not declared.isdigit() or int(declared) > max_bytes:
        raise BadJson("The request is too large.")
    body = request.body
    if len(body) > max_bytes:
        raise BadJson("The request is too large.")
    if json_depth(body) > max_depth:
        raise BadJson(f"The request nests deeper than {max_depth} levels.")
    try:
        data = json.loads(body or b"{}", parse_int=_bounded_int)
    except BadJson:
        raise
    except (ValueError, RecursionError):  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        raise BadJson("The request is not valid JSON.") from None
    if not isinstance(data, dict):
        raise BadJson("The request must be a JSON object.")
    return data
