"""Severity of an advisory: CVSS v2/v3/v4 vectors scored with the ``cvss`` library, then the
database's own rating (e.g. GHSA's ``database_specific.severity``), then the policy's default
for advisories that carry none."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from chainproof.formats.audit_policy import LEVELS
from chainproof.formats.osv import Advisory

__all__ = ["LEVELS", "Rating", "level_rank", "rate"]

_DATABASE_LEVELS = {
    "LOW": "low",
    "MODERATE": "medium",
    "MEDIUM": "medium",
    "HIGH": "high",
    "CRITICAL": "critical",
    "NONE": "none",
}


def level_rank(level: str) -> int:
    return LEVELS.index(level)


@dataclass(frozen=True)
class Rating:
    level: str  # one of LEVELS
    method: str  # CVSSv2 | CVSSv3 | CVSSv31 | CVSSv4 | database | policy
    source: str  # the advisory id the rating comes from, or "policy"
    score: float | None = None
    vector: str | None = None

    @property
    def rank(self) -> tuple[int, float]:
        return level_rank(self.level), self.score or 0.0


def _v3_level(score: float) -> str:
    if score == 0:
        return "none"
    return "low" if score < 4 else "medium" if score < 7 else "high" if score < 9 else "critical"


def _cvss(kind: str, vector: str, source: str) -> Rating | None:
    from cvss import CVSS2, CVSS3, CVSS4
    from cvss.exceptions import CVSSError

    try:
        if kind == "CVSS_V4":
            v4 = CVSS4(vector)
            return Rating(
                str(v4.severity).lower(), "CVSSv4", source, float(v4.base_score), v4.clean_vector()
            )
        if kind == "CVSS_V3":
            v3 = CVSS3(vector)
            score = float(v3.scores()[0])
            method = "CVSSv31" if vector.startswith("CVSS:3.1/") else "CVSSv3"
            return Rating(_v3_level(score), method, source, score, v3.clean_vector())
        if kind == "CVSS_V2":
            v2 = CVSS2(vector)
            score = float(v2.scores()[0])
            level = "low" if score < 4 else "medium" if score < 7 else "high"
            return Rating(level, "CVSSv2", source, score, v2.clean_vector())
    except (CVSSError, ValueError, KeyError):
        return None
    return None


def _ratings(advisory: Advisory) -> list[Rating]:
    found = [
        r
        for kind, vector in advisory.severity
        if (r := _cvss(kind, vector, advisory.id)) is not None
    ]
    db_level = _DATABASE_LEVELS.get(advisory.database_severity or "")
    if db_level:
        found.append(Rating(db_level, "database", advisory.id))
    return found


def rate(advisories: Iterable[Advisory], unrated: str) -> tuple[Rating, tuple[Rating, ...]]:
    """The finding's rating (the highest of its advisories') and every rating found.

    With none at all, the policy's ``unrated`` level is used and the method says "policy".
    """
    ratings = tuple(r for a in advisories for r in _ratings(a))
    if not ratings:
        return Rating(unrated, "policy", "policy"), ()
    return max(ratings, key=lambda r: r.rank), ratings
