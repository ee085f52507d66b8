"""Plain-text pieces shared by the human-readable formats (table, markdown)."""

from __future__ import annotations

from collections.abc import Sequence

from chainproof.audit.remediation import Proposal
from chainproof.audit.report import AuditReport, Finding, Unchecked


def severity_text(finding: Finding) -> str:
    rating = finding.rating
    if finding.check != "vulnerabilities":  # a check's own level, or the policy's
        return f"{rating.level} (policy)" if rating.method == "policy" else rating.level
    if rating.method == "policy":
        return f"{rating.level} (unrated; policy default)"
    if rating.score is not None:
        return f"{rating.level} ({rating.score:g} {rating.method})"
    return f"{rating.level} ({rating.method})"


def status_text(finding: Finding) -> str:
    if finding.exception is not None:
        e = finding.exception
        ticket = f", {e.ticket}" if e.ticket else ""
        return f"excepted until {e.expires.isoformat()} by {e.approver}{ticket}: {e.reason}"
    if finding.expired_exception is not None:
        return f"exception expired on {finding.expired_exception.expires.isoformat()}"
    return "open"


def path_text(finding: Finding) -> str:
    if finding.component.build_only:
        return "build environment only (not shipped)"
    if not finding.path:
        return "not reached from a direct requirement"
    return " → ".join(finding.path)


def evidence_text(finding: Finding) -> str:
    return "; ".join(f"{what}: {value}" for what, value in finding.evidence if value)


def checks_line(report: AuditReport) -> str:
    """ "Checks: vulnerabilities passed; hashes partly checked (offline: ...); ..."."""
    parts = []
    for status in report.checks:
        state = report.status_of(status.id)
        parts.append(f"{status.id} {state}" + (f" ({status.reason})" if status.reason else ""))
    return "Checks: " + "; ".join(parts) + "."


def summary_line(report: AuditReport) -> str:
    active, suppressed = len(report.active), len(report.findings) - len(report.active)
    parts = [
        f"{active} open finding(s)",
        f"{suppressed} excepted",
    ]
    if report.db is not None:
        parts.insert(
            0,
            f"{report.checked} package(s) checked against {report.db.advisories:,} advisories "
            f"(snapshot {report.db.snapshot_date or 'undated'})",
        )
    if report.unchecked:
        parts.append(f"{len(report.unchecked)} not checked")
    return "; ".join(parts) + "."


_LISTED = 3  # packages named one a line; more with one reason are counted in one line


def _grouped(unchecked: Sequence[Unchecked]) -> list[tuple[tuple[str, str], list[str]]]:
    """Packages not checked, by (check, reason), in the report's order."""
    groups: dict[tuple[str, str], list[str]] = {}
    for u in unchecked:
        groups.setdefault((u.check, u.reason), []).append(
            f"{u.package} {u.version}" if u.version else u.package
        )
    return list(groups.items())


def notes(report: AuditReport) -> list[str]:
    """Exceptions that did nothing or expired, unchecked packages and warnings, as sentences."""
    lines = [f"Warning: {w}" for w in report.warnings]
    for (check, reason), packages in _grouped(report.unchecked):
        label = "" if check == "vulnerabilities" else f" ({check})"
        if len(packages) <= _LISTED:
            lines += [f"Not checked{label}: {p}: {reason}." for p in packages]
        else:
            shown = ", ".join(packages[:_LISTED])
            more = len(packages) - _LISTED
            lines.append(
                f"Not checked{label}: {len(packages)} packages ({shown} and {more} more): {reason}."
            )
    for f in report.expired:
        if f.expired_exception is not None:
            lines.append(
                f"Expired exception: {f.expired_exception.id} for {f.component.name} "
                f"expired on {f.expired_exception.expires.isoformat()} and no longer "
                "suppresses the finding."
            )
    for e in report.unused_exceptions:
        lines.append(
            f"Unused exception: {e.id} for {e.package} matched no finding"
            f"{' (and has expired)' if e.expired(report.expiry_clock) else ''}."
        )
    return lines


def proposals(report: AuditReport) -> list[Proposal]:
    """The upgrade proposals of the open vulnerabilities, once each."""
    found = {f.proposal for f in report.active if f.proposal is not None}
    return sorted(found, key=lambda p: (p.package, p.current))
