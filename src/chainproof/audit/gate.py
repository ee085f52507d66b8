"""The audit gate of ``chainproof release``: the release's SBOM against the advisory
database and the project's ``[audit]`` policy; findings over the threshold stop the release."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from chainproof.audit.db import AdvisoryDB, resolve_db_path
from chainproof.audit.engine import check_freshness, run_audit
from chainproof.audit.inputs import read_target
from chainproof.audit.report import AuditReport
from chainproof.config import load_section
from chainproof.errors import FindingsOverThreshold, UsageError
from chainproof.formats.audit_policy import load_policy, threshold
from chainproof.progress import Reporter

__all__ = ["AuditGate", "audit_gate", "check_gate", "run_gate"]


@dataclass(frozen=True)
class AuditGate:
    """The audit stage's settings: ``policy`` None means the project's ``[audit]``."""

    db: Path
    policy: Path | None = None
    fail_on: str | None = None


def audit_gate(
    project_dir: Path, db: Path | None, policy: Path | None, fail_on: str | None, skip: bool
) -> AuditGate | None:
    """The audit stage runs when asked for (--db, --audit-policy, --fail-on) or when the
    project configures ``[audit]``; ``skip`` (--no-audit) turns it off."""

    asked = any(v is not None for v in (db, policy, fail_on))
    if skip:
        if asked:
            raise UsageError("--no-audit contradicts --db, --audit-policy and --fail-on.")
        return None
    if not asked and not (project_dir.is_dir() and load_section("audit", None, project_dir)[0]):
        return None
    return AuditGate(resolve_db_path(db), policy, fail_on)


def check_gate(gate: AuditGate, project_dir: Path) -> None:
    """Before building: the database exists, is ours, and is fresh enough for the policy."""
    with _open_db(gate, project_dir):
        pass


@contextlib.contextmanager
def _open_db(gate: AuditGate, project_dir: Path) -> Iterator[tuple[Any, Any, str | None]]:
    """The advisory database, the audit policy and a staleness warning (or InputError)."""

    if gate.fail_on is not None:
        threshold(gate.fail_on)
    rules = load_policy(gate.policy, project_dir)
    with AdvisoryDB(gate.db) as database:
        warning = check_freshness(
            database.status, rules.max_db_age_days, rules.stale_db == "warn", datetime.now(UTC)
        )
        yield database, rules, warning


def run_gate(gate: AuditGate, project_dir: Path, sbom: Path, reporter: Reporter) -> AuditReport:
    """Audit ``sbom``; raise FindingsOverThreshold when the policy fails it."""

    with _open_db(gate, project_dir) as (database, rules, warning):
        report = run_audit(
            read_target("sbom", sbom),
            database,
            rules,
            gate.fail_on.lower() if gate.fail_on else None,
            warnings=(warning,) if warning else (),
            reporter=reporter,
        )
    for line in report.warnings:
        reporter.log(f"Audit: {line}")
    failure = report.failure()
    if failure is not None:
        over = report.over_threshold
        named = ", ".join(f"{f.id} in {f.component.name} {f.component.version}" for f in over[:3])
        more = ", ..." if len(over) > 3 else ""
        reason = failure.removeprefix("The audit failed: ").rstrip(".")
        raise FindingsOverThreshold(
            f"{reason} ({named}{more})." if named else f"{reason}.",
            hint="Run `chainproof audit --sbom` for the findings; upgrade, or add an exception "
            "with a reason, an approver and an expiry date to the policy.",
        )
    return report
