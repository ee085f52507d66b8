"""What a scan found: findings that name the archive, the member and the line, each with a
fingerprint that an exception can name; what the policy's exceptions did; what did not run."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from chainproof.errors import FindingsOverThreshold
from chainproof.formats.audit_policy import LEVELS, AuditException

__all__ = ["ScanFinding", "ScanReport", "apply_exceptions"]


@dataclass(frozen=True)
class ScanFinding:
    """One finding: ``id`` is "check.rule" (``secrets.aws``, ``credentials.netrc``,
    ``stray.untracked``, ``archive.too-large``); ``shown`` is masked, never the secret."""

    id: str
    archive: str  # the archive's file name
    member: str  # the path inside it
    line: int | None
    severity: str
    summary: str
    fingerprint: str
    shown: str = ""
    remedy: str = ""
    exception: AuditException | None = None

    @property
    def check(self) -> str:
        return self.id.split(".", 1)[0]

    @property
    def where(self) -> str:
        line = f":{self.line}" if self.line is not None else ""
        return f"{self.archive}!{self.member}{line}"

    def sort_key(self) -> tuple[str, str, int, str, str]:
        return (self.archive, self.member, self.line or 0, self.id, self.fingerprint)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "check": self.check,
            "archive": self.archive,
            "member": self.member,
            "line": self.line,
            "severity": self.severity,
            "summary": self.summary,
            "fingerprint": self.fingerprint,
            "shown": self.shown,
            "remedy": self.remedy,
            "suppressed": self.exception is not None,
            "exception": self.exception.to_json() if self.exception else None,
        }


@dataclass(frozen=True)
class ScanReport:
    archives: tuple[str, ...]
    members: int
    bytes_read: int  # uncompressed member data
    findings: tuple[ScanFinding, ...]
    fail_on: str
    checks: tuple[tuple[str, str], ...]  # (check, "" when it ran, else why not)
    unused_exceptions: tuple[AuditException, ...] = ()
    expired_exceptions: tuple[AuditException, ...] = ()

    @property
    def active(self) -> tuple[ScanFinding, ...]:
        return tuple(f for f in self.findings if f.exception is None)

    @property
    def over_threshold(self) -> tuple[ScanFinding, ...]:
        rank = LEVELS.index(self.fail_on)
        return tuple(f for f in self.active if LEVELS.index(f.severity) >= rank)

    def raise_if_failed(self, hint: str) -> None:
        over = self.over_threshold
        if not over:
            return
        first = over[0]
        more = f" and {len(over) - 1} more" if len(over) > 1 else ""
        raise FindingsOverThreshold(
            f"The scan found {len(over)} finding(s) at or above {self.fail_on}: "
            f"{first.id} in {first.where}{more}.",
            hint=hint,
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "archives": list(self.archives),
            "members": self.members,
            "bytes": self.bytes_read,
            "fail_on": self.fail_on,
            "passed": not self.over_threshold,
            "checks": [{"id": c, "ran": not why, "reason": why or None} for c, why in self.checks],
            "findings": [f.to_json() for f in self.findings],
            "unused_exceptions": [e.to_json() for e in self.unused_exceptions],
            "expired_exceptions": [e.to_json() for e in self.expired_exceptions],
        }


def apply_exceptions(
    findings: list[ScanFinding], exceptions: tuple[AuditException, ...], today: date
) -> tuple[list[ScanFinding], list[AuditException], list[AuditException]]:
    """Suppress each finding an unexpired exception names by fingerprint; also return the
    exceptions that matched nothing and those that expired."""
    valid = {e.id: e for e in exceptions if not e.expired(today)}
    expired = [e for e in exceptions if e.expired(today)]
    used: set[str] = set()
    out = []
    for finding in findings:
        exception = valid.get(finding.fingerprint)
        if exception is not None:
            used.add(exception.id)
            finding = replace(finding, exception=exception)
        out.append(finding)
    unused = [e for e in valid.values() if e.id not in used]
    return out, unused, expired
