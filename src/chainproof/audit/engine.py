"""Run an audit: every component against the database, aliases merged, severity rated,
exceptions applied, a dependency path and an upgrade proposal for each finding."""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING

from chainproof.audit.checks.runner import ChecksResult
from chainproof.audit.db import DbStatus
from chainproof.audit.inputs import AuditTarget
from chainproof.audit.matching import affects, fixed_versions
from chainproof.audit.remediation import Proposal, propose
from chainproof.audit.report import AuditReport, CheckStatus, Finding, Unchecked
from chainproof.audit.severity import Rating, rate
from chainproof.audit.source import AdvisorySource
from chainproof.config import source_date_epoch
from chainproof.errors import InputError
from chainproof.formats.audit_policy import (
    ADVISORY_CHECKS,
    CHECKS,
    AuditException,
    AuditPolicy,
)
from chainproof.formats.osv import Advisory, AffectedPackage
from chainproof.models import Component, DependencyGraph
from chainproof.progress import NullReporter, Reporter

if TYPE_CHECKING:
    from chainproof.audit.upgrades import IndexUpgrades

__all__ = [
    "apply_exceptions",
    "check_freshness",
    "dependency_paths",
    "run_audit",
]

Entry = tuple[Advisory, AffectedPackage]
_PREFERENCE = ("MAL-", "PYSEC-", "GHSA-", "CVE-")


def _report_time() -> datetime:
    """SOURCE_DATE_EPOCH when set (reproducible reports), else now; read as the SBOM reads it."""
    epoch = source_date_epoch()
    return datetime.now(UTC) if epoch is None else datetime.fromtimestamp(epoch, UTC)


def check_freshness(
    status: DbStatus, max_age_days: int, warn_only: bool, now: datetime
) -> str | None:
    """None when fresh; a warning when stale and ``warn_only``; else raise InputError."""
    snapshot = status.snapshot_datetime()
    if snapshot is None:
        message = f"The advisory database {status.path} has no snapshot date."
    else:
        age = (now - snapshot).days
        if age <= max_age_days:
            return None
        message = (
            f"The advisory database is {age} days old (newest advisory "
            f"{snapshot.date().isoformat()}), older than the maximum of "
            f"{max_age_days} days."
        )
    if warn_only:
        return message
    raise InputError(
        message,
        hint="Run `chainproof db update` or import a newer snapshot; "
        "--db-max-age DAYS or --ignore-stale accept older data.",
    )


def dependency_paths(graph: DependencyGraph) -> dict[str, tuple[str, ...]]:
    """The shortest path from a direct requirement to every package reachable (one BFS)."""
    edges = dict(graph.edges)
    paths: dict[str, tuple[str, ...]] = {}
    queue: deque[tuple[str, ...]] = deque()
    for root in sorted(graph.roots):
        if root not in paths:
            paths[root] = (root,)
            queue.append((root,))
    while queue:
        path = queue.popleft()
        for child in edges.get(path[-1], ()):
            if child not in paths:
                paths[child] = (*path, child)
                queue.append(paths[child])
    return paths


def _without_root(target: AuditTarget) -> DependencyGraph:
    """The graph with the project itself (a lock's root) replaced by its direct requirements."""
    graph, root = target.inventory.graph, target.inventory.root
    if root is None or root.key not in graph.roots:
        return graph
    roots = (set(graph.roots) - {root.key}) | set(graph.dependencies_of(root.key))
    return DependencyGraph(roots=tuple(sorted(roots)), edges=graph.edges)


def _primary(ids: set[str]) -> str:
    for prefix in _PREFERENCE:
        chosen = sorted(i for i in ids if i.upper().startswith(prefix))
        if chosen:
            return chosen[0]
    return sorted(ids)[0]


def _merge(matched: Sequence[Entry]) -> list[list[Entry]]:
    """Group advisories that share an id or alias (one group per vulnerability)."""
    groups: list[tuple[set[str], list[Entry]]] = []
    for entry in matched:
        ids = {entry[0].id.upper(), *(a.upper() for a in entry[0].aliases)}
        joined = [g for g in groups if g[0] & ids]
        merged_ids, merged_entries = set(ids), [entry]
        for g in joined:
            merged_ids |= g[0]
            merged_entries = g[1] + merged_entries
            groups.remove(g)
        groups.append((merged_ids, merged_entries))
    return [entries for _, entries in groups]


