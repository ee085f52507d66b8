"""Output formats of an audit report: one Protocol and its implementations beside it.

Each format renders a finished :class:`~chainproof.audit.report.AuditReport` (and the
:class:`~chainproof.audit.inputs.AuditTarget` it came from) to text; the CLI decides where
the text goes. Implementations import their heavy libraries only when they render.
"""

from __future__ import annotations

from importlib import import_module
from typing import Protocol

from chainproof.audit.inputs import AuditTarget
from chainproof.audit.report import AuditReport
from chainproof.errors import UsageError

__all__ = ["FORMATS", "OutputFormat", "get_format"]


class OutputFormat(Protocol):
    """Renders a report; ``name`` is the value of ``--format``."""

    name: str

    def render(self, report: AuditReport, target: AuditTarget) -> str: ...


FORMATS = {
    "table": "chainproof.audit.formats.table:TableFormat",
    "json": "chainproof.audit.formats.json_report:JsonFormat",
    "cyclonedx": "chainproof.audit.formats.vex:CycloneDXFormat",
    "sarif": "chainproof.audit.formats.sarif:SarifFormat",
    "markdown": "chainproof.audit.formats.markdown:MarkdownFormat",
}


def get_format(name: str) -> OutputFormat:
    """The format called ``name`` (table, json, cyclonedx, sarif, markdown)."""
    spec = FORMATS.get(name.lower())
    if spec is None:
        raise UsageError(f"--format must be one of {', '.join(FORMATS)}, not {name!r}.")
    module, _, cls = spec.partition(":")
    factory: type[OutputFormat] = getattr(import_module(module), cls)
    return factory()
