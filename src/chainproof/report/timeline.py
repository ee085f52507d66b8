"""Findings through time. A finding is one vulnerability in one package; it is present
while some locked version of the package is affected. Each stretch of presence is an episode:

- detected at the later of the commit that brought an affected version in and the
  advisory's publication (a version dropped before its advisory was published never counts);
- resolved by the commit that left no affected version, or by the granting of an exception
  (the first commit whose policy holds it), whichever comes first;
- an exception that expires while an affected version is still locked reopens the finding
  on its expiry, as a new episode.

An episode whose beginning lies before the history read (a shallow clone, or ``--since``)
has ``known_start`` False: it is reported, but no time to fix is claimed for it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta

from chainproof.formats.audit_policy import AuditException

__all__ = [
    "Episode",
    "Grant",
    "Snapshot",
    "Vulnerability",
    "episodes",
    "expiry_instant",
    "grant_for",
]


@dataclass(frozen=True)
class Vulnerability:
    """One vulnerability as it affects one locked version (from the audit's matching)."""

    id: str
    package: str  # normalised
    version: str
    level: str
    summary: str = ""
    aliases: tuple[str, ...] = ()
    published: datetime | None = None


@dataclass(frozen=True)
class Snapshot:
    """The locked pins after one commit."""

    commit: str
    time: datetime
    subject: str
    pins: frozenset[tuple[str, str]]


@dataclass(frozen=True)
class Grant:
    """An exception and when it entered the policy (None: not committed)."""

    exception: AuditException
    granted: datetime | None
    commit: str | None = None


@dataclass(frozen=True)
class Episode:
    id: str
    package: str
    level: str
    summary: str
    aliases: tuple[str, ...]
    versions: tuple[str, ...]  # the affected versions locked during the episode
    detected: datetime
    detected_by: str  # "commit", "advisory" (published later) or "expired exception"
    detected_commit: str | None
    known_start: bool
    resolved: datetime | None = None
    resolved_by: str | None = None  # "removed" or "exception"
    resolved_commit: str | None = None
    resolved_subject: str | None = None
    fixed_to: str | None = None  # the package's version after the fixing commit
    exception: AuditException | None = field(default=None, compare=False)

    @property
    def open(self) -> bool:
        return self.resolved is None

    def days(self, now: datetime) -> float:
        """Days from detection to resolution (or to ``now`` while open)."""
        return ((self.resolved or now) - self.detected).total_seconds() / 86400


def expiry_instant(expires: date) -> datetime:
    """When an exception stops applying: the end of its day (UTC), or its exact instant."""
    if isinstance(expires, datetime):
        return expires.astimezone(UTC)
    return datetime.combine(expires + timedelta(days=1), time(), UTC)


@dataclass
class _Stretch:
    start: int  # index of the snapshot that brought it in
    end: int | None = None  # index of the snapshot that left no affected version
    versions: list[str] = field(default_factory=list)


def _stretches(
    snapshots: Sequence[Snapshot], affected: Mapping[tuple[str, str], Sequence[Vulnerability]]
) -> dict[tuple[str, str], tuple[Vulnerability, list[_Stretch]]]:
    found: dict[tuple[str, str], tuple[Vulnerability, list[_Stretch]]] = {}
    live: set[tuple[str, str]] = set()
    for index, snap in enumerate(snapshots):
        now: dict[tuple[str, str], Vulnerability] = {}
        for pin in sorted(snap.pins):
            for vuln in affected.get(pin, ()):
                now.setdefault((vuln.id, vuln.package), vuln)
                key = (vuln.id, vuln.package)
                if key not in found:
                    found[key] = (vuln, [])
                stretches = found[key][1]
                if key not in live:
                    stretches.append(_Stretch(index))
                if pin[1] not in stretches[-1].versions:
                    stretches[-1].versions.append(pin[1])
        for key in live - set(now):
            found[key][1][-1].end = index
        live = set(now)
    return found


def grant_for(vuln: Vulnerability, grants: Sequence[Grant]) -> Grant | None:
    ids = {vuln.id.upper(), *(a.upper() for a in vuln.aliases)}
    return next(
        (
            g
            for g in grants
            if g.exception.package == vuln.package and g.exception.id.upper() in ids
        ),
        None,
    )


def episodes(
    snapshots: Sequence[Snapshot],
    affected: Mapping[tuple[str, str], Sequence[Vulnerability]],
    grants: Sequence[Grant],
    now: datetime,
    horizon: datetime | None,
) -> list[Episode]:
    """Every episode of every finding; ``horizon`` is where the history read begins when it
    is not the repository's beginning (a shallow clone, ``--since``)."""
    found: list[Episode] = []
    for vuln, stretches in _stretches(snapshots, affected).values():
        grant = grant_for(vuln, grants)
        for stretch in stretches:
            first = snapshots[stretch.start]
            start = first.time if horizon is None else max(first.time, horizon)
            end = snapshots[stretch.end] if stretch.end is not None else None
            known = horizon is None or first.time > horizon
            detected = max(start, vuln.published or start)
            if (end is not None and end.time <= detected) or detected > now:
                continue  # fixed before anyone knew, or not known yet
            by = "advisory" if vuln.published and vuln.published > start else "commit"
            base = Episode(
                vuln.id,
                vuln.package,
                vuln.level,
                vuln.summary,
                vuln.aliases,
                tuple(stretch.versions),
                detected,
                by,
                first.commit if by == "commit" else None,
                known,
            )
            found += _resolve(base, end, grant, now, snapshots, vuln.package)
    return sorted(found, key=lambda e: (e.detected, e.package, e.id))


def _fixed(snapshot: Snapshot, package: str) -> str | None:
    versions = sorted(v for name, v in snapshot.pins if name == package)
    return ", ".join(versions) if versions else None


def _resolve(
    base: Episode,
    end: Snapshot | None,
    grant: Grant | None,
    now: datetime,
    snapshots: Sequence[Snapshot],
    package: str,
) -> list[Episode]:
    """The episode ended by its removal, or first by an exception (and reopened on expiry)."""
    removed = base
    if end is not None:
        removed = replace(
            base,
            resolved=end.time,
            resolved_by="removed",
            resolved_commit=end.commit,
            resolved_subject=end.subject,
            fixed_to=_fixed(end, package),
        )
    if grant is None:
        return [removed]
    granted = grant.granted or now  # an exception not committed yet is granted now
    expiry = expiry_instant(grant.exception.expires)
    limit = end.time if end is not None else now
    # the removal wins a tie; an open finding can be excepted right now
    late = granted >= limit if end is not None else granted > now
    if late or expiry <= max(base.detected, granted):
        return [removed]
    resolved = max(granted, base.detected)
    excepted = replace(
        base,
        resolved=resolved,
        resolved_by="exception",
        resolved_commit=grant.commit,
        exception=grant.exception,
    )
    if expiry >= limit:
        return [excepted]
    reopened = replace(
        removed,
        detected=expiry,
        detected_by="expired exception",
        detected_commit=None,
        exception=grant.exception,
    )
    return [excepted, reopened]
