"""Request bodies read into frozen dataclasses: one parser, typed fields, errors naming the field.

A payload is a `@dataclass(frozen=True, kw_only=True)` whose annotations say what each field
takes: `int`, `str`, `bool`, a `Literal` of strings, `list[int]`, `list[str]`, or any of these
`| None`. A field with a default is optional. `wire()` gives a field its name in the request
(`painSeverity` for `pain_severity`) and, where the page words them better, the messages for
a missing field and a wrong value:

    @dataclass(frozen=True, kw_only=True)
    class Move:
        card: int
        lane: Literal["now", "next"]
        note: str = ""
        after: int | None = field(default=None, metadata=wire("afterId"))

    move = from_json(request, Move, max_bytes=4096)

A field that is absent, JSON null, or "" for a number counts as not sent: the default, or a
PayloadError when the field has none. Whole numbers come as JSON integers or as digit strings
(what a form's <select> gives); booleans are never numbers. A JSON body with a key no field
takes is refused, so a misspelt key loses nothing silently; a form body may carry others (the
CSRF token, the submit button).
"""

from __future__ import annotations

import dataclasses
import re
import types
import typing
from collections.abc import Mapping
from functools import cache
from typing import Any, Literal, Protocol

from django.http import HttpRequest, QueryDict

from cxresearch.lib.http import BadJson, json_object

# Ids, offsets and choices all fit a 64-bit signed integer, the widest column they go into.
MAX_INTEGER = 2**63 - 1
_WHOLE_NUMBER = re.compile(r"[-+]?[0-9]{1,20}")
_TRUE, _FALSE = ("1", "true", "on", "yes"), ("0", "false", "off", "no", "")
_KEY, _MISSING, _INVALID = "payloads.key", "payloads.missing", "payloads.invalid"


class PayloadError(ValueError):
    """A request body was refused; the message names the field and says what it takes."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class _Dataclass(Protocol):
    __dataclass_fields__: typing.ClassVar[dict[str, dataclasses.Field[Any]]]


def wire(
    key: str | None = None, *, missing: str | None = None, invalid: str | None = None
) -> dict[str, str]:
    """Field metadata: the field's name in the request, and the messages for when it is
    missing and for any value it does not take, where the page's own words say it better."""
    metadata = {}
    if key is not None:
        metadata[_KEY] = key
    if missing is not None:
        metadata[_MISSING] = missing
    if invalid is not None:
        metadata[_INVALID] = invalid
    return metadata


@dataclasses.dataclass(frozen=True)
class _Field:
    name: str  # the attribute
    key: str  # the request's name for it
    kind: Any  # the annotation without "| None"
    optional: bool  # None is a value it takes
    required: bool  # no default
    missing: str
    invalid: str | None

    @property
    def is_list(self) -> bool:
        return typing.get_origin(self.kind) is list


def _without_none(annotation: Any) -> tuple[Any, bool]:
    if typing.get_origin(annotation) in (types.UnionType, typing.Union):
        members = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(members) != 1:
            raise TypeError(f"Payload fields take one type or that type | None: {annotation}")
        return members[0], True
    return annotation, False


def _check_supported(kind: Any, name: str) -> None:
    origin = typing.get_origin(kind)
    if kind in (int, str, bool):
        return
    if origin is Literal and all(isinstance(a, str) for a in typing.get_args(kind)):
        return
    if origin is list and typing.get_args(kind) in ((int,), (str,)):
        return
    raise TypeError(f"Payload field “{name}” has a type payloads cannot read: {kind}")


@cache
def _fields(schema: type[_Dataclass]) -> tuple[_Field, ...]:
    hints = typing.get_type_hints(schema)
    fields = []
    for spec in dataclasses.fields(schema):
        kind, optional = _without_none(hints[spec.name])
        _check_supported(kind, spec.name)
        key = spec.metadata.get(_KEY, spec.name)
        required = (
            spec.default is dataclasses.MISSING and spec.default_factory is dataclasses.MISSING
        )
        fields.append(
            _Field(
                name=spec.name,
                key=key,
                kind=kind,
                optional=optional,
                required=required,
                missing=spec.metadata.get(_MISSING, f"“{key}” is missing."),
                invalid=spec.metadata.get(_INVALID),
            )
        )
    return tuple(fields)


