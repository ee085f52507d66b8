"""A repository with a known history against a database of known advisories: the report's
figures equal the ones computed by hand."""

from __future__ import annotations

import subprocess
from datetime import date
from pathlib import Path

import pytest

from chainproof.errors import UsageError
from chainproof.formats.schema import validate
from chainproof.report.run import ReportRequest, make_report
from tests.report.known import NOW, POLICY, known_project
from tests.report.repo import Change, day, write_repository


@pytest.fixture
def project(tmp_path: Path) -> tuple[Path, Path]:
    return known_project(tmp_path)


def test_the_figures_are_the_hand_computed_ones(project: tuple[Path, Path]) -> None:
    repo, db = project
    report = make_report(ReportRequest(repo, db=db, now=NOW))
    data = report.to_json()
    validate(data, "report", "the report")

    assert data["open"]["total"] == 1
    assert data["open"]["by_severity"] == {
        "critical": 0,
        "high": 0,
        "medium": 1,
        "low": 0,
        "none": 0,
    }
    (beta,) = data["open"]["findings"]
    assert (beta["id"], beta["package"], beta["versions"]) == ("ADV-B", "beta", ["2.0"])
    assert beta["detected"] == "2026-01-31T00:00:00Z"  # the exception's expiry
    assert beta["detected_by"] == "expired exception"
    assert beta["days"] == 10.5

    resolved = {(e["id"], e["resolved_by"]): e["days"] for e in data["resolved"]}
    assert resolved == {
        ("ADV-G", "removed"): 24.0,
        ("ADV-B", "exception"): 18.0,
        ("ADV-A", "removed"): 5.0,
    }
    alpha = next(e for e in data["resolved"] if e["id"] == "ADV-A")
    assert alpha["detected_by"] == "advisory"  # published after the pin came in
    assert alpha["fixed_to"] == "1.1"
    assert "ADV-D" not in str(data)  # delta was gone before its advisory was published

    fix = data["time_to_fix"]
    assert fix["overall"] == {"count": 3, "mean_days": 15.7, "median_days": 18.0, "p95_days": 24.0}
    assert fix["by_severity"]["high"] == {
        "count": 2,
        "mean_days": 14.5,
        "median_days": 14.5,
        "p95_days": 24.0,
    }
    assert fix["by_severity"]["medium"]["mean_days"] == 18.0
    assert fix["not_counted"] == 0

    (exception,) = data["exceptions"]
    assert exception["approver"] == "sec@example.invalid"
    assert exception["expired"] is True
    assert exception["days_to_expiry"] == -11  # expired at the end of 2026-01-30
    assert exception["granted"] == "2026-01-21T12:00:00Z"

    fixes = [(r["subject"], r["fixed"][0]["to"]) for r in data["remediations"]]
    assert fixes == [("drop gamma", None), ("upgrade alpha", "1.1")]

    # weeks end on days 7, 14, 21, 28, 35 and the report's day 40
    trend = {p["week_ending"]: (p["high"], p["medium"]) for p in data["trend"]}
    assert trend == {
        "2026-01-08": (1, 1),
        "2026-01-15": (2, 1),
        "2026-01-22": (1, 0),
        "2026-01-29": (0, 0),
        "2026-02-05": (0, 1),
        "2026-02-10": (0, 1),
    }

    assert data["history"]["complete"] is True
    assert data["history"]["commits"] == 6
    (skipped,) = data["history"]["skipped"]
    assert skipped["path"] == "uv.lock"
    assert "not valid TOML" in skipped["reason"]
    assert report.sentences()[0] == "1 medium-severity advisory is open; the oldest for 10 days."


def test_a_shallow_clone_claims_no_time_to_fix_before_it(
    project: tuple[Path, Path], tmp_path: Path
) -> None:
    repo, db = project
    shallow = tmp_path / "shallow"
    subprocess.run(["git", "clone", "-q", "--depth", "2", repo.as_uri(), str(shallow)], check=True)
    data = make_report(ReportRequest(shallow, db=db, now=NOW)).to_json()
    assert data["history"]["shallow"] is True
    assert "shallow clone" in data["history"]["statement"]
    assert data["time_to_fix"]["overall"]["count"] == 0  # every finding began before day 20
    assert data["time_to_fix"]["not_counted"] == 2
    assert data["open"]["total"] == 1


def test_since_counts_no_time_to_fix_for_what_began_before(project: tuple[Path, Path]) -> None:
    repo, db = project
    data = make_report(ReportRequest(repo, db=db, now=NOW, since=date(2026, 1, 14))).to_json()
    assert data["history"]["since"] == "2026-01-14"
    assert data["history"]["commits"] == 3  # days 15, 20 and 25
    assert data["history"]["complete"] is False
    assert data["time_to_fix"]["overall"]["count"] == 0
    assert data["time_to_fix"]["not_counted"] == 3
    assert data["trend"][0]["week_ending"] == "2026-01-21"
    assert data["open"]["total"] == 1


