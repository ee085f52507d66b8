"""``chainproof report --baseline``: a database import between two runs brings in one new
advisory, which the second run names and fails on; with nothing new it passes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import chainproof
from tests.report.repo import (
    SBOM,
    Change,
    advisory,
    day,
    write_advisories,
    write_repository,
)

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
    sbom = tmp_path / "v0.9.cdx.json"
    sbom.write_text(json.dumps(SBOM))
    db = tmp_path / "advisories.sqlite3"

    def imported(name: str, records: list[dict[str, object]]) -> None:
        done = _chainproof(
            "db", "import", write_advisories(tmp_path / name, records), "--db", db, cwd=tmp_path
        )
        assert done.returncode == 0, done.stderr

    def report(out: str, *extra: str | Path) -> subprocess.CompletedProcess[str]:
        return _chainproof(
            "report",
            repo,
            "--db",
            db,
            "--sbom",
            sbom,
            "--format",
            "json",
            "-o",
            tmp_path / out,
            *extra,
            cwd=tmp_path,
        )

    known = [advisory("ADV-A", "alpha", "1.1", day(1))]
    imported("osv1", known)
    first = report("r1.json")
    assert first.returncode == 0, first.stderr
    r1 = json.loads((tmp_path / "r1.json").read_text())
    assert r1["open"]["total"] == 1
    assert [(r["id"], r["version"]) for r in r1["released"]] == [("ADV-A", "0.9")]

    # nothing new: exit 0
    again = report("r2.json", "--baseline", tmp_path / "r1.json")
    assert again.returncode == 0, again.stderr
    assert "Nothing new since the baseline." in again.stderr
    assert json.loads((tmp_path / "r2.json").read_text())["new"]["findings"] == []

    # a database import brings ADV-B (beta, locked now): exactly it is new, exit 1
    imported("osv2", [*known, advisory("ADV-B", "beta", "3.0", day(2), "LOW")])
    third = report("r3.json", "--baseline", tmp_path / "r1.json")
    assert third.returncode == 1, third.stderr
    assert (
        "Since the baseline, 1 new advisory at or above low: ADV-B in beta (low)." in third.stderr
    )
    assert "ADV-A" not in third.stderr
    assert "Traceback" not in third.stderr
    r3 = json.loads((tmp_path / "r3.json").read_text())
    assert r3["new"]["findings"] == [
        {"id": "ADV-B", "package": "beta", "severity": "low", "release": None}
    ]
    assert r3["open"]["total"] == 2

    # under the threshold it is listed and does not fail
    under = _chainproof(
        "report",
        repo,
        "--db",
        db,
        "--format",
        "markdown",
        "--fail-on",
        "high",
        "--baseline",
        tmp_path / "r1.json",
        cwd=tmp_path,
    )
    assert under.returncode == 0, under.stderr
    assert "- ADV-B in beta (low)" in under.stdout

    # an advisory that only the released version is affected by: named with its release
    imported(
        "osv3",
        [
            *known,
            advisory("ADV-B", "beta", "3.0", day(2), "LOW"),
            advisory("ADV-C", "alpha", "0.95", day(3)),
        ],
    )
    fourth = report("r4.json", "--baseline", tmp_path / "r3.json")
    assert fourth.returncode == 1, fourth.stderr
    assert f"1 new advisory at or above low: ADV-C in alpha of {sbom} (high)." in fourth.stderr


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
