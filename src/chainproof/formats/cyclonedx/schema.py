"""Strict CycloneDX validation before anything is written.

JSON: the schema files that ship with cyclonedx-python-lib, checked with jsonschema's Draft 7
validator like the library's ``JsonStrictValidator``, except for the ``iri-reference``/``uri``
formats: jsonschema checks those with a lark grammar (rfc3987-syntax) that costs seconds on a
large BOM, so a regular expression built from RFC 3987's ABNF replaces it (IP literals are
checked with :mod:`ipaddress`). The other formats keep jsonschema's checkers.
XML: the library's ``XmlValidator`` (lxml, already fast).
A failure raises InputError naming the JSON path and the reason.
"""

from __future__ import annotations

import ipaddress
import json
import re
from functools import cache
from importlib import resources
from typing import Any

from chainproof.errors import InputError
from chainproof.formats.schema import import_jsonschema

__all__ = ["is_iri_reference", "validate_json", "validate_xml"]

# RFC 3987 ucschar and iprivate ranges. Non-ASCII characters are checked against these and then
# stand in as ASCII ("g" for ucschar: unreserved but not hex, so an IP literal stays invalid;
# "\x01" for iprivate, allowed only in the query), which keeps the regular expressions ASCII
# and cheap to compile.
_UCS_RANGES = (
    (0xA0, 0xD7FF),
    (0xF900, 0xFDCF),
    (0xFDF0, 0xFFEF),
    *((plane * 0x10000, plane * 0x10000 + 0xFFFD) for plane in range(1, 14)),
    (0xE1000, 0xEFFFD),
)
_PRIVATE_RANGES = ((0xE000, 0xF8FF), (0xF0000, 0xFFFFD), (0x100000, 0x10FFFD))
_PRIVATE = "\x01"
_UNRESERVED = r"A-Za-z0-9\-._~"
_SUB = r"!$&'()*+,;="
_PCT = r"%[0-9A-Fa-f]{2}"
_PCHAR = rf"(?:[{_UNRESERVED}{_SUB}:@]|{_PCT})"
_SEG_NZ_NC = rf"(?:[{_UNRESERVED}{_SUB}@]|{_PCT})+"
_AUTHORITY = (
    rf"(?:(?:[{_UNRESERVED}{_SUB}:]|{_PCT})*@)?"
    rf"(?:(?P<ip>\[[^\]/?#]*\])|(?:[{_UNRESERVED}{_SUB}]|{_PCT})*)"
    r"(?::[0-9]*)?"
)
_TAIL = rf"(?:\?(?:{_PCHAR}|[{_PRIVATE}/?])*)?(?:#(?:{_PCHAR}|[/?])*)?"
_IRI = re.compile(
    rf"[A-Za-z][A-Za-z0-9+\-.]*:"
    rf"(?://{_AUTHORITY}(?:/{_PCHAR}*)*|/(?:{_PCHAR}+(?:/{_PCHAR}*)*)?|{_PCHAR}+(?:/{_PCHAR}*)*|)"
    rf"{_TAIL}"
)
_RELATIVE = re.compile(
    rf"(?://{_AUTHORITY}(?:/{_PCHAR}*)*|/(?:{_PCHAR}+(?:/{_PCHAR}*)*)?"
    rf"|{_SEG_NZ_NC}(?:/{_PCHAR}*)*|){_TAIL}"
)
_IPV_FUTURE = re.compile(rf"v[0-9A-Fa-f]+\.[A-Za-z0-9\-._~{_SUB}:]+")


def _ascii_form(value: str) -> str | None:
    if value.isascii():
        return None if _PRIVATE in value else value
    out = []
    for char in value:
        code = ord(char)
        if code < 0x80 and char != _PRIVATE:
            out.append(char)
        elif any(low <= code <= high for low, high in _UCS_RANGES):
            out.append("g")
        elif any(low <= code <= high for low, high in _PRIVATE_RANGES):
            out.append(_PRIVATE)
        else:
            return None
    return "".join(out)


def _ip_literal_ok(match: re.Match[str]) -> bool:
    literal = match.group("ip")
    if literal is None:
        return True
    inner = literal[1:-1]
    if _IPV_FUTURE.fullmatch(inner):
        return True
    try:
        ipaddress.IPv6Address(inner)
    except ValueError:
        return False
    return "%" not in inner  # zone ids are not part of RFC 3986/3987 IP literals


def is_iri(value: object) -> bool:
    if not isinstance(value, str):
        return True
    text = _ascii_form(value)
    match = _IRI.fullmatch(text) if text is not None else None
    return match is not None and _ip_literal_ok(match)


def is_iri_reference(value: object) -> bool:
    """RFC 3987 ``IRI-reference`` (an absolute IRI or a relative reference)."""
    if not isinstance(value, str):
        return True
    text = _ascii_form(value)
    if text is None:
        return False
    match = _IRI.fullmatch(text) or _RELATIVE.fullmatch(text)
    return match is not None and _ip_literal_ok(match)


def _is_uri(value: object) -> bool:
    return not isinstance(value, str) or (value.isascii() and is_iri(value))


def _schema_text(name: str) -> str:
    # The schemas are package data of cyclonedx-python-lib (the files its own validators use).

    return resources.files("cyclonedx.schema").joinpath("_res", name).read_text(encoding="utf-8")


@cache
def _validator(spec_version: str) -> Any:
    import_jsonschema()
    from jsonschema import Draft7Validator, FormatChecker  # type: ignore[import-untyped]
    from referencing import Registry
    from referencing.jsonschema import DRAFT7

    prefix = "http://cyclonedx.org/schema/"
    registry: Registry[Any] = Registry().with_resources(
        [
            (f"{prefix}{name}", DRAFT7.create_resource(json.loads(_schema_text(name))))
            for name in (
                "spdx.SNAPSHOT.schema.json",
                "jsf-0.82.SNAPSHOT.schema.json",
                "cryptography-defs.SNAPSHOT.schema.json",
            )
        ]
    )
    checker = FormatChecker(formats=("date-time", "date", "idn-email", "email"))
    checker.checks("iri-reference")(is_iri_reference)
    checker.checks("iri")(is_iri)
    checker.checks("uri")(_is_uri)
    schema = json.loads(_schema_text(f"bom-{spec_version}.SNAPSHOT.schema.json"))
    return Draft7Validator(schema, registry=registry, format_checker=checker)


def validate_json(document: Any, spec_version: str) -> None:
    """Raise InputError when ``document`` (parsed JSON) is not valid CycloneDX."""
    error = next(iter(_validator(spec_version).iter_errors(document)), None)
    if error is not None:
        where = "/".join(str(p) for p in error.absolute_path) or "(document)"
        raise InputError(
            f"The SBOM would not be valid CycloneDX {spec_version} at {where}: "
            f"{error.message[:300]}."
        )


def validate_xml(text: str, spec_version: str) -> None:
    from cyclonedx.schema import SchemaVersion
    from cyclonedx.validation.xml import XmlValidator

    version = SchemaVersion.from_version(spec_version)
    error = XmlValidator(version).validate_str(text)
    if error is not None:
        raise InputError(f"The SBOM would not be valid CycloneDX {spec_version} XML: {error}.")
