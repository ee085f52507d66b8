"""``--format sarif``: SARIF 2.1.0, one rule per vulnerability and one result per finding.

Findings covered by a valid exception carry an accepted external suppression with its
reason; ``security-severity`` holds the CVSS score (or a score typical of the level) so code
scanning UIs sort them.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any
from urllib.parse import quote

from packaging.utils import canonicalize_name

from chainproof import __version__
from chainproof.audit.formats._text import evidence_text, path_text, severity_text
from chainproof.audit.inputs import AuditTarget
from chainproof.audit.report import Finding
from chainproof.audit.run import AuditRun
from chainproof.fileio import canonical_json

__all__ = ["SarifFormat"]

_SCHEMA = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
_LEVEL = {"critical": "error", "high": "error", "medium": "warning", "low": "note", "none": "note"}
_TYPICAL_SCORE = {"critical": 9.5, "high": 8.0, "medium": 5.5, "low": 2.0, "none": 0.0}


def _check_rule(finding: Finding) -> dict[str, Any]:
    """A dependency check's rule: one per finding id (``hashes.mismatch``)."""
    return {
        "id": finding.id,
        "name": "".join(w.capitalize() for w in finding.id.replace(".", "-").split("-")),
        "shortDescription": {"text": finding.id},
        "fullDescription": {"text": finding.summary},
        "help": {"text": finding.remedy or finding.summary},
        "defaultConfiguration": {"level": _LEVEL[finding.rating.level]},
        "properties": {
            "tags": ["security", "supply-chain", finding.check],
            "security-severity": f"{_TYPICAL_SCORE[finding.rating.level]:.1f}",
        },
    }


def _rule(finding: Finding) -> dict[str, Any]:
    if finding.check != "vulnerabilities":
        return _check_rule(finding)
    score = finding.rating.score
    if score is None:
        score = _TYPICAL_SCORE[finding.rating.level]
    rule: dict[str, Any] = {
        "id": finding.id,
        "name": "VulnerableDependency",
        "shortDescription": {"text": finding.summary or finding.id},
        "fullDescription": {"text": finding.details or finding.summary or finding.id},
        "help": {"text": f"{finding.summary}\nIdentifiers: {', '.join(finding.ids)}."},
        "defaultConfiguration": {"level": _LEVEL[finding.rating.level]},
        "properties": {
            "tags": ["security", "vulnerability", "dependency"],
            "security-severity": f"{score:.1f}",
            "aliases": list(finding.aliases),
        },
    }
    if finding.references:
        rule["helpUri"] = finding.references[0]
    return rule


_NAME_AT_START = re.compile(r'^\s*(?:name\s*=\s*")?([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)')


def _line_of(target: AuditTarget, key: str) -> int | None:
    """The first line of a requirements or lock file naming the package ``key`` (PEP 503)."""
    path = Path(target.description)
    if not path.is_file() or path.suffix == ".json":
        return None
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return None
    for number, line in enumerate(lines, 1):
        match = _NAME_AT_START.match(line)
        if match and canonicalize_name(match[1]) == key:
            return number
    return None


def _uri(path: Path) -> str:
    """Relative to the working directory when the file is below it (as code scanning wants),
    else an absolute file URI."""
    absolute = path.resolve()
    try:
        return quote(absolute.relative_to(Path.cwd().resolve()).as_posix())
    except ValueError:
        return absolute.as_uri()


def _result(finding: Finding, target: AuditTarget, rule_index: int) -> dict[str, Any]:
    c = finding.component
    if finding.proposal is None:
        text = f"{finding.summary} {evidence_text(finding)}. {finding.remedy}".strip()
    else:
        text = (
            f"{c.name} {c.version} is affected by {finding.id} ({', '.join(finding.aliases)}), "
            f"severity {severity_text(finding)}; fixed in "
            f"{', '.join(finding.fixed_versions) or 'no release'}; proposal: "
            f"{finding.proposal.upgrade_to or 'no fix'}. "
            f"Path: {path_text(finding)}. {finding.proposal.explanation}"
        )
    result: dict[str, Any] = {
        "ruleId": finding.id,
        "ruleIndex": rule_index,
        "level": _LEVEL[finding.rating.level],
        "message": {"text": text},
        "partialFingerprints": {
            "chainproof/v1": hashlib.sha256(
                f"{finding.id}|{c.key}|{c.version}".encode()
            ).hexdigest()
        },
        "properties": {
            "package": c.name,
            "version": c.version,
            "purl": c.purl,
            "check": finding.check,
            "fixedVersions": list(finding.fixed_versions),
            "proposal": finding.proposal.upgrade_to if finding.proposal else None,
            "path": list(finding.path),
            "evidence": dict(finding.evidence),
        },
    }
    if Path(target.description).is_file():
        location: dict[str, Any] = {"artifactLocation": {"uri": _uri(Path(target.description))}}
        line = _line_of(target, c.key)
        if line is not None:
            location["region"] = {"startLine": line}
        result["locations"] = [{"physicalLocation": location}]
    if finding.exception is not None:
        e = finding.exception
        result["suppressions"] = [
            {
                "kind": "external",
                "status": "accepted",
                "justification": f"{e.reason} (approved by {e.approver}, expires "
                f"{e.expires.isoformat()}{', ' + e.ticket if e.ticket else ''})",
            }
        ]
    return result


class SarifFormat:
    name = "sarif"

    def render(self, run: AuditRun) -> str:
        report, target = run.report, run.target
        rules: dict[str, int] = {}
        rule_list: list[dict[str, Any]] = []
        for finding in report.findings:
            if finding.id not in rules:
                rules[finding.id] = len(rule_list)
                rule_list.append(_rule(finding))
        document = {
            "$schema": _SCHEMA,
            "version": "2.1.0",
            "runs": [
                {
                    "tool": {
                        "driver": {
                            "name": "chainproof",
                            "version": __version__,
                            "rules": rule_list,
                        }
                    },
                    "results": [_result(f, target, rules[f.id]) for f in report.findings],
                    "invocations": [
                        {
                            "executionSuccessful": True,
                            "toolExecutionNotifications": [
                                {"level": "warning", "message": {"text": text}}
                                for text in (
                                    *report.warnings,
                                    *(
                                        f"Not checked ({u.check}): {u.package} "
                                        f"{u.version or ''}: {u.reason}"
                                        for u in report.unchecked
                                    ),
                                )
                            ],
                        }
                    ],
                    "properties": {
                        "database": {
                            "source": report.db.source,
                            "snapshotDate": report.db.snapshot_date,
                        }
                        if report.db
                        else None,
                        "checks": [
                            {**c.to_json(), "status": report.status_of(c.id)} for c in report.checks
                        ],
                    },
                }
            ],
        }
        return canonical_json(document)
