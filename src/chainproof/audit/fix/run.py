"""The loop of ``chainproof audit --fix``: audit the lock, plan the upgrades, let uv write the
new lock in a scratch copy of the project, check every new file against its hash, audit the
new lock, run the tests in a clean environment made from it, and only then replace the lock
(each file in one atomic rename), commit it to a branch and append the remediation record.

Whatever fails before the rename (the resolver, the index, a hash, the tests, a kill) leaves
the lock byte for byte as it was: nothing but the scratch directory was written.
"""

from __future__ import annotations

import difflib
import hashlib
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import chainproof
from chainproof.audit.checks.base import CheckContext
from chainproof.audit.fix.branch import check_branch, commit_to_branch
from chainproof.audit.fix.culprit import Culprit, find_culprit
from chainproof.audit.fix.fresh import FreshFiles, added_packages, check_fresh_hashes
from chainproof.audit.fix.plan import FixPlan, Upgrade, plan_fix
from chainproof.audit.fix.summary import commit_message
from chainproof.audit.fix.trial import TestRun, run_tests
from chainproof.audit.locked import LockEvidence, read_evidence
from chainproof.audit.relock import LockChange, copy_project, relock
from chainproof.audit.run import (
    LOCK_KINDS,
    AuditRequest,
    AuditRun,
    audit,
    project_dir,
)
from chainproof.config import offline_mode
from chainproof.errors import UsageError
from chainproof.fileio import atomic_write_bytes
from chainproof.formats.audit_policy import AuditPolicy
from chainproof.formats.remediation_record import (
    DEFAULT_RECORD,
    REMEDIATION_SCHEMA,
    append_record,
)
from chainproof.index.client import IndexClient
from chainproof.models import Component
from chainproof.progress import NullReporter, Reporter

__all__ = ["FIX_KINDS", "FixRequest", "FixResult", "fix"]

FIX_KINDS = LOCK_KINDS


@dataclass(frozen=True)
class FixRequest:
    audit: AuditRequest
    test_command: str | None = None  # None: [audit.fix] test-command, else no tests
    dry_run: bool = False
    branch: str | None = None
    record: Path | None = None  # None: [audit.fix] record, else remediation.jsonl beside the lock


@dataclass(frozen=True)
class FixResult:
    before: AuditRun
    record: dict[str, Any]  # the remediation record (written unless a dry run or no change)
    record_path: Path | None  # where it was appended; None: not written
    exit_code: int  # 0: fixed (and tested, when asked); 1: something stays open or failed


def _check_request(request: FixRequest) -> None:
    kind = request.audit.kind
    if kind not in FIX_KINDS:
        raise UsageError("--fix rewrites a lock: give --uv-lock, --pylock or --requirements.")
    if request.test_command is not None and not request.test_command.strip():
        raise UsageError("--test-command is empty; give the command that runs the tests.")
    if request.branch is not None and request.dry_run:
        raise UsageError("--branch commits the fix, which --dry-run does not make.")
    if offline_mode(request.audit.offline):
        raise UsageError(
            "--fix asks the package index for new versions and their files; it cannot run "
            "--offline."
        )


def _diff(path: Path, before: bytes, after: bytes) -> str:
    old = before.decode("utf-8", errors="replace").splitlines(keepends=True)
    new = after.decode("utf-8", errors="replace").splitlines(keepends=True)
    return "".join(difflib.unified_diff(old, new, f"a/{path.name}", f"b/{path.name}"))


def _versions(components: Sequence[Component]) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for c in components:
        found.setdefault(c.key, set()).add(c.version)
    return found


def sbom_difference(before: Sequence[Component], after: Sequence[Component]) -> dict[str, Any]:
    """Which components the fix adds, removes or moves to another version."""
    old, new = _versions(before), _versions(after)

    def entries(names: set[str], versions: dict[str, set[str]]) -> list[dict[str, str]]:
        return [{"name": k, "version": v} for k in sorted(names) for v in sorted(versions[k])]

    return {
        "added": entries(new.keys() - old.keys(), new),
        "removed": entries(old.keys() - new.keys(), old),
        "changed": [
            {"name": k, "from": ", ".join(sorted(old[k])), "to": ", ".join(sorted(new[k]))}
            for k in sorted(old.keys() & new.keys())
            if old[k] != new[k]
        ],
    }


