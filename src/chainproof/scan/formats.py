"""The formats of ``chainproof scan``: table, json, sarif, markdown. Every one shows a
secret only masked (the report never holds it whole)."""

from __future__ import annotations

from typing import Any

from chainproof import __version__
from chainproof.errors import UsageError
from chainproof.rendering import JsonFormat, OutputFormat, json_text
from chainproof.scan.report import ScanFinding, ScanReport

__all__ = ["FORMATS", "ScanMarkdown", "ScanSarif", "ScanTable", "scan_format"]

_LEVEL = {"critical": "error", "high": "error", "medium": "warning", "low": "note"}
_SCORE = {"critical": "9.5", "high": "8.0", "medium": "5.5", "low": "2.0"}


def _status(report: ScanReport) -> list[str]:
    lines = [
        f"Scanned {len(report.archives)} archive(s), {report.members} members, "
        f"{report.bytes_read} bytes: {len(report.active)} finding(s), "
        f"{len(report.findings) - len(report.active)} excepted; fail-on {report.fail_on}."
    ]
    lines += [f"Not checked: {check} ({why})." for check, why in report.checks if why]
    lines += [
        f"Expired exception: {e.id} (expired {e.expires})." for e in report.expired_exceptions
    ]
    lines += [f"Unused exception: {e.id}." for e in report.unused_exceptions]
    return lines


def _row(finding: ScanFinding) -> str:
    excepted = f" [excepted: {finding.exception.reason}]" if finding.exception else ""
    return (
        f"{finding.severity:<8} {finding.id:<26} {finding.where}  {finding.summary}"
        f"  fingerprint {finding.fingerprint}{excepted}"
    )


class ScanTable:
    name = "table"

    def render(self, report: ScanReport) -> str:
        return "\n".join([*(_row(f) for f in report.findings), *_status(report)]) + "\n"


class ScanMarkdown:
    name = "markdown"

    def render(self, report: ScanReport) -> str:
        lines = ["# chainproof scan", "", *(f"- {s}" for s in _status(report)), ""]
        if report.findings:
            lines += [
                "| Severity | Finding | Where | What | Fingerprint |",
                "|---|---|---|---|---|",
            ]
            for f in report.findings:
                what = f.summary.replace("|", "\\|")
                if f.exception:
                    what += f" (excepted: {f.exception.reason})"
                lines.append(
                    f"| {f.severity} | `{f.id}` | `{f.where}` | {what} | `{f.fingerprint}` |"
                )
        return "\n".join(lines) + "\n"


class ScanSarif:
    name = "sarif"

    def render(self, report: ScanReport) -> str:
        rules = {f.id: f for f in report.findings}
        return json_text(
            {
                "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
                "version": "2.1.0",
                "runs": [
                    {
                        "tool": {
                            "driver": {
                                "name": "chainproof scan",
                                "version": __version__,
                                "rules": [_rule(f) for f in rules.values()],
                            }
                        },
                        "results": [_result(f) for f in report.findings],
                    }
                ],
            }
        )


def _rule(finding: ScanFinding) -> dict[str, Any]:
    return {
        "id": finding.id,
        "shortDescription": {"text": finding.id},
        "help": {"text": finding.remedy or finding.summary},
        "defaultConfiguration": {"level": _LEVEL[finding.severity]},
        "properties": {"security-severity": _SCORE[finding.severity]},
    }


def _result(finding: ScanFinding) -> dict[str, Any]:
    region = {"region": {"startLine": finding.line}} if finding.line else {}
    result: dict[str, Any] = {
        "ruleId": finding.id,
        "level": _LEVEL[finding.severity],
        "message": {"text": finding.summary},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": {"uri": f"{finding.archive}/{finding.member}"},
                    **region,
                }
            }
        ],
        "partialFingerprints": {"chainproofScan/v1": finding.fingerprint},
    }
    if finding.exception:
        result["suppressions"] = [
            {"kind": "external", "status": "accepted", "justification": finding.exception.reason}
        ]
    return result


FORMATS: dict[str, OutputFormat[ScanReport]] = {
    "table": ScanTable(),
    "json": JsonFormat(),
    "sarif": ScanSarif(),
    "markdown": ScanMarkdown(),
}


def scan_format(name: str) -> OutputFormat[ScanReport]:
    if name not in FORMATS:
        raise UsageError(f"--format must be one of {', '.join(FORMATS)}, not {name!r}.")
    return FORMATS[name]
