"""What ``--fix`` asks the resolver for: one upgrade per vulnerable package that has a
proposal, with the findings it closes; what has no proposal stays open, with the reason."""

from __future__ import annotations

from dataclasses import dataclass

from chainproof.audit.relock import Upgrade
from chainproof.audit.report import AuditReport, Finding

__all__ = ["FixPlan", "Upgrade", "plan_fix"]


@dataclass(frozen=True)
class FixPlan:
    upgrades: tuple[Upgrade, ...]
    open: tuple[tuple[Finding, str], ...]  # (finding, why no upgrade closes it)


def plan_fix(report: AuditReport) -> FixPlan:
    """The upgrades that close the report's active vulnerability and malicious findings."""
    upgrades: dict[str, Upgrade] = {}
    still_open: list[tuple[Finding, str]] = []
    for finding in report.active:
        if finding.check not in ("vulnerabilities", "malicious"):
            continue
        if finding.check == "malicious":
            still_open.append((finding, "a malicious package is removed, not upgraded"))
            continue
        proposal = finding.proposal  # its specifier: ==V, or a range such as >=80.0
        if proposal is None or proposal.specifier is None:
            still_open.append(
                (finding, proposal.explanation if proposal else "no upgrade is known")
            )
            continue
        specifier = proposal.specifier
        key = finding.component.key
        known = upgrades.get(key)
        ids = (*(known.advisories if known else ()), finding.id)
        upgrades[key] = Upgrade(key, finding.component.version, specifier, ids)
    return FixPlan(tuple(sorted(upgrades.values(), key=lambda u: u.package)), tuple(still_open))
