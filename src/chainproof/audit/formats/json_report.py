"""``--format json``: the whole report as deterministic JSON."""

from __future__ import annotations

from chainproof.audit.inputs import AuditTarget
from chainproof.audit.report import AuditReport
from chainproof.fileio import canonical_json

__all__ = ["JsonFormat"]


class JsonFormat:
    name = "json"

    def render(self, report: AuditReport, target: AuditTarget) -> str:
        return canonical_json(report.to_json())
