"""The report's tables as plain text cells, shared by the page and the Markdown."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from chainproof.report.figures import SEVERITIES, ProjectReport, plural

__all__ = ["OPTIONAL", "Table", "tables"]

OPTIONAL = ("released", "skipped")  # tables left out when they have no row


@dataclass(frozen=True)
class Table:
    key: str  # a stable id (the page's element ids)
    title: str
    intro: str
    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    empty: str  # said instead of an empty table


def _tests(tests: dict[str, Any] | None) -> str:
    if tests is None:
        return "not recorded"
    return (
        f"{'passed' if tests['passed'] else 'failed'}: {tests['command']} ({tests['seconds']:g} s)"
    )


def _day(text: str | None) -> str:
    return text[:10] if text else "—"


def _days(value: float | None) -> str:
    return "—" if value is None else f"{value:g}"


def tables(report: ProjectReport) -> list[Table]:
    data = report.to_json()
    overall, per = report.fix_times()
    not_counted = data["time_to_fix"]["not_counted"]
    found = [
        Table(
            "open",
            "Open findings",
            "Each vulnerability that affects a version locked now, most severe and oldest first.",
            ("Severity", "Advisory", "Package", "Locked", "Open since", "Age (days)", "Summary"),
            tuple(
                (
                    f["severity"].capitalize(),
                    f["id"],
                    f["package"],
                    ", ".join(f["versions"]),
                    _day(f["detected"])
                    + (" (exception expired)" if f["detected_by"] == "expired exception" else ""),
                    str(int(f["days"])),
                    f["summary"],
                )
                for f in data["open"]["findings"]
            ),
            "No finding is open.",
        ),
        Table(
            "time-to-fix",
            "Time to fix",
            "Days from detection to resolution (a fix, or an exception granted), over the "
            "findings resolved within the history read."
            + (
                f" {plural(not_counted, 'finding')} began before it and "
                f"{'is' if not_counted == 1 else 'are'} not counted."
                if not_counted
                else ""
            ),
            ("Severity", "Resolved", "Mean", "Median", "95th percentile"),
            tuple(
                (
                    label,
                    str(t.count),
                    _days(t.mean),
                    _days(t.median),
                    _days(t.p95),
                )
                for label, t in [
                    *((level.capitalize(), per[level]) for level in SEVERITIES if per[level].count),
                    ("All", overall),
                ]
            )
            if overall.count
            else (),
            "No finding has been resolved yet.",
        ),
        Table(
            "released",
            "Released versions",
            "Vulnerabilities in the versions already released (their SBOMs), as known today.",
            ("Severity", "Advisory", "Package", "Version", "Release", "Status"),
            tuple(
                (
                    r["severity"].capitalize(),
                    r["id"],
                    r["package"],
                    r["version"],
                    r["release"],
                    "Excepted" if r["excepted"] else "Open",
                )
                for r in data["released"]
            ),
            "No released version is affected.",
        ),
        Table(
            "exceptions",
            "Exceptions",
            "Vulnerabilities the policy accepts for a while, with who approved them.",
            ("Advisory", "Package", "Approver", "Reason", "Expires", "Days left", "Status"),
            tuple(
                (
                    e["id"],
                    e["package"],
                    e["approver"],
                    e["reason"],
                    e["expires"][:10],
                    str(e["days_to_expiry"]),
                    "Expired" if e["expired"] else "Valid",
                )
                for e in data["exceptions"]
            ),
            "The policy grants no exception.",
        ),
        Table(
            "fixes",
            "Fixes",
            "The commits that fixed findings by changing a lock file, and the tests the change "
            "passed when chainproof audit --fix made it (its remediation record).",
            ("Date", "Commit", "Change", "Fixed", "Tests"),
            tuple(
                (
                    _day(r["date"]),
                    r["commit"][:12],
                    r["subject"],
                    "; ".join(
                        f"{x['id']}: {x['package']} {x['from']} → {x['to'] or 'removed'}"
                        for x in r["fixed"]
                    ),
                    _tests(r["tests"]),
                )
                for r in data["remediations"]
            ),
            "No fix is in the history read.",
        ),
        Table(
            "checks",
            "Dependency checks now",
            "The checks of chainproof audit over the current lock files, offline.",
            ("Check", "Status", "Note"),
            tuple((c["id"], c["status"], c["reason"] or "") for c in data["checks"]),
            "No current lock file was checked.",
        ),
        Table(
            "skipped",
            "Lock files that could not be read",
            "Old versions of lock files or policies that did not read; the report skipped them.",
            ("File", "Commit", "Why"),
            tuple((s["path"], s["commit"][:12], s["reason"]) for s in data["history"]["skipped"]),
            "Every lock file in the history was read.",
        ),
    ]
    return found