def test_an_exception_not_committed_yet_applies_from_now(
    project: tuple[Path, Path], tmp_path: Path
) -> None:
    _, db = project
    repo = write_repository(
        tmp_path / "other", [Change(day(0), "lock", {"requirements.txt": "alpha==1.0\n"})]
    )
    policy = tmp_path / "policy.toml"  # outside the repository: it has no history
    policy.write_text(POLICY.replace("2026-01-30", "2026-03-31").replace("ADV-B", "ADV-A"))
    policy.write_text(policy.read_text().replace('"beta"', '"alpha"'))
    data = make_report(ReportRequest(repo, db=db, now=NOW, policy=policy)).to_json()
    (exception,) = data["exceptions"]
    assert (exception["id"], exception["granted"], exception["expired"]) == ("ADV-A", None, False)
    assert data["open"]["total"] == 0
    (alpha,) = data["resolved"]
    assert (alpha["resolved_by"], alpha["resolved"]) == ("exception", "2026-02-10T12:00:00Z")
    assert alpha["days"] == 30.0  # from ADV-A's publication on day 10 to the report's day 40


def test_an_exception_extended_keeps_the_finding_closed(
    project: tuple[Path, Path], tmp_path: Path
) -> None:
    repo, db = project
    policy = tmp_path / "extended.toml"
    policy.write_text(POLICY.replace("2026-01-30", "2026-03-31"))
    data = make_report(ReportRequest(repo, db=db, now=NOW, policy=policy)).to_json()
    assert data["open"]["total"] == 0
    beta = next(e for e in data["resolved"] if e["id"] == "ADV-B")
    assert (beta["resolved_by"], beta["resolved"]) == ("exception", "2026-01-21T12:00:00Z")
    assert data["verdict"] == "All clear: no open advisory."


def test_a_repository_without_lock_history_says_so(tmp_path: Path) -> None:
    _, db = known_project(tmp_path / "known")
    repo = write_repository(tmp_path / "empty", [Change(NOW, "readme", {"README": "hi\n"})])
    data = make_report(ReportRequest(repo, db=db, now=NOW)).to_json()
    assert data["history"]["commits"] == 0
    assert data["history"]["statement"] == (
        "The repository has no history of the lock files, so no time to fix is known."
    )
    assert data["open"]["total"] == 0


def test_a_project_in_a_subdirectory_with_its_own_lock(project: tuple[Path, Path]) -> None:
    _, db = project
    repo = write_repository(
        project[0].parent / "mono",
        [
            Change(day(0), "apps", {"app/reqs/prod.txt": "gamma==1.0\n", "other/uv.lock": "x"}),
            Change(day(3), "fix", {"app/reqs/prod.txt": "gamma==2.0\n"}),
        ],
    )
    data = make_report(
        ReportRequest(repo / "app", locks=("reqs/prod.txt",), db=db, now=NOW)
    ).to_json()
    assert data["project"] == "app"
    assert data["history"]["locks"] == ["reqs/prod.txt"]
    (gamma,) = data["resolved"]
    assert (gamma["id"], gamma["days"]) == ("ADV-G", 2.0)  # published on day 1, fixed on day 3
    with pytest.raises(UsageError, match="is not a lock chainproof reads"):
        make_report(ReportRequest(repo / "app", locks=("README.md",), db=db, now=NOW))
    with pytest.raises(UsageError, match="is not inside the project"):
        make_report(ReportRequest(repo / "app", locks=(str(repo / "other/uv.lock"),), db=db))


def test_an_unreadable_version_neither_fixes_nor_reopens(project: tuple[Path, Path]) -> None:
    _, db = project
    repo = write_repository(
        project[0].parent / "broken",
        [
            Change(day(0), "lock", {"requirements.txt": "gamma==1.0\n"}),
            Change(day(4), "oops", {"requirements.txt": "gamma==\n"}),
            Change(day(6), "repaired", {"requirements.txt": "gamma==1.0\n"}),
            Change(day(9), "fix", {"requirements.txt": "gamma==2.0\n"}),
        ],
    )
    data = make_report(ReportRequest(repo, db=db, now=NOW)).to_json()
    (gamma,) = data["resolved"]
    assert (gamma["id"], gamma["days"]) == ("ADV-G", 8.0)  # published day 1, fixed day 9
    (skipped,) = data["history"]["skipped"]  # named, and nothing else changed
    assert skipped["path"] == "requirements.txt"
    assert data["open"]["total"] == 0
