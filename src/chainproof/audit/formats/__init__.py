"""Output formats of an audit report: one Protocol and its implementations beside it.

Each format renders a finished audit (:class:`~chainproof.audit.run.AuditRun`: the report
and the input it came from) to text, through :class:`chainproof.rendering.OutputFormat`; the
CLI decides where the text goes. Implementations import their heavy libraries only when they render.
"""

from __future__ import annotations

from importlib import import_module

from chainproof.audit.run import AuditRun
from chainproof.errors import UsageError
from chainproof.lazy import submodule_loader
from chainproof.rendering import OutputFormat

__all__ = ["FORMATS", "AuditFormat", "get_format"]


# An audit format renders the report with the input it came from (the VEX output copies the
# input SBOM): chainproof.rendering's protocol over an AuditRun.
AuditFormat = OutputFormat[AuditRun]


FORMATS = {
    "table": "chainproof.audit.formats.table:TableFormat",
    "json": "chainproof.audit.formats.json_report:AuditJsonFormat",
    "cyclonedx": "chainproof.audit.formats.vex:CycloneDXFormat",
    "sarif": "chainproof.audit.formats.sarif:SarifFormat",
    "markdown": "chainproof.audit.formats.markdown:MarkdownFormat",
}


def get_format(name: str) -> AuditFormat:
    """The format called ``name`` (table, json, cyclonedx, sarif, markdown)."""
    spec = FORMATS.get(name.lower())
    if spec is None:
        raise UsageError(f"--format must be one of {', '.join(FORMATS)}, not {name!r}.")
    module, _, cls = spec.partition(":")
    factory: type[AuditFormat] = getattr(import_module(module), cls)
    return factory()


__getattr__ = submodule_loader(__name__)  # the formats' modules load on first use
