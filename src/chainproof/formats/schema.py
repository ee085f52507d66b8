"""JSON Schemas of chainproof's own files, and the one validator that reads a file with one.

``formats/schemas/`` holds a draft 2020-12 schema per format: ``build-record``
(build-record.json), ``release`` (release.json), ``policy`` (the ``[verify]`` table of the
policy file), ``report`` (``chainproof report --format json``) and ``remediation`` (a line of
remediation.jsonl, ``audit --fix``). They are the formats'
reference: docs/formats.md is rendered from them, and a test keeps the page and the schemas
the same. :func:`validate` checks a parsed document and
turns the best error (``jsonschema.exceptions.best_match``) into one InputError sentence: the
file, the JSON path, what was expected and what was there.

What is expected is said in the schema's words: a ``title`` on a definition says what its
``pattern`` and other constraints demand ("64 lower-case hex digits"); a type is named in
plain words ("a whole number", "true or false"). Two rules a schema cannot say alone:

- ``integer`` is a JSON number written without a fraction or an exponent (``1``, not ``1.0``),
  as the readers always had it; JSON Schema itself counts ``1.0`` as an integer.
- A top-level ``schema`` other than the schema's ``$id`` names another format or version; that
  is the error reported, before any other.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from functools import cache
from importlib import resources
from typing import Any

from chainproof.errors import InputError

__all__ = ["SCHEMAS", "expected", "import_jsonschema", "load_schema", "validate"]

# schema name: (what a valid document is, what its top level is called in a message)
SCHEMAS: dict[str, tuple[str, str]] = {
    "build-record": ("build record", "the record"),
    "release": ("release manifest", "the manifest"),
    "policy": ("deploy policy", "the table"),
    "report": ("report", "the report"),
    "remediation": ("remediation record", "the record"),
}
# a type in words: (one value, a list of them)
_TYPES = {
    "string": ("a string", "strings"),
    "integer": ("a whole number", "whole numbers"),
    "number": ("a number", "numbers"),
    "boolean": ("true or false", "true or false values"),
    "object": ("an object", "objects"),
    "array": ("a list", "lists"),
    "null": ("null", "nulls"),
}
_SHOWN = 80  # characters of a wrong value quoted in a message


@cache
def load_schema(name: str) -> dict[str, Any]:
    """The schema ``name`` (a key of SCHEMAS) as parsed JSON; shared, do not modify it."""
    if name not in SCHEMAS:
        raise ValueError(f"no schema {name!r}")
    text = (
        resources.files("chainproof.formats")
        .joinpath("schemas", f"{name}.schema.json")
        .read_text(encoding="utf-8")
    )
    schema: dict[str, Any] = json.loads(text)
    return schema


def import_jsonschema() -> None:
    """Import jsonschema without rfc3987-syntax, whose import compiles ~40 lark grammars (most
    of a second) for IRI format checks: a ``None`` entry in sys.modules makes that optional
    import fail, so jsonschema registers no IRI checkers (our schemas use none; the CycloneDX
    validator, formats.cyclonedx.schema, adds its own). Once jsonschema is loaded nothing
    changes."""
    if "jsonschema" in sys.modules or "rfc3987_syntax" in sys.modules:
        return
    sys.modules["rfc3987_syntax"] = None  # type: ignore[assignment]
    try:
        import jsonschema  # type: ignore[import-untyped]  # noqa: F401
    finally:
        del sys.modules["rfc3987_syntax"]


@cache
def _validator(name: str) -> Any:
    import_jsonschema()
    from jsonschema import Draft202012Validator, validators

    def whole(checker: Any, instance: object) -> bool:
        return isinstance(instance, int) and not isinstance(instance, bool)

    strict = validators.extend(
        Draft202012Validator,
        type_checker=Draft202012Validator.TYPE_CHECKER.redefine("integer", whole),
    )
    return strict(load_schema(name))


def validate(document: Any, schema_name: str, origin: str) -> None:
    """Raise one InputError naming ``origin`` (the file, as the reader should see it) when
    ``document`` (parsed JSON or TOML) does not match the schema ``schema_name``."""
    import_jsonschema()
    from jsonschema.exceptions import best_match, relevance  # type: ignore[import-untyped]

    root = load_schema(schema_name)

    def rank(error: Any) -> tuple[bool, Any]:
        return (_is_unknown_schema(error, root), relevance(error))

    error = best_match(_validator(schema_name).iter_errors(document), key=rank)
    if error is not None:
        raise _sentence(error, document, schema_name, origin)


def _is_unknown_schema(error: Any, root: dict[str, Any]) -> bool:
    return bool(
        error.validator == "const"
        and list(error.path) == ["schema"]
        and error.validator_value == root.get("$id")
    )


def _sentence(error: Any, document: Any, name: str, origin: str) -> InputError:
    noun, top = SCHEMAS[name]
    root = load_schema(name)
    path: list[str | int] = list(error.path)
    if _is_unknown_schema(error, root):
        return InputError(
            f"{origin} has an unknown schema {_shown(error.instance)}; a {noun} is {root['$id']}."
        )
    if error.validator == "additionalProperties":
        known = list(error.schema.get("properties", {}))
        unknown = sorted(str(key) for key in error.instance if key not in known)
        where = f"{_dotted(path)} of {origin}" if path else origin
        return InputError(
            f"Unknown key {unknown[0]!r} in {where}.", hint=f"Valid keys: {', '.join(known)}."
        )
    node, value = error.schema, error.instance
    if error.validator == "required":
        key = next(k for k in error.validator_value if k not in error.instance)
        node = error.schema.get("properties", {}).get(key, {})
        return InputError(
            f"{origin} is not a valid {noun}: {_dotted([*path, key])} must be "
            f"{_kind(node, root)}; it is missing."
        )
    if error.validator == "type":
        schema_path = list(error.schema_path)
        if path and isinstance(path[-1], int) and schema_path[-2:] == ["items", "type"]:
            listed = _node(root, schema_path[:-2])
            if not set(_types(_resolved(node, root))) & {"object", "array"}:
                # one wrong item of a list of strings: the list is what is wrong
                path, node, value = path[:-1], listed, _at(document, path[:-1])
        what = _kind(node, root)
    else:
        what = expected(node, root)
    # "must be a whole number, not negative" needs no ", not -1" after it
    shown = "" if what.endswith(", not negative") else f", not {_shown(value)}"
    return InputError(
        f"{origin} is not a valid {noun}: {_dotted(path) or top} must be {what}{shown}."
    )


def expected(node: dict[str, Any], root: dict[str, Any]) -> str:
    """What a value of the (sub)schema ``node`` of ``root`` must be, in words: its definition's
    ``title``, else its type with its bounds ("a whole number, not negative")."""
    node = _resolved(node, root)
    if "title" in node and node is not root:
        return str(node["title"])
    what = _kind(node, root)
    if node.get("minimum") == 0:
        what += ", not negative"
    elif "minimum" in node:
        what += f", at least {node['minimum']}"
    if "pattern" in node:
        what += f" matching {node['pattern']}"
    return what


def _kind(node: dict[str, Any], root: dict[str, Any]) -> str:
    """The type of ``node`` in words ("a list of strings or a string"), without its bounds."""
    node = _resolved(node, root)
    if "const" in node:
        return _shown(node["const"])
    if "enum" in node:
        return "one of " + ", ".join(_shown(v) for v in node["enum"])
    names = []
    for kind in _types(node):
        if kind == "array" and "items" in node:
            item = _resolved(node["items"], root)
            kinds = _types(item)
            each = _TYPES[kinds[0]][1] if len(kinds) == 1 else "values"
            names.append(f"a list of {each}")
        else:
            names.append(_TYPES[kind][0])
    return " or ".join(names) or "any value"


def _types(node: dict[str, Any]) -> list[str]:
    kinds = node.get("type", [])
    return [kinds] if isinstance(kinds, str) else list(kinds)


def _resolved(node: dict[str, Any], root: dict[str, Any]) -> dict[str, Any]:
    """``node``, or what its local ``$ref`` (``#/$defs/NAME``) points to."""
    while "$ref" in node:
        node = _node(root, str(node["$ref"]).removeprefix("#/").split("/"), resolve=False)
    return node


def _node(root: dict[str, Any], keys: Sequence[str | int], resolve: bool = True) -> dict[str, Any]:
    """The subschema at ``keys`` (a schema path, as jsonschema reports it: without the
    ``$ref`` steps, which are followed here)."""
    node: Any = root
    for key in keys:
        node = _resolved(node, root) if resolve else node
        node = node[key]
    return _resolved(node, root) if resolve else node


def _at(document: Any, path: Sequence[str | int]) -> Any:
    for part in path:
        document = document[part]
    return document


def _dotted(path: Sequence[str | int]) -> str:
    """A JSON path as the messages write it: ``artifacts[0].sha256``."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _shown(value: Any, depth: int = 0) -> str:
    """A short JSON form of a wrong value: long strings, lists and objects are cut."""
    if isinstance(value, str):
        return json.dumps(value if len(value) <= _SHOWN else value[: _SHOWN - 3] + "...")
    if isinstance(value, bool | int | float) or value is None:
        text = json.dumps(value)
    elif isinstance(value, list):
        items = [_shown(v, depth + 1) for v in value[:3]] if depth < 2 else []
        text = "[" + ", ".join(items + ["..."] * (len(value) > len(items))) + "]"
    elif isinstance(value, dict):
        pairs = list(value.items())[:3] if depth < 2 else []
        items = [f"{json.dumps(str(k))}: {_shown(v, depth + 1)}" for k, v in pairs]
        text = "{" + ", ".join(items + ["..."] * (len(value) > len(items))) + "}"
    else:  # a TOML date or time
        text = str(value)
    return text if len(text) <= _SHOWN else text[: _SHOWN - 3] + "..."
