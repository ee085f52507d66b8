"""The audit policy: ``[audit]`` in chainproof.toml or ``[tool.chainproof.audit]``.

```toml
[audit]
fail-on = "high"            # low | medium | high | critical (default: low, i.e. any finding)
unrated = "high"            # level for advisories with no severity (default: high)
max-db-age-days = 30        # older advisory data is an error ...
stale-db = "error"          # ... or only a warning with "warn"
unchecked = "warn"          # "fail": a package that could not be checked fails the run

checks = ["vulnerabilities", "pins", "hashes", "sources"]   # which checks run (default: all)
min-release-age = "7d"      # and popular-names, extra-popular-names: docs/audit.md

[audit.severity]            # a check's or a finding id's severity (defaults: docs/audit.md)
"sources.unclaimed" = "low"

[audit.pins]
python = ["3.11", "3.12"]   # the targets every package must be pinned for (default: this
platforms = ["manylinux_2_17_x86_64", "win_amd64"]   # interpreter and machine)
allow-direct = ["acme-tool"]   # names (or globs) allowed as URL, VCS or path dependencies

[audit.sources]
indexes = ["https://pypi.acme.example/simple", "public"]   # the indexes packages may
                            # come from; "public" is the public index
hosts = ["files.acme.example"]   # more hosts files may come from (an index's own host is allowed)
public = "https://..."      # the public index names are checked against (default: PyPI)
[audit.sources.packages]
"acme-*" = "https://pypi.acme.example/simple"    # names (or globs) that must come from that index

[[audit.exceptions]]
id = "PYSEC-2014-13"        # the advisory id or any alias (CVE, GHSA), or a check's finding id
package = "requests"
reason = "We never follow redirects with credentials."
approver = "alice@example.com"
expires = 2025-06-30        # a TOML date or "YYYY-MM-DD": valid through that day (UTC);
                            # a TOML date-time expires at that instant
ticket = "SEC-123"          # optional
justification = "code_not_reachable"  # optional; CycloneDX VEX justification
```

``[audit.typosquats]``, ``[audit.licenses]`` and the keys of the age and typosquats checks are
read by :mod:`chainproof.formats.trust_policy`.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from packaging.utils import canonicalize_name

from chainproof.config import load_section
from chainproof.errors import InputError, UsageError
from chainproof.formats.trust_policy import (
    LicensesPolicy,
    TyposquatsPolicy,
    licence_ids,
    parse_age,
    path_setting,
)
from chainproof.redact import strip_credentials

__all__ = [
    "ADVISORY_CHECKS",
    "CHECKS",
    "OPT_IN_CHECKS",
    "PUBLIC",
    "AuditException",
    "AuditPolicy",
    "FixPolicy",
    "PinsPolicy",
    "SourcesPolicy",
    "index_key",
    "load_policy",
    "parse_checks",
    "parse_exception",
    "threshold",
]

# Every check an audit can run, in the order reports list them.
CHECKS = (
    "vulnerabilities",
    "malicious",
    "pins",
    "hashes",
    "sources",
    "typosquats",
    "status",
    "age",
    "licenses",
    "content",
)
# The checks that run only when asked for (--checks or the policy's checks): they download
# every locked file.
OPT_IN_CHECKS = ("content",)
# The checks the advisory database answers (the engine runs them, not the checks runner).
ADVISORY_CHECKS = ("vulnerabilities", "malicious")

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
_KNOWN = {
    "fail-on",
    "unrated",
    "max-db-age-days",
    "stale-db",
    "unchecked",
    "exceptions",
    "checks",
    "severity",
    "pins",
    "sources",
    "min-release-age",
    "popular-names",
    "extra-popular-names",
    "typosquats",
    "licenses",
    "fix",
}
_PINS_KEYS = {"python", "platforms", "allow-direct"}
_FIX_KEYS = {"test-command", "record"}
_SOURCES_KEYS = {"indexes", "hosts", "public", "packages"}
_LICENSES_KEYS = {"allow", "deny", "unknown"}
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


def index_key(url: str) -> str:
    """An index URL as compared: no credentials, lower-case scheme and host, no trailing
    slash (``https://U:P@Host/simple/`` and ``https://host/simple`` are one index)."""
    parts = urlsplit(strip_credentials(url.strip()))
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), parts.path.rstrip("/"), "", ""))


def _matches(pattern: str, key: str) -> bool:
    """A name (PEP 503 normalised) against an exact name or a glob (``acme-*``)."""
    if any(c in pattern for c in "*?["):
        return fnmatch.fnmatchcase(key, pattern.lower().replace("_", "-").replace(".", "-"))
    return canonicalize_name(pattern) == key


@dataclass(frozen=True)
class FixPolicy:
    """``[audit.fix]``: what ``audit --fix`` runs and where it records."""

    test_command: str | None = None  # the tests that decide whether an upgrade stays
    record: Path | None = None  # the remediation.jsonl to append to (relative: the policy's)


