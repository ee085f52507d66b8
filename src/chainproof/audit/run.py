"""The one entry point of an audit, for ``chainproof audit`` and the release's audit gate:
open the advisory database, check its age against the policy, load the policy, read the
input, run the audit, and turn findings over the threshold into a failure."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from chainproof.audit.db import AdvisoryDB, resolve_db_path
from chainproof.audit.engine import check_freshness, run_audit
from chainproof.audit.inputs import AuditTarget, read_target
from chainproof.audit.report import AuditReport
from chainproof.audit.source import AdvisorySource
from chainproof.errors import FindingsOverThreshold
from chainproof.formats.audit_policy import AuditPolicy, load_policy, threshold
from chainproof.progress import NullReporter, Reporter

__all__ = ["AuditRequest", "AuditRun", "audit", "open_advisories"]


@dataclass(frozen=True)
class AuditRequest:
    """What to audit and under which rules. ``policy`` None: the project's ``[audit]`` in
    ``project_dir`` (else the working directory); ``db`` None: the default database."""

    kind: str  # sbom, pylock, uv-lock, requirements or env
    value: str | Path
    db: Path | None = None
    policy: Path | None = None
    project_dir: Path | None = None
    fail_on: str | None = None  # overrides the policy's threshold
    max_db_age: int | None = None  # days; overrides the policy's
    ignore_stale: bool = False  # a stale database is a warning, not an error
    # Another source of advisories; None: the SQLite database at ``db``.
    advisories: AdvisorySource | None = None


@dataclass(frozen=True)
class AuditRun:
    """A finished audit: the report, and the input it came from."""

    report: AuditReport
    target: AuditTarget

    def raise_if_failed(self, hint: str, *, name_findings: bool = False) -> None:
        """FindingsOverThreshold (exit 1) when the policy fails the report; ``name_findings``
        names the first findings (the release gate, whose error is all the log shows)."""
        failure = self.report.failure()
        if failure is None:
            return
        if not name_findings:
            raise FindingsOverThreshold(failure, hint=hint)
        over = self.report.over_threshold
        named = ", ".join(f"{f.id} in {f.component.name} {f.component.version}" for f in over[:3])
        more = ", ..." if len(over) > 3 else ""
        reason = failure.removeprefix("The audit failed: ").rstrip(".")
        raise FindingsOverThreshold(f"{reason} ({named}{more})." if named else f"{reason}.", hint)


@contextlib.contextmanager
def open_advisories(
    request: AuditRequest,
) -> Iterator[tuple[AdvisorySource, AuditPolicy, str | None]]:
    """The advisory database, the policy and a staleness warning; a database too old for the
    policy (or missing, or not ours) raises InputError before anything is read."""
    if request.fail_on is not None:
        threshold(request.fail_on)
    rules = load_policy(request.policy, request.project_dir)
    with contextlib.ExitStack() as stack:
        advisories = request.advisories or stack.enter_context(
            AdvisoryDB(resolve_db_path(request.db))
        )
        warning = check_freshness(
            advisories.status,
            request.max_db_age if request.max_db_age is not None else rules.max_db_age_days,
            request.ignore_stale or rules.stale_db == "warn",
            datetime.now(UTC),
        )
        yield advisories, rules, warning


def audit(request: AuditRequest, reporter: Reporter | None = None) -> AuditRun:
    """Read the input and audit it; the caller renders the report and calls
    ``raise_if_failed``."""
    with open_advisories(request) as (advisories, rules, warning):
        target = read_target(request.kind, request.value)
        report = run_audit(
            target,
            advisories,
            rules,
            request.fail_on.lower() if request.fail_on else None,
            warnings=(warning,) if warning else (),
            reporter=reporter or NullReporter(),
        )
    return AuditRun(report, target)
