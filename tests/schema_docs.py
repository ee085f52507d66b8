"""The reference of chainproof's own files in docs/formats.md, rendered from their JSON Schemas.

Each schema's table sits between two markers; ``python -m tests.schema_docs`` rewrites them,
and tests/test_schemas.py fails when the page and the schemas disagree.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from chainproof.formats.schema import SCHEMAS, expected, load_schema

__all__ = ["FORMATS_PAGE", "rendered_page", "table"]

FORMATS_PAGE = Path(__file__).resolve().parent.parent / "docs" / "formats.md"
_BEGIN = "<!-- schema {name}: rendered by `python -m tests.schema_docs`, do not edit -->"
_END = "<!-- end of schema {name} -->"


def _rows(node: dict[str, Any], root: dict[str, Any], prefix: str) -> Iterator[list[str]]:
    """One row per property, depth first: objects' properties, then a list's items' ones."""
    required = node.get("required", [])
    for key, child in node.get("properties", {}).items():
        name = f"{prefix}.{key}" if prefix else key
        needed = "yes" if key in required else "no"
        yield [f"`{name}`", expected(child, root), needed, child.get("description", "")]
        yield from _rows(child, root, name)
        items = child.get("items")
        if isinstance(items, dict):
            yield from _rows(items, root, f"{name}[]")


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def table(name: str) -> str:
    """The Markdown of schema ``name``: its description, where it is, a table of its keys."""
    schema = load_schema(name)
    lines = [
        schema["description"],
        "",
        f"Schema: [{name}.schema.json](../src/chainproof/formats/schemas/{name}.schema.json), "
        f"`$id` `{schema['$id']}`.",
        "",
        "| key | value | required | description |",
        "|---|---|---|---|",
    ]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in _rows(schema, schema, "")]
    return "\n".join(lines)


def rendered_page(text: str) -> str:
    """``text`` (docs/formats.md) with every schema's table rendered anew between its
    markers; a marker missing is an AssertionError."""
    for name in SCHEMAS:
        begin, end = _BEGIN.format(name=name), _END.format(name=name)
        pattern = re.compile(re.escape(begin) + r"\n.*?\n" + re.escape(end), re.S)
        found = pattern.search(text)
        assert found, f"{FORMATS_PAGE.name} has no markers for schema {name}"
        rendered = f"{begin}\n\n{table(name)}\n\n{end}"
        text = text[: found.start()] + rendered + text[found.end() :]
    return text


if __name__ == "__main__":
    page = FORMATS_PAGE.read_text(encoding="utf-8")
    FORMATS_PAGE.write_text(rendered_page(page), encoding="utf-8")
