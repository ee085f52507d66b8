"""The output-format plug point of every report a command prints or writes: an
``OutputFormat[R]`` turns a finished report of type R into text, and the CLI decides where the
text goes (stdout or ``-o FILE``). Audit reports have five (``chainproof.audit.formats``),
verification reports a table (``chainproof.verify.formats``), and every report with a
``to_json()`` has ``JsonFormat``. A new format is one class with ``name`` and ``render``."""

from __future__ import annotations

import json
from typing import Any, Protocol, TypeVar

__all__ = ["JsonFormat", "OutputFormat", "ToJson", "json_text"]

R_contra = TypeVar("R_contra", contravariant=True)


class OutputFormat(Protocol[R_contra]):
    """Renders a report; ``name`` is the value of ``--format``."""

    @property
    def name(self) -> str: ...

    def render(self, report: R_contra) -> str: ...


class ToJson(Protocol):
    def to_json(self) -> Any: ...


class JsonFormat:
    """Any report's ``to_json()`` as indented JSON with sorted keys (stable across runs)."""

    name = "json"

    def render(self, report: ToJson) -> str:
        return json_text(report.to_json())


def json_text(data: Any) -> str:
    """One JSON document, indented, keys sorted: the same bytes on every run."""
    return json.dumps(data, indent=2, sort_keys=True) + "\n"
