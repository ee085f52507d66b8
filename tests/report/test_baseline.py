"""``chainproof report --baseline``: a database import between two runs brings in one new
advisory, which the second run names and fails on; with nothing new it passes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import chainproof
from tests.report.repo import Change, advisory, day, write_advisories, write_repository

SRC = Path(chainproof.__file__).resolve().parent.parent


def _chainproof(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHAINPROOF_")}
    return subprocess.run(
        [sys.executable, "-m", "chainproof", *map(str, args)],
        cwd=cwd,
        # this checkout's chainproof, whatever the interpreter has installed
        env={**env, "CHAINPROOF_OFFLINE": "1", "PYTHONPATH": str(SRC)},
        capture_output=True,
        text=True,
        check=False,
    )


def test_a_new_advisory_since_the_baseline_is_named_and_fails(tmp_path: Path) -> None:
    repo = write_repository(
        tmp_path / "repo",
        [Change(day(0), "lock", {"requirements.txt": "alpha==1.0\nbeta==2.0\n"})],
    )
    db = tmp_path / "advisories.sqlite3"
    known = [advisory("ADV-A", "alpha", "1.1", day(1))]
    imported = _chainproof(
        "db", "import", write_advisories(tmp_path / "osv1", known), "--db", db, cwd=tmp_path
    )
    assert imported.returncode == 0, imported.stderr
    first = _chainproof(
        "report", repo, "--format", "json", "-o", tmp_path / "r1.json", "--db", db, cwd=tmp_path
    )
    assert first.returncode == 0, first.stderr
    assert json.loads((tmp_path / "r1.json").read_text())["open"]["total"] == 1

    again = _chainproof(
        "report",
        repo,
        "--format",
        "json",
        "-o",
        tmp_path / "r2.json",
        "--db",
        db,
        "--baseline",
        tmp_path / "r1.json",
        cwd=tmp_path,
    )
    assert again.returncode == 0, again.stderr
    assert "Nothing new since the baseline." in again.stderr
    assert json.loads((tmp_path / "r2.json").read_text())["new"]["findings"] == []

    newer = [*known, advisory("ADV-B", "beta", "3.0", day(2), "LOW")]
    imported = _chainproof(
        "db", "import", write_advisories(tmp_path / "osv2", newer), "--db", db, cwd=tmp_path
    )
    assert imported.returncode == 0, imported.stderr
    third = _chainproof(
        "report",
        repo,
        "--format",
        "json",
        "-o",
        tmp_path / "r3.json",
        "--db",
        db,
        "--baseline",
        tmp_path / "r1.json",
        cwd=tmp_path,
    )
    assert third.returncode == 1, third.stderr
    assert "1 new advisory at or above low: ADV-B in beta (low)" in third.stderr
    assert "ADV-A" not in third.stderr
    assert "Traceback" not in third.stderr
    report = json.loads((tmp_path / "r3.json").read_text())
    assert report["new"]["findings"] == [{"id": "ADV-B", "package": "beta", "severity": "low"}]
    assert report["open"]["total"] == 2

    # the same new advisory under the threshold is listed, and does not fail
    under = _chainproof(
        "report",
        repo,
        "--format",
        "markdown",
        "--db",
        db,
        "--fail-on",
        "high",
        "--baseline",
        tmp_path / "r1.json",
        cwd=tmp_path,
    )
    assert under.returncode == 0, under.stderr
    assert "- ADV-B in beta (low)" in under.stdout


def test_bad_input_is_one_sentence(tmp_path: Path) -> None:
    repo = write_repository(
        tmp_path / "repo", [Change(day(0), "lock", {"requirements.txt": "a==1\n"})]
    )
    (tmp_path / "bad.json").write_text('{"schema": "nope"}')
    cases: list[tuple[list[str | Path], str]] = [
        ([tmp_path / "nowhere"], "does not exist"),
        ([repo, "--baseline", tmp_path / "bad.json"], "unknown schema"),
        ([tmp_path], "is not in a git repository"),
        ([repo, "--since", "yesterday"], "--since must be a date"),
        ([repo, "--format", "pdf"], "--format must be one of html, markdown, json"),
        ([repo, "--db", tmp_path / "none.sqlite3"], "There is no advisory database"),
    ]
    for args, said in cases:
        done = _chainproof("report", *args, cwd=tmp_path)
        assert done.returncode == 2, (args, done.stderr)
        assert said in done.stderr
        assert "Traceback" not in done.stderr
