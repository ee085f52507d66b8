"""``--format json``: the whole report as deterministic JSON.

Sorted keys, compact separators, one trailing newline: deterministic like every chainproof
output, and written by the json module's C encoder (an indented dump uses the pure-Python
one, several times slower on a report of a thousand findings). Pipe through ``jq`` to read it.
"""

from __future__ import annotations

import json

from chainproof.audit.run import AuditRun

__all__ = ["AuditJsonFormat"]


class AuditJsonFormat:
    name = "json"

    def render(self, run: AuditRun) -> str:
        report = run.report
        text = json.dumps(
            report.to_json(), sort_keys=True, separators=(",", ":"), ensure_ascii=False
        )
        return text + "\n"
