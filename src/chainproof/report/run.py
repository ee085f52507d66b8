"""``make_report``: the history of the lock files and the policy, the advisory database and
the current checks, as one :class:`~chainproof.report.figures.ProjectReport`: the history read
(:mod:`~chainproof.report.history`, :mod:`~chainproof.report.states`), audited
(:mod:`~chainproof.report.audited`), laid out in time (:mod:`~chainproof.report.timeline`)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

from chainproof.audit.inputs import read_target
from chainproof.audit.run import AuditRequest, open_advisories
from chainproof.errors import InputError, UsageError
from chainproof.formats.audit_policy import AuditException
from chainproof.formats.remediation_record import DEFAULT_RECORD, read_records
from chainproof.report.audited import current_checks, released, vulnerabilities
from chainproof.report.baseline import new_since, read_baseline
from chainproof.report.figures import HistoryRead, ProjectReport
from chainproof.report.history import History, read_history
from chainproof.report.states import (
    POLICY_FILES,
    Skipped,
    exception_key,
    lock_kind,
    read_exceptions,
    read_locks,
)
from chainproof.report.timeline import Grant, Snapshot, episodes

__all__ = ["DEFAULT_LOCKS", "ReportRequest", "make_report"]

DEFAULT_LOCKS = ("uv.lock", "pylock.toml", "pylock.*.toml", "requirements*.txt")


@dataclass(frozen=True)
class ReportRequest:
    project_dir: Path
    locks: tuple[str, ...] = ()  # paths relative to the project directory; () the defaults
    since: date | None = None
    db: Path | None = None
    policy: Path | None = None
    fail_on: str | None = None
    baseline: Path | None = None
    sboms: tuple[Path, ...] = ()  # the released versions' SBOMs, audited as they are today
    now: datetime | None = None  # None: the clock
    # audit --fix's remediation records; None: remediation.jsonl in the project, if there
    records: Path | None = None


def _first_commits(history: History, paths: Iterable[str]) -> list[tuple[str, str, str]]:
    """(path, blob, first commit holding it) for every blob of ``paths`` in the history."""
    wanted = set(paths)
    seen: dict[str, tuple[str, str, str]] = {}
    for commit in history.commits:
        for path, blob in commit.files:
            if path in wanted and blob and blob not in seen:
                seen[blob] = (path, blob, commit.sha)
    return list(seen.values())


def _grants(
    history: History,
    exceptions: dict[str, tuple[AuditException, ...]],
    policy_paths: set[str],
    current: Sequence[AuditException],
) -> tuple[list[Grant], list[Grant]]:
    """Every exception with the commit that first held it (all, then the current policy's)."""
    first: dict[tuple[str, str], Grant] = {}
    for commit in history.commits:
        for path, blob in commit.files:
            for exc in exceptions.get(blob, ()) if path in policy_paths and blob else ():
                known = first.get(exception_key(exc))
                granted = known.granted if known else commit.time
                first[exception_key(exc)] = Grant(
                    exc, granted, known.commit if known else commit.sha
                )
    now = [
        replace(first[exception_key(e)], exception=e)
        if exception_key(e) in first
        else Grant(e, None)
        for e in current
    ]
    merged = {**first, **{exception_key(g.exception): g for g in now}}
    return list(merged.values()), now


def make_report(request: ReportRequest) -> ProjectReport:
    now = request.now or datetime.now(UTC)
    earlier = read_baseline(request.baseline) if request.baseline else None
    specs = tuple(_lock_spec(lock, request.project_dir) for lock in request.locks)
    specs = specs or DEFAULT_LOCKS
    policies = [*POLICY_FILES, *_within(request.policy, request.project_dir)]
    history = read_history(request.project_dir, [*specs, *policies])
    policy_paths = {history.prefix + name for name in policies}
    lock_paths = sorted({p for c in history.commits for p, _ in c.files if p not in policy_paths})
    landed = _first_commits(history, lock_paths)  # each lock blob and the commit it came in
    pins_of, skipped = read_locks(landed, history.blobs)
    exceptions, bad_policies = read_exceptions(_first_commits(history, policy_paths), history.blobs)
    since = datetime.combine(request.since, time(), UTC) if request.since else None
    snapshots = _snapshots(history, pins_of)
    probe = AuditRequest(
        "requirements",
        request.project_dir,
        db=request.db,
        policy=request.policy,
        project_dir=request.project_dir,
        fail_on=request.fail_on,
        ignore_stale=True,
        checks=("vulnerabilities", "malicious"),
    )
    shipped = {
        str(sbom): frozenset(
            (c.key, c.version) for c in read_target("sbom", sbom).inventory.components if c.version
        )
        for sbom in request.sboms
    }
    every_pin = [p for pins in [*(s.pins for s in snapshots), *shipped.values()] for p in pins]
    with open_advisories(probe) as (db, rules, warning):
        if db is None:  # pragma: no cover - the probe asks for the advisory checks
            raise InputError("The report needs the advisory database.")
        affected = vulnerabilities(every_pin, db, rules)
        status = db.status
    every, current = _grants(history, exceptions, policy_paths, rules.exceptions)
    if history.shallow and history.commits:
        horizon: datetime | None = history.commits[0].time
    else:
        horizon = since
    found = episodes(snapshots, affected, every, now, horizon)
    read = HistoryRead(
        commits=sum(1 for c in history.commits if since is None or c.time >= since),
        first=_first_time(history, since),
        last=history.commits[-1].time if history.commits else None,
        shallow=history.shallow,
        since=since,
        locks=tuple(p.removeprefix(history.prefix) for p in lock_paths),
        skipped=tuple(sorted([*skipped, *bad_policies], key=_skip_key)),
    )
    checks, problems = current_checks(
        [request.project_dir / p for p in read.locks],
        request.db,
        request.policy,
        request.project_dir,
    )
    report = ProjectReport(
        project=request.project_dir.resolve().name,
        generated=now,
        fail_on=request.fail_on or rules.fail_on,
        database={
            "source": status.source,
            "snapshot_date": status.snapshot_date,
            "advisories": status.advisories,
        },
        history=read,
        episodes=tuple(found),
        grants=tuple(current),
        checks=checks,
        warnings=(*([warning] if warning else []), *problems),
        released=released(shipped, affected, current, now),
        tested=_tested(history, landed, _records(request)),
    )
    if request.baseline is not None and earlier is not None:
        report = replace(report, new=new_since(report, request.baseline, earlier))
    return report


def _snapshots(history: History, pins_of: dict[str, frozenset[tuple[str, str]]]) -> list[Snapshot]:
    """The pins after each commit. A lock version that did not read says nothing: its path
    keeps its last readable pins (an unreadable version neither fixes nor brings anything)."""
    last: dict[str, frozenset[tuple[str, str]]] = {}
    found = []
    for c in history.commits:
        present = dict(c.files)
        last = {p: pins for p, pins in last.items() if p in present}
        last.update({p: pins_of[b] for p, b in c.files if b in pins_of})
        found.append(Snapshot(c.sha, c.time, c.subject, frozenset().union(*last.values())))
    return found


def _lock_spec(lock: str, project: Path) -> str:
    """A --lock as a path (or glob) relative to the project, naming a kind of lock."""
    path = Path(lock)
    if path.is_absolute():
        try:
            path = path.resolve().relative_to(project.resolve())
        except ValueError:
            raise UsageError(f"--lock {lock} is not inside the project {project}.") from None
    if lock_kind(path.name) is None:
        raise UsageError(
            f"--lock {lock} is not a lock chainproof reads: uv.lock, pylock*.toml or a "
            "requirements .txt file."
        )
    return path.as_posix()


def _within(policy: Path | None, project: Path) -> list[str]:
    """``--policy`` relative to the project, when its history is there too."""
    if policy is None:
        return []
    try:
        return [policy.resolve().relative_to(project.resolve()).as_posix()]
    except ValueError:
        return []


def _records(request: ReportRequest) -> list[dict[str, Any]]:
    path = request.records or request.project_dir / DEFAULT_RECORD
    if request.records is None and not path.is_file():
        return []
    return read_records(path)


def _tested(
    history: History, landed: Sequence[tuple[str, str, str]], records: Sequence[dict[str, Any]]
) -> dict[str, dict[str, Any]]:
    """The tests each commit's lock change passed (``landed``: each lock blob's path, id and
    first commit, as ``_first_commits`` gives them): a remediation record whose new lock is
    byte for byte what the commit holds (so a squashed or rebased merge of ``--branch``
    matches too). Only kept changes count: a rolled-back one never reaches a commit."""
    by_lock: dict[str, dict[str, Any]] = {}
    for record in records:
        if record.get("test") and record.get("outcome") in ("fixed", "partly-fixed"):
            for file in record.get("files", []):
                by_lock[file["sha256_after"]] = record["test"]
    if not by_lock:
        return {}
    found: dict[str, dict[str, Any]] = {}
    for _, blob, sha in landed:  # each lock blob once, with the commit that landed it
        data = history.blobs.get(blob)
        test = by_lock.get(hashlib.sha256(data).hexdigest()) if data is not None else None
        if test is not None:
            found[sha] = {k: test[k] for k in ("command", "passed", "seconds")}
    return found


def _first_time(history: History, since: datetime | None) -> datetime | None:
    if not history.commits:
        return None
    first = history.commits[0].time
    return max(first, since) if since else first


def _skip_key(skipped: Skipped) -> tuple[str, str]:
    return (skipped.path, skipped.commit)