def _vulnerabilities(run: AuditRun) -> dict[tuple[str, str], str]:
    """(id, package) of each active vulnerability finding: its version."""
    return {
        (f.id, f.component.key): f.component.version
        for f in run.report.active
        if f.check == "vulnerabilities"
    }


@dataclass
class _Attempt:
    """One new lock in one scratch directory."""

    project: Path
    change: LockChange
    evidence: LockEvidence

    @property
    def lock(self) -> Path:
        return self.project / self.change.files[-1][0].name


def _attempt(scratch: Path, lock: Path, old: LockEvidence, upgrades: Sequence[Upgrade]) -> _Attempt:
    project = copy_project(lock, scratch)
    if not upgrades:  # the old lock itself, as the culprit search's baseline
        return _Attempt(project, LockChange(((lock, lock.read_bytes()),)), old)
    change = relock(old, project, upgrades, lock)
    evidence = read_evidence(old.kind, project / lock.name)
    assert evidence is not None
    return _Attempt(project, change, evidence)


def _trial(lock: Path, old: LockEvidence, command: str, upgrades: Sequence[Upgrade]) -> TestRun:
    """The tests on the old lock with ``upgrades``, in a scratch directory of their own."""
    with tempfile.TemporaryDirectory(prefix="chainproof-fix-") as scratch:
        attempt = _attempt(Path(scratch), lock, old, upgrades)
        return run_tests(old.kind, attempt.lock, attempt.project, Path(scratch) / "venv", command)


def _upgrade_json(upgrade: Upgrade, new: LockEvidence) -> dict[str, Any]:
    to = sorted({p.version or "" for p in new.packages if p.key == upgrade.package})
    return {
        "package": upgrade.package,
        "from": upgrade.current,
        "to": ", ".join(to) if to else None,
        "requested": upgrade.specifier,
        "advisories": list(upgrade.advisories),
    }


def _culprit_json(culprit: Culprit | None) -> dict[str, Any] | None:
    if culprit is None:
        return None
    upgrade = culprit.upgrade
    return {
        "package": upgrade.package if upgrade else None,
        "from": upgrade.current if upgrade else None,
        "requested": upgrade.specifier if upgrade else None,
        "failed_tests": list(culprit.run.failed_tests),
        "baseline_failed": upgrade is None,
        "test_runs": culprit.runs,
    }


def fix(request: FixRequest, reporter: Reporter | None = None) -> FixResult:
    """Run the loop; the caller renders the result (chainproof.audit.fix.summary)."""
    reporter = reporter or NullReporter()
    _check_request(request)
    lock = Path(request.audit.value)
    if request.branch is not None:  # an exported pylock.toml's uv.lock may change too
        beside = lock.with_name("uv.lock")
        check_branch(request.branch, [lock, *([beside] if request.audit.kind == "pylock" else [])])
    before = audit(replace(request.audit, resolve_lock_proposals=False), reporter)  # locked next
    plan = plan_fix(before.report)
    old, rules = before.evidence, before.rules
    assert old is not None
    assert rules is not None
    # the command line's, else the policy's [audit.fix]
    request = replace(
        request,
        test_command=request.test_command or rules.fix.test_command,
        record=request.record or rules.fix.record,
    )
    original = lock.read_bytes()
    started = datetime.now(UTC)
    if not plan.upgrades:
        record = _record(request, before, plan, started, original, None)
        return FixResult(before, record, None, 1 if before.report.failure() else 0)
    with tempfile.TemporaryDirectory(prefix="chainproof-fix-") as scratch:
        reporter.step(f"Locking {len(plan.upgrades)} upgrade(s) with uv")
        attempt = _attempt(Path(scratch), lock, old, plan.upgrades)
        reporter.step("Checking the new files against their hashes")
        fresh = _fresh(request, rules, attempt, old)
        after = _audit_new(request, attempt)
        test = culprit = None
        if request.test_command is not None and not request.dry_run:
            reporter.step("Running the tests in a clean environment")
            venv = Path(scratch) / "venv"
            test = run_tests(old.kind, attempt.lock, attempt.project, venv, request.test_command)
            if not test.passed:
                reporter.step("Finding the upgrade that breaks the tests")
                culprit = find_culprit(
                    lambda subset: _trial(lock, old, request.test_command or "", subset),
                    plan.upgrades,
                    test,
                )
        tried = _Tried(attempt, fresh, after, test, culprit)
        record = _record(request, before, plan, started, original, tried)
        if record["outcome"] in ("planned", "rolled-back"):
            return _finish(request, before, record, write=record["outcome"] == "rolled-back")
        for path, data in attempt.change.files:
            mode = os.stat(path).st_mode & 0o7777 if path.exists() else None
            atomic_write_bytes(path, data, mode)
        if request.branch is not None:
            commit = commit_to_branch(request.branch, attempt.change.files, commit_message(record))
            record["branch"] = {"name": request.branch, "commit": commit}
    return _finish(request, before, record, write=True)