@dataclass(frozen=True)
class PinsPolicy:
    python: tuple[str, ...] = ()  # () : the running interpreter
    platforms: tuple[str, ...] = ()  # wheel platform tags; (): this machine
    allow_direct: tuple[str, ...] = ()  # names or globs

    def allows_direct(self, key: str) -> bool:
        return any(_matches(p, key) for p in self.allow_direct)


@dataclass(frozen=True)
class SourcesPolicy:
    """``[audit.sources]``: the indexes and file hosts packages may come from, and which
    names must come from which index (the internal ones)."""

    indexes: tuple[str, ...]  # index_key form
    hosts: tuple[str, ...] = ()  # lower-case host[:port]
    public: str | None = None  # index_key form; None: PyPI (the caller supplies it)
    packages: tuple[tuple[str, str], ...] = ()  # (name or glob, index_key)

    def with_public(self, url: str) -> SourcesPolicy:
        """The policy with "public" resolved to ``url`` (index_key form)."""

        def resolved(index: str) -> str:
            return url if index == PUBLIC else index

        return SourcesPolicy(
            tuple(resolved(i) for i in self.indexes),
            self.hosts,
            url,
            tuple((name, resolved(i)) for name, i in self.packages),
        )

    def required_index(self, key: str) -> str | None:
        """The index a package must come from: the first matching entry, exact names first."""
        exact = [i for p, i in self.packages if canonicalize_name(p) == key]
        globbed = [i for p, i in self.packages if _matches(p, key)]
        chosen = exact or globbed
        return chosen[0] if chosen else None


@dataclass(frozen=True)
class AuditPolicy:
    fail_on: str = "low"
    unrated: str = "high"
    max_db_age_days: int = 30
    stale_db: str = "error"  # error | warn
    unchecked: str = "warn"  # warn | fail
    exceptions: tuple[AuditException, ...] = field(default=())
    checks: tuple[str, ...] | None = None  # None: every check that applies to the input
    severity: tuple[tuple[str, str], ...] = ()  # (check or finding id, level)
    pins: PinsPolicy = field(default_factory=PinsPolicy)
    sources: SourcesPolicy | None = None
    min_release_age: timedelta | None = None  # None: the age check does not apply
    typosquats: TyposquatsPolicy = field(default_factory=TyposquatsPolicy)
    licenses: LicensesPolicy | None = None  # None: the licences check does not apply
    fix: FixPolicy = field(default_factory=FixPolicy)


def _choice(value: Any, allowed: tuple[str, ...], what: str, origin: str) -> str:
    if not isinstance(value, str) or value.lower() not in allowed:
        raise InputError(f"{what} in {origin} must be one of {', '.join(allowed)}, not {value!r}.")
    return value.lower()


def _exception(raw: Any, index: int, origin: str) -> AuditException:
    return parse_exception(raw, f"exception #{index + 1} in {origin}", origin)


def parse_exception(
    raw: Any, where: str, origin: str, id_key: str = "id", package_required: bool = True
) -> AuditException:
    """One ``[[...exceptions]]`` table: ``id_key`` (the finding's id, or the scan's
    fingerprint), package, reason, approver, expires, and optionally ticket and
    justification. ``package`` may be left out when ``package_required`` is False."""
    keys = {id_key if k == "id" else k for k in _EXCEPTION_KEYS}
    unknown = set(raw) - keys if isinstance(raw, dict) else set()
    if not isinstance(raw, dict):
        raise InputError(f"The {where} is not a table.")
    if unknown:
        raise InputError(f"The {where} has unknown keys: {', '.join(sorted(unknown))}.")
    required = (id_key, *(("package",) if package_required else ()), "reason", "approver")
    for key in (*required, "expires"):
        if raw.get(key) in (None, ""):
            raise InputError(
                f"The {where} has no {key!r}; {', '.join(required)} and expires are required."
            )
    for key in (id_key, "package", "reason", "approver", "ticket", "justification"):
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
        id=raw[id_key].strip(),
        package=canonicalize_name(raw["package"]) if raw.get("package") else "",
        reason=raw["reason"],
        approver=raw["approver"],
        expires=expires,
        ticket=raw.get("ticket"),
        justification=justification,
    )


def parse_checks(value: Any, origin: str) -> tuple[str, ...]:
    """A list of check ids (``--checks a,b`` or ``checks = [...]``), each known."""
    items = value.split(",") if isinstance(value, str) else value
    if not isinstance(items, list | tuple) or not all(isinstance(i, str) for i in items):
        raise InputError(f"checks in {origin} must be a list of check names.")
    chosen = tuple(dict.fromkeys(i.strip().lower() for i in items if i.strip()))
    unknown = [c for c in chosen if c not in CHECKS]
    if unknown or not chosen:
        named = f"unknown checks {', '.join(unknown)}" if unknown else "no check"
        raise InputError(f"checks in {origin} names {named}; the checks are {', '.join(CHECKS)}.")
    return chosen


def _strings(table: dict[str, Any], key: str, where: str) -> tuple[str, ...]:
    value = table.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise InputError(f"{key} in {where} must be a list of strings.")
    return tuple(v.strip() for v in value)