def apply_exceptions(
    findings: Sequence[Finding], exceptions: Sequence[AuditException], when: date
) -> tuple[list[Finding], set[AuditException]]:
    """Every finding with the exception that covers it (same package, and its id or an alias):
    a valid one suppresses it, an expired one is recorded and suppresses nothing."""
    out: list[Finding] = []
    used: set[AuditException] = set()
    for finding in findings:
        ids = {i.upper() for i in finding.ids}
        matching = [
            e for e in exceptions if e.package == finding.component.key and e.id.upper() in ids
        ]
        used.update(matching)
        valid = [e for e in matching if not e.expired(when)]
        expired = [e for e in matching if e.expired(when)]
        out.append(
            replace(
                finding,
                exception=valid[0] if valid else None,
                expired_exception=expired[0] if expired and not valid else None,
            )
        )
    return out, used


def run_audit(
    target: AuditTarget,
    db: AdvisorySource | None,
    policy: AuditPolicy,
    fail_on: str | None = None,
    today: date | None = None,
    warnings: Sequence[str] = (),
    reporter: Reporter | None = None,
    checks: ChecksResult | None = None,
    advisory_checks: Sequence[str] = ("vulnerabilities",),
    upgrades: IndexUpgrades | None = None,
) -> AuditReport:
    """The advisory checks (``advisory_checks``, when ``db`` is given: vulnerabilities,
    malicious packages) and the dependency checks' results, with the policy's exceptions
    applied to every finding. ``upgrades`` (online): the index's releases are the proposals'
    candidates, and the resolver checks an environment's proposal set."""
    reporter = reporter or NullReporter()
    now = _report_time()
    when: date = today or datetime.now(UTC)  # the real clock, never SOURCE_DATE_EPOCH
    checks = checks or ChecksResult()
    findings: list[Finding] = []
    unchecked: list[Unchecked] = []
    checked = 0
    statuses = list(checks.statuses)
    if db is not None:
        findings, unchecked, checked = _vulnerabilities(
            target, db, policy, reporter, advisory_checks, upgrades
        )
        statuses += [CheckStatus(c, True) for c in ADVISORY_CHECKS if c in advisory_checks]
    findings, used = apply_exceptions([*findings, *checks.findings], policy.exceptions, when)
    findings.sort(key=lambda f: (f.component.sort_key(), f.check, f.id))
    order = {c: n for n, c in enumerate(CHECKS)}
    return AuditReport(
        target=target.description,
        db=db.status if db is not None else None,
        fail_on=fail_on or policy.fail_on,
        checked=checked,
        findings=tuple(findings),
        unchecked=tuple(sorted(set(unchecked + checks.unchecked), key=Unchecked.sort_key)),
        unused_exceptions=tuple(e for e in policy.exceptions if e not in used),
        warnings=tuple(warnings),
        fail_on_unchecked=policy.unchecked == "fail",
        timestamp=now.replace(microsecond=0).isoformat().replace("+00:00", "Z"),
        expiry_clock=when,
        checks=tuple(sorted(statuses, key=lambda c: order[c.id])),
    )


def _check_of(advisory: Advisory) -> str:
    return "malicious" if advisory.malicious else "vulnerabilities"


def _vulnerabilities(
    target: AuditTarget,
    db: AdvisorySource,
    policy: AuditPolicy,
    reporter: Reporter,
    chosen: Sequence[str],
    upgrades: IndexUpgrades | None = None,
) -> tuple[list[Finding], list[Unchecked], int]:
    """Findings of every component against the advisories of the ``chosen`` checks
    (vulnerabilities, malicious), the components that could not be checked, and how many
    were."""
    components = target.inventory.components
    reporter.step("Matching advisories", total=len(components))
    keys = {c: c.key for c in components}  # Component.key normalises: once per component
    by_package = db.advisories_for(keys.values())
    paths = dependency_paths(_without_root(target))
    findings: list[Finding] = []
    # what the input could not say is listed once, under the first advisory check that ran
    first = next(c for c in ADVISORY_CHECKS if c in chosen)
    unchecked = [Unchecked(name, None, reason, first) for name, reason in target.unchecked]
    partial = 0  # components with an advisory that could not be evaluated
    vulnerable: list[tuple[Component, list[Entry], list[Entry]]] = []  # (entries, matched)
    for component in components:
        reporter.advance()
        key = keys[component]
        entries = [
            e
            for e in by_package.get(key, [])
            if e[0].withdrawn is None and _check_of(e[0]) in chosen
        ]
        if not component.version:
            unchecked += [
                Unchecked(component.name, None, "it has no version", c)
                for c in ADVISORY_CHECKS
                if c in chosen
            ]
            continue
        matched: list[Entry] = []
        unknown: dict[str, list[str]] = {}  # check: the advisories it could not evaluate
        for advisory, affected in entries:
            verdict = affects(
                component.version, affected.ranges, affected.versions, affected.unreadable
            )
            if verdict:
                matched.append((advisory, affected))
            elif verdict is None:
                why = "; ".join(affected.unreadable) or "a version or range is not PEP 440"
                unknown.setdefault(_check_of(advisory), []).append(f"{advisory.id} ({why})")
        if unknown:
            partial += 1
        unchecked += [
            Unchecked(
                component.name,
                component.version,
                f"cannot be evaluated against {', '.join(ids)}",
                check,
            )
            for check, ids in unknown.items()
        ]
        if not matched:
            continue
        vulnerable.append((component, [e for e in entries if not e[0].malicious], matched))
    proposals = _proposals(target, vulnerable, upgrades)
    for component, _, matched in vulnerable:
        path = paths.get(component.key, ())
        for group in _merge(matched):
            proposal = proposals[component]
            findings.append(_finding(target, component, group, policy, proposal, path))
    no_version = sum(1 for c in components if not c.version)
    return findings, unchecked, len(components) - partial - no_version