def _whole_number(value: object, key: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise PayloadError(f"“{key}” must be a whole number.", field=key)
    if isinstance(value, str):
        if not _WHOLE_NUMBER.fullmatch(value.strip()):
            raise PayloadError(f"“{key}” must be a whole number.", field=key)
        value = int(value)
    if abs(value) > MAX_INTEGER:
        raise PayloadError(f"“{key}” is out of range.", field=key)
    return value


def _text(value: object, key: str) -> str:
    if not isinstance(value, str):
        raise PayloadError(f"“{key}” must be text.", field=key)
    return value


def _truth(value: object, key: str) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in _TRUE + _FALSE:
        return value.strip().lower() in _TRUE
    raise PayloadError(f"“{key}” must be true or false.", field=key)


def _choice(value: object, key: str, choices: tuple[str, ...]) -> str:
    if value not in choices:
        listed = ", ".join(choices[:-1]) + f" or {choices[-1]}" if len(choices) > 1 else choices[0]
        raise PayloadError(f"“{key}” must be {listed}.", field=key)
    assert isinstance(value, str)
    return value


def _value(field: _Field, value: object) -> object:
    if field.is_list:
        (item,) = typing.get_args(field.kind)
        noun = "whole numbers" if item is int else "text values"
        if not isinstance(value, list):
            raise PayloadError(f"“{field.key}” must be a list of {noun}.", field=field.key)
        if item is int:
            if any(isinstance(v, bool) or not isinstance(v, int | str) for v in value):
                raise PayloadError(f"“{field.key}” must be a list of {noun}.", field=field.key)
            return [_whole_number(v, field.key) for v in value]
        if not all(isinstance(v, str) for v in value):
            raise PayloadError(f"“{field.key}” must be a list of {noun}.", field=field.key)
        return list(value)
    if field.kind is int:
        return _whole_number(value, field.key)
    if field.kind is bool:
        return _truth(value, field.key)
    if field.kind is str:
        return _text(value, field.key)
    return _choice(value, field.key, typing.get_args(field.kind))


def _absent(field: _Field, value: object) -> bool:
    """Not sent: no key, JSON null, or an empty string where text is not what is asked."""
    return value is None or (value == "" and field.kind is not str)


def from_mapping[P: _Dataclass](
    data: Mapping[str, object], schema: type[P], *, extra: bool = False
) -> P:
    """The payload in `data` (decoded JSON, or one value per key), or PayloadError.

    `extra`: whether keys that no field takes are let through (and dropped) or refused.
    """
    fields = _fields(schema)
    if not extra:
        known = {f.key for f in fields}
        unknown = sorted(key for key in data if key not in known)
        if unknown:
            raise PayloadError(
                f"“{unknown[0]}” is not something this request takes.", field=unknown[0]
            )
    values: dict[str, object] = {}
    for field in fields:
        value = data.get(field.key)
        if _absent(field, value):
            if field.required:
                raise PayloadError(field.missing, field=field.key)
            if field.key in data and field.optional:
                values[field.name] = None
            continue
        try:
            values[field.name] = _value(field, value)
        except PayloadError as refusal:
            if field.invalid is None:
                raise
            raise PayloadError(field.invalid, field=field.key) from refusal
    return schema(**values)


def from_form[P: _Dataclass](data: QueryDict, schema: type[P]) -> P:
    """The payload in a form body or query string (request.POST, request.GET), or PayloadError.

    A list field reads every value sent under its key; any other field reads the last one.
    Keys the payload does not name are ignored: forms carry their CSRF token and buttons.
    """
    values: dict[str, object] = {}
    for field in _fields(schema):
        if field.key in data:
            values[field.key] = data.getlist(field.key) if field.is_list else data[field.key]
    return from_mapping(values, schema, extra=True)


def from_json[P: _Dataclass](request: HttpRequest, schema: type[P], *, max_bytes: int) -> P:
    """The payload in a JSON request body, or PayloadError.

    The body must be one JSON object of at most `max_bytes` (checked before it is read;
    cxresearch.lib.http.json_object); an empty body is an empty object.
    """
    try:
        data = json_object(request, max_bytes=max_bytes)
    except BadJson as refusal:
        raise PayloadError(str(refusal)) from None
    return from_mapping(data, schema)
