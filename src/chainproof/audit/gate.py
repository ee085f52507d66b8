"""The audit gate of ``chainproof release``: the release's SBOM against the advisory
database and the project's ``[audit]`` policy; findings over the threshold stop the release."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from chainproof.audit.db import resolve_db_path
from chainproof.audit.report import AuditReport
from chainproof.audit.run import AuditRequest, audit, open_advisories
from chainproof.config import load_section
from chainproof.errors import UsageError
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
    with open_advisories(_request(gate, project_dir, Path())):
        pass


def _request(gate: AuditGate, project_dir: Path, sbom: Path) -> AuditRequest:
    return AuditRequest("sbom", sbom, gate.db, gate.policy, project_dir, gate.fail_on)


def run_gate(gate: AuditGate, project_dir: Path, sbom: Path, reporter: Reporter) -> AuditReport:
    """Audit ``sbom``; raise FindingsOverThreshold when the policy fails it."""
    run = audit(_request(gate, project_dir, sbom), reporter)
    for line in run.report.warnings:
        reporter.log(f"Audit: {line}")
    run.raise_if_failed(
        "Run `chainproof audit --sbom` for the findings; upgrade, or add an exception "
        "with a reason, an approver and an expiry date to the policy.",
        name_findings=True,
    )
    return run.report
