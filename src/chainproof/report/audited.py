"""What the audit says: every version a history ever locked (one audit of them all), the
released versions' SBOMs, and the dependency checks over the current locks."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import datetime
from pathlib import Path

from chainproof.audit.engine import run_audit
from chainproof.audit.inputs import AuditTarget
from chainproof.audit.report import CheckStatus
from chainproof.audit.run import AuditRequest, audit
from chainproof.audit.source import AdvisorySource
from chainproof.errors import InputError
from chainproof.formats.audit_policy import AuditPolicy
from chainproof.models import Component, DependencyGraph, Inventory, parse_timestamp
from chainproof.report.figures import Released
from chainproof.report.states import lock_kind
from chainproof.report.timeline import Grant, Vulnerability, expiry_instant, grant_for

__all__ = ["current_checks", "released", "vulnerabilities"]


def vulnerabilities(
    pins: Iterable[tuple[str, str]], db: AdvisorySource, rules: AuditPolicy
) -> dict[tuple[str, str], list[Vulnerability]]:
    """Every locked version ever against the database, in one audit of them all."""
    components = tuple(Component(name, version) for name, version in sorted(set(pins)))
    target = AuditTarget(Inventory(None, components, DependencyGraph((), ())), "history")
    report = run_audit(
        target,
        db,
        replace(rules, exceptions=()),
        advisory_checks=("vulnerabilities", "malicious"),
    )
    found: dict[tuple[str, str], list[Vulnerability]] = {}
    for f in report.findings:
        key = (f.component.key, f.component.version)
        published = parse_timestamp(f.published)
        found.setdefault(key, []).append(
            Vulnerability(f.id, key[0], key[1], f.rating.level, f.summary, f.aliases, published)
        )
    return found


def released(
    shipped: dict[str, frozenset[tuple[str, str]]],
    affected: dict[tuple[str, str], list[Vulnerability]],
    grants: Sequence[Grant],
    now: datetime,
) -> tuple[Released, ...]:
    """Each vulnerability of each released version, with the exception valid now, if any."""
    found = []
    for release, pins in shipped.items():
        for pin in sorted(pins):
            for v in affected.get(pin, ()):
                grant = grant_for(v, grants)
                valid = grant is not None and expiry_instant(grant.exception.expires) > now
                found.append(
                    Released(
                        v.id,
                        v.package,
                        v.version,
                        v.level,
                        v.summary,
                        release,
                        grant.exception if grant is not None and valid else None,
                    )
                )
    return tuple(found)


def current_checks(
    locks: Sequence[Path], db: Path | None, policy: Path | None, project: Path
) -> tuple[tuple[tuple[CheckStatus, str], ...], list[str]]:
    """The dependency checks over each current lock (offline), the worst status of each, and
    what could not be audited."""
    order = ("failed", "partly checked", "not checked", "passed")
    worst: dict[str, tuple[CheckStatus, str]] = {}
    problems: list[str] = []
    for lock in locks:
        kind = lock_kind(lock.name)
        if kind is None or not lock.is_file():
            continue
        try:
            run = audit(
                AuditRequest(
                    kind,
                    lock,
                    db=db,
                    policy=policy,
                    project_dir=project,
                    offline=True,
                    ignore_stale=True,
                )
            )
        except InputError as exc:
            problems.append(f"The current {lock.name} could not be audited: {exc.message}")
            continue
        for status in run.report.checks:
            said = run.report.status_of(status.id)
            known = worst.get(status.id)
            if known is None or order.index(said) < order.index(known[1]):
                worst[status.id] = (status, said)
    if problems:  # a lock that could not be audited: nothing passed over all of them
        worst = {
            c: (status, "partly checked" if said == "passed" else said)
            for c, (status, said) in worst.items()
        }
    return tuple(worst[c] for c in sorted(worst)), problems
