"""The audit policy: ``[audit]`` in chainproof.toml or ``[tool.chainproof.audit]``.

```toml
[audit]
fail-on = "high"            # low | medium | high | critical (default: low, i.e. any finding)
unrated = "high"            # level for advisories with no severity (default: high)
max-db-age-days = 30        # older advisory data is an error ...
stale-db = "error"          # ... or only a warning with "warn"
unchecked = "warn"          # "fail": a package that could not be checked fails the run

[[audit.exceptions]]
id = "PYSEC-2014-13"        # the advisory id or any alias (CVE, GHSA)
package = "requests"
reason = "We never follow redirects with credentials."
approver = "alice@example.com"
expires = 2025-06-30        # a TOML date or "YYYY-MM-DD": valid through that day (UTC);
                            # a TOML date-time expires at that instant
ticket = "SEC-123"          # optional
justification = "code_not_reachable"  # optional; CycloneDX VEX justification
```
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from packaging.utils import canonicalize_name

from chainproof.config import load_section
from chainproof.errors import InputError, UsageError

__all__ = ["AuditException", "AuditPolicy", "load_policy", "threshold"]

# Severity levels, lowest first (the thresholds and ratings of every audit).
LEVELS = ("none", "low", "medium", "high", "critical")
_JUSTIFICATIONS = (
    "code_not_present",
    "code_not_reachable",
    "requires_configuration",
    "requires_dependency",
    "requires_environment",
    "protected_by_compiler",
    "protected_at_runtime",
    "protected_at_perimeter",
    "protected_by_mitigating_control",
)
_THRESHOLDS = LEVELS[1:]
_KNOWN = {"fail-on", "unrated", "max-db-age-days", "stale-db", "unchecked", "exceptions"}
_EXCEPTION_KEYS = {"id", "package", "reason", "approver", "expires", "ticket", "justification"}


@dataclass(frozen=True)
class AuditException:
    """An audited decision to accept one vulnerability in one package until ``expires``."""

    id: str
    package: str  # normalised
    reason: str
    approver: str
    expires: date  # a date (valid through that day, UTC) or an aware datetime (that instant)
    ticket: str | None = None
    justification: str | None = None

    def expired(self, now: date) -> bool:
        """Has it expired at ``now``: an aware datetime, or a date (a whole UTC day)?"""
        if isinstance(now, datetime):
            now = now.astimezone(UTC)
            if isinstance(self.expires, datetime):
                return now >= self.expires
            return now.date() > self.expires
        if isinstance(self.expires, datetime):  # a day: expired once the instant fell in it
            return now >= self.expires.astimezone(UTC).date()
        return now > self.expires

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "package": self.package,
            "reason": self.reason,
            "approver": self.approver,
            "expires": self.expires.isoformat(),
            "ticket": self.ticket,
            "justification": self.justification,
        }


@dataclass(frozen=True)
class AuditPolicy:
    fail_on: str = "low"
    unrated: str = "high"
    max_db_age_days: int = 30
    stale_db: str = "error"  # error | warn
    unchecked: str = "warn"  # warn | fail
    exceptions: tuple[AuditException, ...] = field(default=())


def _choice(value: Any, allowed: tuple[str, ...], what: str, origin: str) -> str:
    if not isinstance(value, str) or value.lower() not in allowed:
        raise InputError(f"{what} in {origin} must be one of {', '.join(allowed)}, not {value!r}.")
    return value.lower()


def _exception(raw: Any, index: int, origin: str) -> AuditException:
    where = f"exception #{index + 1} in {origin}"
    if not isinstance(raw, dict):
        raise InputError(f"The {where} is not a table.")
    unknown = set(raw) - _EXCEPTION_KEYS
    if unknown:
        raise InputError(f"The {where} has unknown keys: {', '.join(sorted(unknown))}.")
    for key in ("id", "package", "reason", "approver", "expires"):
        if raw.get(key) in (None, ""):
            raise InputError(
                f"The {where} has no {key!r}; id, package, reason, approver and "
                "expires are required."
            )
    for key in ("id", "package", "reason", "approver", "ticket", "justification"):
        if key in raw and not isinstance(raw[key], str):
            raise InputError(f"{key!r} of the {where} must be a string.")
    expires = raw["expires"]
    if isinstance(expires, datetime):  # a TOML date-time: that instant (UTC when no offset)
        expires = (expires if expires.tzinfo else expires.replace(tzinfo=UTC)).astimezone(UTC)
    if isinstance(expires, str):
        try:
            expires = date.fromisoformat(expires)
        except ValueError:
            expires = None
    if not isinstance(expires, date):
        raise InputError(f"'expires' of the {where} must be a date (YYYY-MM-DD).")
    justification = raw.get("justification")
    if justification is not None:
        justification = _choice(
            justification, _JUSTIFICATIONS, f"'justification' of the {where}", origin
        )
    return AuditException(
        id=raw["id"].strip(),
        package=canonicalize_name(raw["package"]),
        reason=raw["reason"],
        approver=raw["approver"],
        expires=expires,
        ticket=raw.get("ticket"),
        justification=justification,
    )


def load_policy(explicit: Path | None = None, search_dir: Path | None = None) -> AuditPolicy:
    """Read ``[audit]``; defaults apply where the file (or the whole file) is absent."""
    table, path = load_section("audit", explicit, search_dir)
    origin = str(path) if path else "the policy"
    unknown = set(table) - _KNOWN
    if unknown:
        raise InputError(f"[audit] in {origin} has unknown keys: {', '.join(sorted(unknown))}.")
    max_age = table.get("max-db-age-days", AuditPolicy.max_db_age_days)
    if not isinstance(max_age, int) or isinstance(max_age, bool) or max_age < 0:
        raise InputError(f"max-db-age-days in {origin} must be a whole number of days.")
    raw_exceptions = table.get("exceptions", [])
    if not isinstance(raw_exceptions, list):
        raise InputError(f"exceptions in {origin} must be an array of tables.")
    return AuditPolicy(
        fail_on=_choice(table.get("fail-on", "low"), _THRESHOLDS, "fail-on", origin),
        unrated=_choice(table.get("unrated", "high"), LEVELS, "unrated", origin),
        max_db_age_days=max_age,
        stale_db=_choice(table.get("stale-db", "error"), ("error", "warn"), "stale-db", origin),
        unchecked=_choice(table.get("unchecked", "warn"), ("warn", "fail"), "unchecked", origin),
        exceptions=tuple(_exception(raw, i, origin) for i, raw in enumerate(raw_exceptions)),
    )


def threshold(value: str) -> str:
    """Validate a --fail-on value."""
    if value.lower() not in _THRESHOLDS:
        raise UsageError(f"--fail-on must be one of {', '.join(_THRESHOLDS)}, not {value!r}.")
    return value.lower()
