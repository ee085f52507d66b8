"""The figures of a report, computed from its episodes, and the plain sentences that say
them. One model for every output: the page, the Markdown and the JSON render the same
:class:`ProjectReport`."""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from chainproof.audit.report import CheckStatus
from chainproof.formats.audit_policy import LEVELS, AuditException
from chainproof.report.states import Skipped
from chainproof.report.timeline import Episode, Grant, expiry_instant

__all__ = [
    "REPORT_SCHEMA",
    "SEVERITIES",
    "FixTimes",
    "HistoryRead",
    "NewSince",
    "ProjectReport",
    "Released",
    "fix_times",
    "plural",
    "trend",
]

REPORT_SCHEMA = "https://chainproof.dev/report/v1"
SEVERITIES = tuple(reversed(LEVELS))  # critical first


def plural(count: int, noun: str) -> str:
    if count == 1:
        return f"1 {noun}"
    if noun.endswith("y") and noun[-2:-1] not in ("a", "e", "o", "u"):
        return f"{count} {noun[:-1]}ies"
    return f"{count} {noun}s"


def _day(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).date().isoformat() if moment else None


def _stamp(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


@dataclass(frozen=True)
class FixTimes:
    count: int
    mean: float | None  # days, one decimal
    median: float | None
    p95: float | None  # nearest rank

    def to_json(self) -> dict[str, Any]:
        return {
            "count": self.count,
            "mean_days": self.mean,
            "median_days": self.median,
            "p95_days": self.p95,
        }


def fix_times(days: Sequence[float]) -> FixTimes:
    if not days:
        return FixTimes(0, None, None, None)
    ordered = sorted(days)
    p95 = ordered[max(math.ceil(0.95 * len(ordered)) - 1, 0)]
    return FixTimes(
        len(ordered),
        round(statistics.fmean(ordered), 1),
        round(statistics.median(ordered), 1),
        round(p95, 1),
    )


def trend(
    episodes: Sequence[Episode], start: datetime, now: datetime
) -> list[tuple[str, dict[str, int]]]:
    """Open findings by severity at the end of each week from ``start`` to ``now``."""
    points: list[tuple[str, dict[str, int]]] = []
    moment = start + timedelta(days=7)
    while True:
        at = min(moment, now)
        counts = dict.fromkeys(SEVERITIES, 0)
        for e in episodes:
            if e.detected <= at and (e.resolved is None or e.resolved > at):
                counts[e.level] += 1
        points.append((at.date().isoformat(), counts))
        if at >= now:
            return points
        moment += timedelta(days=7)


@dataclass(frozen=True)
class HistoryRead:
    commits: int
    first: datetime | None
    last: datetime | None
    shallow: bool
    since: datetime | None
    locks: tuple[str, ...]
    skipped: tuple[Skipped, ...]

    @property
    def complete(self) -> bool:
        return not self.shallow and self.since is None and self.commits > 0

    def statement(self) -> str:
        if not self.commits:
            return "The repository has no history of the lock files, so no time to fix is known."
        span = f"{plural(self.commits, 'commit')} from {_day(self.first)} to {_day(self.last)}"
        if self.shallow:
            return (
                f"This is a shallow clone: the report read {span} only, and claims no time to "
                "fix for findings that began before it."
            )
        if self.since is not None:
            return f"The report read {span}, since {_day(self.since)}."
        return f"The report read the whole history of the lock files: {span}."

    def to_json(self) -> dict[str, Any]:
        return {
            "commits": self.commits,
            "first": _stamp(self.first),
            "last": _stamp(self.last),
            "shallow": self.shallow,
            "since": _day(self.since),
            "complete": self.complete,
            "statement": self.statement(),
            "locks": list(self.locks),
            "skipped": [s.to_json() for s in self.skipped],
        }


@dataclass(frozen=True)
class Released:
    """A vulnerability in a released version (its SBOM, ``--sbom``), audited today."""

    id: str
    package: str
    version: str
    level: str
    summary: str
    release: str  # the SBOM as given
    exception: AuditException | None = None  # a valid exception covers it

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "package": self.package,
            "version": self.version,
            "severity": self.level,
            "summary": self.summary,
            "release": self.release,
            "excepted": self.exception is not None,
        }


@dataclass(frozen=True)
class NewSince:
    """What an earlier report (``--baseline``) did not have."""

    baseline: str
    findings: tuple[Episode | Released, ...]
    expired: tuple[Grant, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "baseline": self.baseline,
            "findings": [
                {
                    "id": e.id,
                    "package": e.package,
                    "severity": e.level,
                    "release": e.release if isinstance(e, Released) else None,
                }
                for e in self.findings
            ],
            "expired_exceptions": [
                {"id": g.exception.id, "package": g.exception.package} for g in self.expired
            ],
        }


