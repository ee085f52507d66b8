"""Strict reading of Sigstore's JSON (bundles, trusted roots), for the fast keyless path.

Stricter than sigstore-models (pydantic, strict, no extra keys) on purpose: whatever it does not
take raises :class:`Unsupported`, and the caller hands the file to sigstore-python, which
decides. So the fast path never takes a file sigstore-python would refuse: a duplicate key,
a null, a lenient base64 or a ``" 12"`` integer all fall back.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from datetime import datetime
from typing import Any

__all__ = ["Unsupported", "b64", "loads", "moment", "obj", "text", "u64"]

_U64 = re.compile(r"0|[1-9][0-9]{0,19}")
_RFC3339 = re.compile(
    r"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,6}))?(Z|[+-]\d{2}:\d{2})", re.ASCII
)


class Unsupported(Exception):  # not a failure: sigstore-python decides instead
    """The fast path does not take this file (or this part of it)."""


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    data = dict(pairs)
    if len(data) != len(pairs):
        raise Unsupported("a duplicate key")
    return data


def _no_constant(name: str) -> Any:
    raise Unsupported(f"{name} is not JSON")


def loads(raw: bytes | str) -> Any:
    """JSON as sigstore-models' parser takes it: UTF-8 (no BOM, no UTF-16), no lone
    surrogates, no NaN, no duplicate keys (json alone takes all of these)."""
    try:
        data = json.loads(
            raw.decode() if isinstance(raw, bytes) else raw,
            object_pairs_hook=_no_duplicates,
            parse_constant=_no_constant,
        )
        json.dumps(data, ensure_ascii=False).encode()  # a lone surrogate does not encode
    except (ValueError, UnicodeError, RecursionError) as exc:
        raise Unsupported("not JSON") from exc
    return data


def obj(
    data: Any, required: frozenset[str], optional: frozenset[str] = frozenset()
) -> dict[str, Any]:
    """``data`` as an object with every ``required`` key, others from ``optional`` only,
    and no null values."""
    if not isinstance(data, dict) or not required <= data.keys() <= required | optional:
        raise Unsupported("an unexpected object")
    if any(value is None for value in data.values()):
        raise Unsupported("a null")
    return data


def text(value: Any) -> str:
    if not isinstance(value, str):
        raise Unsupported("not a string")
    return value


def b64(value: Any) -> bytes:
    """Standard base64, padded, no other characters."""
    try:
        return base64.b64decode(text(value), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise Unsupported("not base64") from exc


def u64(value: Any) -> int:
    """A protobuf uint64 as JSON writes it: a string of decimal digits."""
    if not isinstance(value, str) or not _U64.fullmatch(value) or int(value) >= 2**64:
        raise Unsupported("not a uint64")
    return int(value)


def moment(value: Any) -> datetime:
    """An RFC 3339 time with its offset, to the microsecond at most."""
    match = _RFC3339.fullmatch(text(value))
    if match is None:
        raise Unsupported("not an RFC 3339 time")
    whole, fraction, zone = match.groups()
    iso = whole + (f".{fraction:0<6}" if fraction else "") + ("+00:00" if zone == "Z" else zone)
    try:
        return datetime.fromisoformat(iso)
    except ValueError as exc:
        raise Unsupported("not an RFC 3339 time") from exc