def _proposals(
    target: AuditTarget,
    vulnerable: Sequence[tuple[Component, list[Entry], list[Entry]]],
    upgrades: IndexUpgrades | None,
) -> dict[Component, Proposal]:
    """One proposal per vulnerable component; online, from the index's releases, and checked
    by the resolver as one set: an environment's by ``uv pip compile``, a lock's (when
    ``upgrades.lock`` is set) by locking them."""
    keys = list(dict.fromkeys(c.key for c, _, _ in vulnerable))
    releases: dict[str, tuple[str, ...]] = {}
    unread = None
    if upgrades is not None:
        releases, unread = upgrades.releases(keys, target.installed)
    proposals: dict[Component, Proposal] = {}
    for component, entries, _ in vulnerable:
        assert component.version  # a component without one is never matched
        proposal = propose(
            component.key,
            component.version,
            entries,
            target.requirements,
            f"{target.description} records no version specifiers",
            releases.get(component.key),
        )
        if unread is not None:
            proposal = replace(
                proposal,
                explanation=f"{proposal.explanation} The index could not be read ({unread}), "
                "so only the advisories' fixed versions were candidates.",
            )
        proposals[component] = proposal
    if target.installed is None:
        if upgrades is None or upgrades.lock is None:
            return proposals
        # a lock's proposals, locked as --fix would lock them
        checked = upgrades.check_lock({c.key: p for c, p in proposals.items()})
        return {c: checked[c.key] for c in proposals}
    if upgrades is None:
        note = "The resolver did not check it: chainproof runs offline."
        return {c: p.noted("not checked", note) if p.specifier else p for c, p in proposals.items()}
    # an environment has one version of each package
    checked = upgrades.check({c.key: p for c, p in proposals.items()}, target.installed)
    return {c: checked[c.key] for c in proposals}


# A malicious package is critical whatever its record or the policy says: no severity
# threshold hides it, only an exception does (report.AuditReport.over_threshold).
MALICIOUS = Rating("critical", "malicious", "malicious-packages")


def _finding(
    target: AuditTarget,
    component: Component,
    group: list[Entry],
    policy: AuditPolicy,
    proposal: Proposal | None,
    path: tuple[str, ...],
) -> Finding:
    advisories = [a for a, _ in group]
    all_ids = {i for a in advisories for i in (a.id, *a.aliases)}
    malicious = any(a.malicious for a in advisories)
    primary = _primary(all_ids)
    ratings: tuple[Rating, ...] = ()
    if malicious:
        rating = MALICIOUS
    else:
        rating, ratings = rate(advisories, policy.unrated)
    return Finding(
        id=primary,
        check="malicious" if malicious else "vulnerabilities",
        aliases=tuple(sorted(all_ids - {primary})),
        component=component,
        bom_ref=target.bom_refs.get(component),
        summary=next((a.summary for a in advisories if a.summary), ""),
        details=next((a.details for a in advisories if a.details), ""),
        rating=rating,
        ratings=ratings,
        fixed_versions=tuple(fixed_versions(r for _, aff in group for r in aff.ranges)),
        references=tuple(dict.fromkeys(r for a in advisories for r in a.references)),
        path=path,
        proposal=None if malicious else proposal,
        remedy=(
            "Remove it now: do not install it; rotate every secret the machines that "
            "installed it could reach."
            if malicious
            else ""
        ),
        published=min((a.published for a in advisories if a.published), default=None),
        modified=max(a.modified for a in advisories),
    )