def _table(table: dict[str, Any], key: str, known: set[str], where: str) -> dict[str, Any]:
    value = table.get(key, {})
    if not isinstance(value, dict):
        raise InputError(f"[audit.{key}] in {where} must be a table.")
    unknown = set(value) - known
    if unknown:
        raise InputError(
            f"[audit.{key}] in {where} has unknown keys: {', '.join(sorted(unknown))}."
        )
    return value


# In ``indexes`` and ``packages``, the word "public" stands for the public index (``public``,
# else PyPI's), so that a policy need not spell it out.
PUBLIC = "public"


def _url(value: str, what: str, where: str) -> str:
    if value.strip().lower() == PUBLIC:
        return PUBLIC
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https", "file") or not (parts.netloc or parts.path):
        raise InputError(f"{what} {strip_credentials(value)!r} in {where} is not an index URL.")
    return index_key(value)


def _sources(table: dict[str, Any], origin: str) -> SourcesPolicy | None:
    if "sources" not in table:
        return None
    raw = _table(table, "sources", _SOURCES_KEYS, origin)
    indexes = tuple(_url(u, "The index", origin) for u in _strings(raw, "indexes", origin))
    public = raw.get("public")
    if public is not None and not isinstance(public, str):
        raise InputError(f"public in [audit.sources] of {origin} must be an index URL.")
    packages = raw.get("packages", {})
    if not isinstance(packages, dict) or not all(isinstance(v, str) for v in packages.values()):
        raise InputError(f"[audit.sources.packages] in {origin} must map names to index URLs.")
    mapped = tuple((name, _url(url, "The index", origin)) for name, url in packages.items())
    for name, url in mapped:
        if indexes and url not in indexes:
            raise InputError(
                f"[audit.sources.packages] in {origin} sends {name} to {url}, which is not "
                "one of the allowed indexes."
            )
    return SourcesPolicy(
        indexes=indexes,
        hosts=tuple(h.lower() for h in _strings(raw, "hosts", origin)),
        public=_url(public, "The public index", origin) if public else None,
        packages=mapped,
    )


def _severity(table: dict[str, Any], origin: str) -> tuple[tuple[str, str], ...]:
    raw = table.get("severity", {})
    if not isinstance(raw, dict):
        raise InputError(f"[audit.severity] in {origin} must be a table.")
    return tuple(
        (key.lower(), _choice(level, LEVELS, f"The severity of {key}", origin))
        for key, level in raw.items()
    )


def _typosquats(table: dict[str, Any], origin: str, base: Path | None) -> TyposquatsPolicy:
    raw = _table(table, "typosquats", {"allow"}, origin)
    files = {
        key: path_setting(table[key], key, origin, base) if key in table else None
        for key in ("popular-names", "extra-popular-names")
    }
    return TyposquatsPolicy(
        allow=_strings(raw, "allow", f"[audit.typosquats] of {origin}"),
        popular_names=files["popular-names"],
        extra_popular_names=files["extra-popular-names"],
    )


def _licenses(table: dict[str, Any], origin: str) -> LicensesPolicy | None:
    if "licenses" not in table:
        return None
    raw = _table(table, "licenses", _LICENSES_KEYS, origin)
    where = f"[audit.licenses] of {origin}"
    allow, deny = (licence_ids(_strings(raw, k, where), k, origin) for k in ("allow", "deny"))
    if not allow and not deny:
        raise InputError(f"{where} has neither allow nor deny: it would judge nothing.")
    unknown = _choice(raw.get("unknown", "medium"), LEVELS, "unknown", where)
    return LicensesPolicy(allow=allow, deny=deny, unknown=unknown)


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
        checks=parse_checks(table["checks"], origin) if "checks" in table else None,
        severity=_severity(table, origin),
        pins=PinsPolicy(
            *(
                _strings(
                    _table(table, "pins", _PINS_KEYS, origin), key, f"[audit.pins] of {origin}"
                )
                for key in ("python", "platforms", "allow-direct")
            )
        ),
        sources=_sources(table, origin),
        min_release_age=(
            parse_age(table["min-release-age"], origin) if "min-release-age" in table else None
        ),
        typosquats=_typosquats(table, origin, path.parent if path else None),
        licenses=_licenses(table, origin),
        fix=_fix(table, origin, path.parent if path else None),
    )


def _fix(table: dict[str, Any], origin: str, base: Path | None) -> FixPolicy:
    raw = _table(table, "fix", _FIX_KEYS, origin)
    for key in _FIX_KEYS:
        if key in raw and (not isinstance(raw[key], str) or not raw[key].strip()):
            raise InputError(f"{key} in [audit.fix] of {origin} must be a non-empty string.")
    record = raw.get("record")
    return FixPolicy(
        test_command=raw.get("test-command"),
        record=(base or Path.cwd()) / record if record else None,
    )


def threshold(value: str) -> str:
    """Validate a --fail-on value."""
    if value.lower() not in _THRESHOLDS:
        raise UsageError(f"--fail-on must be one of {', '.join(_THRESHOLDS)}, not {value!r}.")
    return value.lower()
