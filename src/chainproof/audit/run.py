"""The one entry point of an audit, for ``chainproof audit`` and the release's audit gate:
open the advisory database, check its age against the policy, load the policy, read the
input, run the audit, and turn findings over the threshold into a failure."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

from chainproof.audit.checks.base import CheckContext, public_index_url
from chainproof.audit.checks.runner import ChecksResult, choose_checks, run_checks
from chainproof.audit.db import AdvisoryDB, resolve_db_path
from chainproof.audit.engine import check_freshness, run_audit
from chainproof.audit.inputs import AuditTarget, read_target
from chainproof.audit.locked import LockEvidence, read_evidence
from chainproof.audit.popular import imported_names_path
from chainproof.audit.report import AuditReport, CheckStatus
from chainproof.audit.source import AdvisorySource
from chainproof.audit.upgrades import IndexUpgrades
from chainproof.config import offline_mode
from chainproof.errors import FindingsOverThreshold, UsageError
from chainproof.formats.audit_policy import (
    ADVISORY_CHECKS,
    AuditPolicy,
    load_policy,
    threshold,
)
from chainproof.index.client import IndexClient
from chainproof.index.credentials import pip_extra_index_options
from chainproof.progress import NullReporter, Reporter

LOCK_KINDS = ("uv-lock", "pylock", "requirements")  # what audit.relock can lock again

__all__ = [
    "LOCK_KINDS",
    "AuditRequest",
    "AuditRun",
    "audit",
    "open_advisories",
    "project_dir",
]


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
    checks: tuple[str, ...] | None = None  # --checks; None: the policy's, else every one
    # No index: the checks that need one report "not checked". None: CHAINPROOF_OFFLINE.
    offline: bool | None = None
    verify_files: bool = False  # download files whose hash the index does not publish
    popular_names: Path | None = None  # --popular-names: replaces the policy's and the bundled
    extra_popular_names: Path | None = None  # --extra-popular-names: replaces the policy's
    # Online, a lock's proposals are tried by locking them (audit --fix locks them itself).
    resolve_lock_proposals: bool = True


@dataclass(frozen=True)
class AuditRun:
    """A finished audit: the report, and the input it came from."""

    report: AuditReport
    target: AuditTarget
    # what the audit read besides: the lock's evidence and the policy it was judged by
    evidence: LockEvidence | None = None
    rules: AuditPolicy | None = None

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


def project_dir(request: AuditRequest) -> Path:
    """Where the policy and pyproject.toml are: the request's, else a lock's own directory
    when it holds pyproject.toml or chainproof.toml, else the working directory."""
    if request.project_dir is not None:
        return request.project_dir
    if request.kind in ("uv-lock", "pylock", "requirements"):
        beside = Path(request.value).parent
        if any((beside / name).is_file() for name in ("pyproject.toml", "chainproof.toml")):
            return beside
    return Path.cwd()


def _chosen(request: AuditRequest, rules: AuditPolicy) -> tuple[tuple[str, ...], list[CheckStatus]]:
    if request.checks is not None:
        return choose_checks(request.kind, request.checks, rules, "--checks")
    origin = "the policy's checks"
    return choose_checks(request.kind, rules.checks, rules, origin)


@contextlib.contextmanager
def open_advisories(
    request: AuditRequest,
) -> Iterator[tuple[AdvisorySource | None, AuditPolicy, str | None]]:
    """The advisory database, the policy and a staleness warning; a database too old for the
    policy (or missing, or not ours) raises InputError before anything is read. No database
    (None) when neither the vulnerabilities nor the malicious check runs."""
    if request.fail_on is not None:
        threshold(request.fail_on)
    if request.verify_files and offline_mode(request.offline):
        raise UsageError("--verify-files downloads files, which --offline forbids.")
    rules = _rules(request)
    if not set(ADVISORY_CHECKS) & set(_chosen(request, rules)[0]):
        yield None, rules, None
        return
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


def _rules(request: AuditRequest) -> AuditPolicy:
    """The policy the request is judged by: the project's (or ``--policy``), its public index
    resolved, the command line's name lists first."""
    return _with_flags(request, _resolve_public(load_policy(request.policy, project_dir(request))))


def _with_flags(request: AuditRequest, rules: AuditPolicy) -> AuditPolicy:
    """The policy with the command line's name lists, which come before its own, and the
    list ``db import-names`` imported when neither names one."""
    names = rules.typosquats
    imported = imported_names_path(resolve_db_path(request.db))
    chosen = request.popular_names or names.popular_names
    return replace(
        rules,
        typosquats=replace(
            names,
            popular_names=chosen or (imported if imported.is_file() else None),
            extra_popular_names=request.extra_popular_names or names.extra_popular_names,
        ),
    )


def _resolve_public(rules: AuditPolicy) -> AuditPolicy:
    """The policy with its public index known: ``[audit.sources] public``, else PyPI's."""
    if rules.sources is None:
        return rules
    public = rules.sources.public or public_index_url()
    return replace(rules, sources=rules.sources.with_public(public))


def _dependency_checks(
    request: AuditRequest,
    rules: AuditPolicy,
    chosen: tuple[str, ...],
    target: AuditTarget,
    index: IndexClient | None,
    evidence: LockEvidence,
) -> ChecksResult:
    if set(chosen) <= set(ADVISORY_CHECKS):
        return ChecksResult()
    context = CheckContext(
        evidence,
        rules,
        index,
        verify_files=request.verify_files,
        # the pyproject.toml a lock must be in step with: the one beside it
        project_dir=request.project_dir or Path(request.value).parent,
        components=target.inventory.components,
    )
    return run_checks(context, chosen, pip_extra_index_options() if index else ())


def _upgrades(
    request: AuditRequest, index: IndexClient | None, evidence: LockEvidence
) -> IndexUpgrades | None:
    """Online, the proposals' candidates are the releases of the indexes the lock names
    (else those pip's settings name); a lock's proposals are then tried by locking them."""
    if index is None:
        return None
    lock = evidence if request.resolve_lock_proposals and request.kind in LOCK_KINDS else None
    if evidence.indexes:
        return IndexUpgrades(index, evidence.indexes, project_dir(request), lock)
    return replace(IndexUpgrades.for_settings(index, project_dir(request)), lock=lock)


def audit(request: AuditRequest, reporter: Reporter | None = None) -> AuditRun:
    """Read the input and audit it; the caller renders the report and calls
    ``raise_if_failed``."""
    with open_advisories(request) as (advisories, rules, warning), contextlib.ExitStack() as stack:
        chosen, skipped = _chosen(request, rules)
        target = read_target(request.kind, request.value)
        index = None  # one client (one session) for the checks and the proposals
        if not offline_mode(request.offline):
            index = stack.enter_context(IndexClient(project_dir=project_dir(request)))
        # an environment records neither files nor indexes: its inventory is all there is
        evidence = read_evidence(request.kind, Path(request.value)) or LockEvidence(
            request.kind, Path(request.value), ()
        )
        checks = _dependency_checks(request, rules, chosen, target, index, evidence)
        checks.statuses += skipped
        report = run_audit(
            target,
            advisories,
            rules,
            request.fail_on.lower() if request.fail_on else None,
            warnings=(warning,) if warning else (),
            reporter=reporter or NullReporter(),
            checks=checks,
            advisory_checks=tuple(c for c in chosen if c in ADVISORY_CHECKS),
            upgrades=_upgrades(request, index, evidence),
        )
    return AuditRun(report, target, evidence, rules)