def _fresh(
    request: FixRequest, rules: AuditPolicy, attempt: _Attempt, old: LockEvidence
) -> FreshFiles:
    with IndexClient(project_dir=project_dir(request.audit)) as index:
        context = CheckContext(attempt.evidence, rules, index)
        return check_fresh_hashes(context, added_packages(old, attempt.evidence))


def _audit_new(request: FixRequest, attempt: _Attempt) -> AuditRun:
    """The new lock against the same advisories and policy, offline (its files were checked)."""
    return audit(
        replace(
            request.audit,
            value=attempt.lock,
            project_dir=project_dir(request.audit),
            checks=("vulnerabilities",),
            offline=True,
        )
    )


def _finish(
    request: FixRequest, before: AuditRun, record: dict[str, Any], write: bool
) -> FixResult:
    path = None
    if write:
        path = request.record or Path(request.audit.value).parent / DEFAULT_RECORD
        append_record(path, record)
    done = record["outcome"] == "fixed" or (record["outcome"] == "planned" and not record["open"])
    return FixResult(before, record, path, 0 if done else 1)


@dataclass(frozen=True)
class _Tried:
    """What one attempt found: the new lock, its checked files, its audit and its tests."""

    attempt: _Attempt
    fresh: FreshFiles
    after: AuditRun
    test: TestRun | None = None
    culprit: Culprit | None = None


def _file_json(path: Path, old: bytes, new: bytes) -> dict[str, Any]:
    return {
        "path": str(path),
        "sha256_before": _sha(old),
        "sha256_after": _sha(new),
        "diff": _diff(path, old, new),
    }


def _record(
    request: FixRequest,
    before: AuditRun,
    plan: FixPlan,
    started: datetime,
    original: bytes,
    tried: _Tried | None,
) -> dict[str, Any]:
    found = _vulnerabilities(before)
    rolled_back = tried is not None and tried.test is not None and not tried.test.passed
    if tried is None:
        outcome, remaining = "nothing-to-fix", found
    elif rolled_back:
        outcome, remaining = "rolled-back", found
    else:
        remaining = _vulnerabilities(tried.after)
        outcome = "planned" if request.dry_run else "partly-fixed" if remaining else "fixed"
    why = "the tests failed with the upgrade" if rolled_back else "the new lock still has it"
    still_open = [
        {"id": i, "package": p, "version": v, "reason": why}
        for (i, p), v in sorted(remaining.items())
        if (i, p) not in {(f.id, f.component.key) for f, _ in plan.open}
    ] + [
        {"id": f.id, "package": f.component.key, "version": f.component.version, "reason": why}
        for f, why in plan.open
    ]
    lock = Path(request.audit.value)
    record: dict[str, Any] = {
        "schema": REMEDIATION_SCHEMA,
        "time": started.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "lock": {"path": str(lock), "kind": request.audit.kind},
        "outcome": outcome,
        "upgrades": [],
        "closed": [
            {"id": i, "package": p, "version": v}
            for (i, p), v in sorted(found.items())
            if (i, p) not in remaining
        ],
        "open": still_open,
        "files": [],
        "sbom_difference": None,
        "fresh_hashes": None,
        "test": None,
        "culprit": None,
        "branch": None,
        "tool": {"chainproof": chainproof.__version__},
    }
    if tried is None:
        return record
    new = tried.attempt.evidence
    record["upgrades"] = [_upgrade_json(u, new) for u in plan.upgrades]
    record["files"] = [
        _file_json(path, original if path == lock else _current(path), data)
        for path, data in tried.attempt.change.files
    ]
    record["sbom_difference"] = sbom_difference(
        before.target.inventory.components, tried.after.target.inventory.components
    )
    record["fresh_hashes"] = {"files": tried.fresh.files, "packages": list(tried.fresh.packages)}
    record["test"] = tried.test.to_json() if tried.test else None
    record["culprit"] = _culprit_json(tried.culprit)
    return record


def _current(path: Path) -> bytes:
    return path.read_bytes() if path.exists() else b""


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
