"""A history whose figures are computed by hand (tests/report/test_figures.py says them)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from chainproof.audit.db import build_database
from chainproof.formats.osv import iter_source
from tests.report.repo import Change, advisory, day, write_advisories, write_repository

__all__ = ["ADVISORIES", "HISTORY", "NOW", "POLICY", "known_project"]

POLICY = """[audit]
fail-on = "medium"
[[audit.exceptions]]
id = "ADV-B"
package = "beta"
reason = "not reachable from our code"
approver = "sec@example.invalid"
expires = 2026-01-30
"""

# day 0: alpha, beta, gamma and delta locked (all of them affected by what comes later)
# day 1: ADV-G (gamma, high) published     day 2: ADV-B (beta, medium) published
# day 5: a uv.lock that is not TOML (skipped, named)   day 8: delta removed
# day 10: ADV-A (alpha, high) published     day 12: ADV-D (delta) published: never seen
# day 15: alpha upgraded to 1.1 (fix: 5 days)
# day 20: an exception for ADV-B, until 2026-01-30 (resolution: 18 days after day 2)
# day 25: gamma removed (fix: 24 days)      2026-01-31: the exception expired, ADV-B reopens
# day 40: the report
HISTORY = [
    Change(day(0), "lock", {"requirements.txt": "alpha==1.0\nbeta==2.0\ngamma==1.0\ndelta==1.0\n"}),
    Change(day(5), "uv lock, broken", {"uv.lock": "version = [[[\n"}),
    Change(day(8), "drop delta", {"requirements.txt": "alpha==1.0\nbeta==2.0\ngamma==1.0\n"}),
    Change(day(15), "upgrade alpha", {"requirements.txt": "alpha==1.1\nbeta==2.0\ngamma==1.0\n"}),
    Change(day(20), "accept ADV-B", {"chainproof.toml": POLICY}),
    Change(day(25), "drop gamma", {"requirements.txt": "alpha==1.1\nbeta==2.0\n"}),
]
ADVISORIES = [
    advisory("ADV-G", "gamma", "2.0", day(1)),
    advisory("ADV-B", "beta", "3.0", day(2), "MODERATE"),
    advisory("ADV-A", "alpha", "1.1", day(10)),
    advisory("ADV-D", "delta", "2.0", day(12)),
]


NOW = day(40)


def known_project(tmp: Path) -> tuple[Path, Path]:
    """The repository of HISTORY and a database of ADVISORIES, fresh by the real clock (the
    audit judges its age by it) thanks to one more record about another package."""
    repo = write_repository(tmp / "acme-app", HISTORY)
    db = tmp / "db.sqlite3"
    fresh = advisory("ADV-FRESH", "unrelated", "1.0", datetime.now(UTC))
    build_database(iter_source(write_advisories(tmp / "osv", [*ADVISORIES, fresh])), db, "test")
    return repo, db
