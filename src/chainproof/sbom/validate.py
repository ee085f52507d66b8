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
import sys
from functools import cache
from importlib import resources
from typing import Any

from chainproof.errors import InputError

__all__ = ["is_iri_reference", "validate_json", "validate_xml"]

_UCS = (
    "\u00a0-\ud7ff\uf900-\ufdcf\ufdf0-\uffef"
    "\U00010000-\U0001fffd\U00020000-\U0002fffd\U00030000-\U0003fffd\U00040000-\U0004fffd"
    "\U00050000-\U0005fffd\U00060000-\U0006fffd\U00070000-\U0007fffd\U00080000-\U0008fffd"
    "\U00090000-\U0009fffd\U000a0000-\U000afffd\U000b0000-\U000bfffd\U000c0000-\U000cfffd"
    "\U000d0000-\U000dfffd\U000e1000-\U000efffd"
)
_PRIVATE = "\ue000-\uf8ff\U000f0000-\U000ffffd\U00100000-\U0010fffd"
_UNRESERVED = rf"A-Za-z0-9\-._~{_UCS}"
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
    match = _IRI.fullmatch(value)
    return match is not None and _ip_literal_ok(match)


def is_iri_reference(value: object) -> bool:
    """RFC 3987 ``IRI-reference`` (an absolute IRI or a relative reference)."""
    if not isinstance(value, str):
        return True
    match = _IRI.fullmatch(value) or _RELATIVE.fullmatch(value)
    return match is not None and _ip_literal_ok(match)


def _is_uri(value: object) -> bool:
    return not isinstance(value, str) or (value.isascii() and is_iri(value))


def _schema_text(name: str) -> str:
    # The schemas are package data of cyclonedx-python-lib (the files its own validators use).
    return resources.files("cyclonedx.schema").joinpath("_res", name).read_text(encoding="utf-8")


def _import_jsonschema() -> None:
    """Import jsonschema without rfc3987-syntax: its import alone compiles ~40 lark grammars
    (most of a second). A ``None`` entry in sys.modules makes that optional import fail, so
    jsonschema registers no IRI checkers of its own; ours are added explicitly below. When
    jsonschema is already loaded (e.g. by cyclonedx-python-lib's validators) nothing changes."""
    if "jsonschema" in sys.modules or "rfc3987_syntax" in sys.modules:
        return
    sys.modules["rfc3987_syntax"] = None  # type: ignore[assignment]
    try:
        import jsonschema  # type: ignore[import-untyped]  # noqa: F401
    finally:
        del sys.modules["rfc3987_syntax"]


@cache
def _validator(spec_version: str) -> Any:
    _import_jsonschema()
    from jsonschema import Draft7Validator, FormatChecker
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
