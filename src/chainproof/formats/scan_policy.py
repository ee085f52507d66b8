"""The scan policy: ``[scan]`` in chainproof.toml or ``[tool.chainproof.scan]``.

```toml
[scan]
fail-on = "medium"          # low | medium | high | critical (default: high: secrets and
                            # credential files; "medium" stops on stray files too)
max-member-size = 1073741824   # bytes a member may expand to (default 1 GiB); past it, a finding
stray = true                # look for stray files (default: true, when the git checkout is known)

[[scan.exceptions]]
fingerprint = "3f9a0c1d2e4b5a6c"   # the finding's fingerprint, as every output shows it
reason = "A test key of the sample server, not used anywhere."
approver = "alice@example.com"
expires = 2026-06-30
ticket = "SEC-42"           # optional
```
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from chainproof.config import load_section
from chainproof.errors import InputError
from chainproof.formats.audit_policy import LEVELS, AuditException, parse_exception
from chainproof.formats.dist_archive import DEFAULT_MEMBER_LIMIT

__all__ = ["ScanPolicy", "load_scan_policy"]

_KNOWN = {"fail-on", "max-member-size", "stray", "exceptions"}


@dataclass(frozen=True)
class ScanPolicy:
    fail_on: str = "high"
    max_member_size: int = DEFAULT_MEMBER_LIMIT
    stray: bool = True
    exceptions: tuple[AuditException, ...] = ()  # ``id`` is the fingerprint
    origin: str | None = None  # the file it came from; None: the defaults


def load_scan_policy(explicit: Path | None = None, search_dir: Path | None = None) -> ScanPolicy:
    table, path = load_section("scan", explicit, search_dir)
    origin = str(path) if path else "the policy"
    unknown = set(table) - _KNOWN
    if unknown:
        raise InputError(f"[scan] in {origin} has unknown keys: {', '.join(sorted(unknown))}.")
    fail_on = table.get("fail-on", "high")
    if not isinstance(fail_on, str) or fail_on.lower() not in LEVELS[1:]:
        raise InputError(f"fail-on in [scan] of {origin} must be low, medium, high or critical.")
    limit = table.get("max-member-size", DEFAULT_MEMBER_LIMIT)
    if not isinstance(limit, int) or isinstance(limit, bool) or limit <= 0:
        raise InputError(f"max-member-size in [scan] of {origin} must be a number of bytes.")
    stray = table.get("stray", True)
    if not isinstance(stray, bool):
        raise InputError(f"stray in [scan] of {origin} must be true or false.")
    raw = table.get("exceptions", [])
    if not isinstance(raw, list):
        raise InputError(f"exceptions in [scan] of {origin} must be an array of tables.")
    exceptions = tuple(
        parse_exception(item, f"scan exception #{i + 1} in {origin}", origin, "fingerprint", False)
        for i, item in enumerate(raw)
    )
    return ScanPolicy(fail_on.lower(), limit, stray, exceptions, str(path) if path else None)
