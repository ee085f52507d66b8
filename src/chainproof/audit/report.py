"""The result of an audit: findings (one per vulnerability and package, aliases merged),
packages that could not be checked, and what the policy's exceptions did."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from chainproof.audit.db import DbStatus
from chainproof.audit.remediation import Proposal
from chainproof.audit.severity import Rating, level_rank
from chainproof.formats.audit_policy import AuditException
from chainproof.models import Component, none_first

__all__ = ["AuditReport", "CheckStatus", "Finding", "Unchecked"]


@dataclass(frozen=True)
class Finding:
    """One finding of any check: what (``id``, ``check``), about which package, how severe,
    the evidence and the remedy. A vulnerability also carries its advisory's details."""

    id: str  # a vulnerability's primary id (PYSEC, then GHSA, then CVE), or "check.rule"
    component: Component
    summary: str
    rating: Rating
    check: str = "vulnerabilities"
    evidence: tuple[tuple[str, str], ...] = ()  # (what, value): the facts behind the finding
    remedy: str = ""
    bom_ref: str | None = None
    aliases: tuple[str, ...] = ()  # every other id of the same vulnerability
    details: str = ""
    ratings: tuple[Rating, ...] = ()
    fixed_versions: tuple[str, ...] = ()
    references: tuple[str, ...] = ()
    path: tuple[str, ...] = ()  # from a direct requirement to the package; () if not reachable
    proposal: Proposal | None = None  # vulnerabilities: the upgrade that fixes it
    exception: AuditException | None = None  # a valid exception: the finding is suppressed
    expired_exception: AuditException | None = None  # an expired one: no longer suppresses
    published: str | None = None
    modified: str | None = None

    @property
    def ids(self) -> tuple[str, ...]:
        return (self.id, *self.aliases)

    @property
    def suppressed(self) -> bool:
        return self.exception is not None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "check": self.check,
            "aliases": list(self.aliases),
            "package": self.component.name,
            "version": self.component.version,
            "purl": self.component.purl,
            "build_only": self.component.build_only,
            "summary": self.summary,
            "severity": {
                "level": self.rating.level,
                "method": self.rating.method,
                "score": self.rating.score,
                "vector": self.rating.vector,
                "source": self.rating.source,
            },
            "fixed_versions": list(self.fixed_versions),
            "path": list(self.path),
            "proposal": self.proposal.to_json() if self.proposal else None,
            "evidence": {what: value for what, value in self.evidence},
            "remedy": self.remedy,
            "suppressed": self.suppressed,
            "exception": self.exception.to_json() if self.exception else None,
            "expired_exception": (
                self.expired_exception.to_json() if self.expired_exception else None
            ),
            "references": list(self.references),
        }


@dataclass(frozen=True)
class Unchecked:
    package: str
    version: str | None
    reason: str
    check: str = "vulnerabilities"

    def sort_key(self) -> tuple[str, tuple[bool, str], str, str]:
        return (self.package, none_first(self.version), self.check, self.reason)

    def to_json(self) -> dict[str, Any]:
        return {
            "package": self.package,
            "version": self.version,
            "check": self.check,
            "reason": self.reason,
        }


@dataclass(frozen=True)
class CheckStatus:
    """Whether a check ran over the input, and why not when it did not."""

    id: str
    ran: bool
    reason: str = ""  # why it did not run, or what it could not do (offline)

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "ran": self.ran, "reason": self.reason or None}


@dataclass(frozen=True)
class AuditReport:
    target: str
    db: DbStatus | None  # None: the vulnerabilities check did not run
    fail_on: str
    checked: int
    findings: tuple[Finding, ...]
    unchecked: tuple[Unchecked, ...]
    unused_exceptions: tuple[AuditException, ...]
    warnings: tuple[str, ...]
    timestamp: str  # RFC 3339; SOURCE_DATE_EPOCH when set
    expiry_clock: date  # when exceptions were judged (the real clock)
    fail_on_unchecked: bool = False
    checks: tuple[CheckStatus, ...] = (CheckStatus("vulnerabilities", True),)

    def findings_of(self, check: str) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.check == check)

    def status_of(self, check: str) -> str:
        """ "passed", "failed", "not checked" (did not run) or "partly checked", for people."""
        status = next((c for c in self.checks if c.id == check), None)
        if status is None or not status.ran:
            return "not checked"
        if any(not f.suppressed and f.rating.level != "none" for f in self.findings_of(check)):
            return "failed"  # a finding of severity "none" is a note
        if any(u.check == check for u in self.unchecked):
            return "partly checked"
        return "passed"

    @property
    def active(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if not f.suppressed)

    @property
    def over_threshold(self) -> tuple[Finding, ...]:
        """The active findings at or above ``fail_on``, and every malicious package."""
        rank = level_rank(self.fail_on)
        return tuple(
            f for f in self.active if f.check == "malicious" or level_rank(f.rating.level) >= rank
        )

    @property
    def expired(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.expired_exception is not None)

    def failure(self) -> str | None:
        """One sentence saying why the run fails, or None when it passes."""
        reasons: list[str] = []
        over = self.over_threshold
        if over:
            reasons.append(
                f"{len(over)} finding{'s' if len(over) != 1 else ''} at or above {self.fail_on}"
            )
        expired = self.expired
        if expired:
            listed = ", ".join(
                f"{f.expired_exception.id}"
                f"{'' if f.expired_exception.id == f.id else f' ({f.id})'} for "
                f"{f.component.name} (expired {f.expired_exception.expires.isoformat()})"
                for f in expired
                if f.expired_exception
            )
            reasons.append(f"expired exception{'s' if len(expired) != 1 else ''}: {listed}")
        if self.fail_on_unchecked and self.unchecked:
            reasons.append(f"{len(self.unchecked)} package(s) could not be checked")
        if not reasons:
            return None
        return "The audit failed: " + "; ".join(reasons) + "."

    def to_json(self) -> dict[str, Any]:
        return {
            "target": self.target,
            "database": {
                "source": self.db.source,
                "snapshot_date": self.db.snapshot_date,
                "advisories": self.db.advisories,
            }
            if self.db
            else None,
            "fail_on": self.fail_on,
            "checks": [{**c.to_json(), "status": self.status_of(c.id)} for c in self.checks],
            "checked": self.checked,
            "findings": [f.to_json() for f in self.findings],
            "unchecked": [u.to_json() for u in self.unchecked],
            "unused_exceptions": [e.to_json() for e in self.unused_exceptions],
            "warnings": list(self.warnings),
            "passed": self.failure() is None,
            "failure": self.failure(),
        }