@dataclass(frozen=True)
class ProjectReport:
    project: str  # the project directory's name
    generated: datetime
    fail_on: str
    database: dict[str, Any] | None
    history: HistoryRead
    episodes: tuple[Episode, ...]
    grants: tuple[Grant, ...]  # the current policy's exceptions
    checks: tuple[tuple[CheckStatus, str], ...]  # (status, "passed" / "failed" / ...)
    warnings: tuple[str, ...] = ()
    new: NewSince | None = None
    released: tuple[Released, ...] = ()
    # commit: the test run (command, passed, seconds) of the remediation record it landed
    tested: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def open(self) -> tuple[Episode, ...]:
        return tuple(
            sorted(
                (e for e in self.episodes if e.open),
                key=lambda e: (SEVERITIES.index(e.level), e.detected, e.package, e.id),
            )
        )

    @property
    def resolved(self) -> tuple[Episode, ...]:
        return tuple(e for e in self.episodes if not e.open)

    def open_by_severity(self) -> dict[str, int]:
        counts = dict.fromkeys(SEVERITIES, 0)
        for e in self.open:
            counts[e.level] += 1
        return counts

    def fix_times(self) -> tuple[FixTimes, dict[str, FixTimes]]:
        """Over the resolved episodes whose start the history shows."""
        known = [e for e in self.resolved if e.known_start]
        per = {
            level: fix_times([e.days(self.generated) for e in known if e.level == level])
            for level in SEVERITIES
        }
        return fix_times([e.days(self.generated) for e in known]), per

    def age(self, episode: Episode) -> int:
        return int(episode.days(self.generated))

    def days_to_expiry(self, grant: Grant) -> int:
        return math.floor(
            (expiry_instant(grant.exception.expires) - self.generated).total_seconds() / 86400
        )

    def expired(self, grant: Grant) -> bool:
        return expiry_instant(grant.exception.expires) <= self.generated

    def trend(self) -> list[tuple[str, dict[str, int]]]:
        start = self.history.since or self.history.first or self.generated
        return trend(self.episodes, start, self.generated)

    def remediations(self) -> list[dict[str, Any]]:
        """The commits that fixed findings by changing the lock, newest first."""
        by_commit: dict[str, list[Episode]] = {}
        for e in self.resolved:
            if e.resolved_by == "removed" and e.resolved_commit:
                by_commit.setdefault(e.resolved_commit, []).append(e)
        found = [
            {
                "commit": commit,
                "date": _stamp(fixed[0].resolved),
                "subject": fixed[0].resolved_subject or "",
                "fixed": [
                    {
                        "id": e.id,
                        "package": e.package,
                        "from": ", ".join(e.versions),
                        "to": e.fixed_to,
                    }
                    for e in fixed
                ],
                "tests": self.tested.get(commit),  # None: no remediation record of its tests
            }
            for commit, fixed in by_commit.items()
        ]
        return sorted(found, key=lambda r: (r["date"] or "", r["commit"]), reverse=True)

    def sentences(self) -> list[str]:
        """The headline in plain words, most urgent first."""
        said: list[str] = []
        for level, count in self.open_by_severity().items():
            if not count:
                continue
            oldest = max(self.age(e) for e in self.open if e.level == level)
            advisories = "advisory is" if count == 1 else "advisories are"
            said.append(
                f"{count} {level}-severity {advisories} open; the oldest for "
                f"{plural(oldest, 'day')}."
            )
        if not said:
            said.append("No known advisory affects what is locked now.")
        shipped = [r for r in self.released if r.exception is None]
        if shipped:
            releases = len({r.release for r in shipped})
            said.append(
                f"{plural(len(shipped), 'advisory')} affect{'s' if len(shipped) == 1 else ''} "
                f"{plural(releases, 'released version')}."
            )
        overall, _ = self.fix_times()
        if overall.count:
            said.append(
                f"{plural(overall.count, 'finding')} were resolved, in {overall.mean:g} days "
                f"on average (median {overall.median:g})."
                if overall.count != 1
                else f"1 finding was resolved, in {overall.mean:g} days."
            )
        expired = [g for g in self.grants if self.expired(g)]
        if expired:
            said.append(f"{plural(len(expired), 'exception')} of the policy expired.")
        return said

    def verdict(self) -> str:
        counts = self.open_by_severity()
        serious = counts["critical"] + counts["high"]
        if serious:
            return "Action needed: serious advisories are open."
        if sum(counts.values()):
            return "Attention: some advisories are open."
        return "All clear: no open advisory."

    def to_json(self) -> dict[str, Any]:
        overall, per = self.fix_times()
        return {
            "schema": REPORT_SCHEMA,
            "project": self.project,
            "generated": _stamp(self.generated),
            "verdict": self.verdict(),
            "summary": self.sentences(),
            "fail_on": self.fail_on,
            "database": self.database,
            "history": self.history.to_json(),
            "open": {
                "total": len(self.open),
                "by_severity": self.open_by_severity(),
                "findings": [self._episode(e) for e in self.open],
            },
            "time_to_fix": {
                "overall": overall.to_json(),
                "by_severity": {level: per[level].to_json() for level in SEVERITIES},
                "not_counted": sum(1 for e in self.resolved if not e.known_start),
            },
            "resolved": [self._episode(e) for e in self.resolved],
            "released": [r.to_json() for r in self.released],
            "trend": [{"week_ending": day, **counts} for day, counts in self.trend()],
            "exceptions": [self._grant(g) for g in self.grants],
            "remediations": self.remediations(),
            "checks": [
                {"id": c.id, "status": status, "reason": c.reason or None}
                for c, status in self.checks
            ],
            "warnings": list(self.warnings),
            "new": self.new.to_json() if self.new else None,
        }

    def _episode(self, e: Episode) -> dict[str, Any]:
        return {
            "id": e.id,
            "aliases": list(e.aliases),
            "package": e.package,
            "versions": list(e.versions),
            "severity": e.level,
            "summary": e.summary,
            "detected": _stamp(e.detected),
            "detected_by": e.detected_by,
            "detected_commit": e.detected_commit,
            "resolved": _stamp(e.resolved),
            "resolved_by": e.resolved_by,
            "resolved_commit": e.resolved_commit,
            "fixed_to": e.fixed_to,
            "days": round(e.days(self.generated), 1),
            "counted": e.known_start,
        }

    def _grant(self, g: Grant) -> dict[str, Any]:
        return {
            **g.exception.to_json(),
            "granted": _stamp(g.granted),
            "granted_commit": g.commit,
            "days_to_expiry": self.days_to_expiry(g),
            "expired": self.expired(g),
        }
