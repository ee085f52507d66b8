"""``report --baseline``: what is new since an earlier report's JSON (validated against the
report schema): findings open now that it did not list as open, and exceptions expired
since. New findings at or above the threshold, and any newly expired exception, fail."""

from __future__ import annotations

from pathlib import Path
from typing import Any, cast

from chainproof.audit.severity import level_rank
from chainproof.fileio import load_json
from chainproof.formats.schema import validate
from chainproof.report.figures import NewSince, ProjectReport, Released, plural
from chainproof.report.timeline import Episode

__all__ = ["describe", "failure", "new_since", "read_baseline"]


def describe(finding: Episode | Released) -> str:
    """ "ADV-1 in pkg (high)", and the release it is in."""
    where = f" of {finding.release}" if isinstance(finding, Released) else ""
    return f"{finding.id} in {finding.package}{where} ({finding.level})"


def read_baseline(path: Path) -> dict[str, Any]:
    """An earlier report's JSON, valid against the report schema (else one InputError)."""
    earlier = load_json(path, "baseline report")
    validate(earlier, "report", str(path))
    return cast(dict[str, Any], earlier)


def new_since(report: ProjectReport, path: Path, earlier: dict[str, Any]) -> NewSince:
    was_open = {(f["id"].upper(), f["package"]) for f in earlier["open"]["findings"]}
    was_shipped = {
        (f["id"].upper(), f["package"], f["release"])
        for f in earlier.get("released", [])
        if not f["excepted"]
    }
    was_expired = {(e["id"].upper(), e["package"]) for e in earlier["exceptions"] if e["expired"]}
    return NewSince(
        str(path),
        (
            *(e for e in report.open if (e.id.upper(), e.package) not in was_open),
            *(
                r
                for r in report.released
                if r.exception is None and (r.id.upper(), r.package, r.release) not in was_shipped
            ),
        ),
        tuple(
            g
            for g in report.grants
            if report.expired(g)
            and (g.exception.id.upper(), g.exception.package) not in was_expired
        ),
    )


def failure(report: ProjectReport) -> str | None:
    """One sentence naming what is new at or above the threshold, or None."""
    new = report.new
    if new is None:
        return None
    rank = level_rank(report.fail_on)
    over = [e for e in new.findings if level_rank(e.level) >= rank]
    parts = []
    if over:
        named = ", ".join(describe(e) for e in over)
        parts.append(f"{plural(len(over), 'new advisory')} at or above {report.fail_on}: {named}")
    if new.expired:
        named = ", ".join(f"{g.exception.id} for {g.exception.package}" for g in new.expired)
        parts.append(f"{plural(len(new.expired), 'exception')} expired: {named}")
    return "Since the baseline, " + "; ".join(parts) + "." if parts else None
