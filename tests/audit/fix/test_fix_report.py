"""The loop closed in the report: a fix made by ``audit --fix --branch`` and merged shows, in
``chainproof report``, the tests its remediation record says it passed."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from chainproof.cli.app import app
from tests.audit.fix.universe import advisories, fix_world, run_fix

runner = CliRunner()


def _git(cwd: Path, *args: str, day: int = 1) -> str:
    """git with a fixed identity, and commits dated 2024-06-``day`` (apart, whatever the
    clock does between them)."""
    command = ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid", *args]
    stamp = f"2024-06-{day:02d}T00:00:00Z"
    env = {**os.environ, "GIT_AUTHOR_DATE": stamp, "GIT_COMMITTER_DATE": stamp}
    return subprocess.run(
        command, cwd=cwd, env=env, check=True, capture_output=True, text=True
    ).stdout


def _committed(repo: Path) -> None:
    """The project as the first commit of a new repository (2024-06-01)."""
    _git(repo, "init", "-q", "-b", "main")
    _git(repo, "add", ".")
    _git(repo, "commit", "-qm", "Lock")


def _remediations(repo: Path, db: Path) -> list[dict[str, object]]:
    report = runner.invoke(app, ["report", str(repo), "--db", str(db), "--format", "json"])
    assert report.exit_code == 0, report.stderr
    found: list[dict[str, object]] = json.loads(report.stdout)["remediations"]
    return found


def test_a_merged_fix_shows_the_tests_it_passed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with fix_world(tmp_path, monkeypatch) as world:
        repo, db = world.project, advisories(tmp_path)
        _committed(repo)
        code, _, err = run_fix(
            "--uv-lock", world.lock, db, "--test-command", "python check_api.py",
            "--branch", "fix/advisories",
        )  # fmt: skip
        assert code == 0, err
        _git(repo, "checkout", "-q", "--", "uv.lock")  # the branch holds the fix
        _git(repo, "merge", "--squash", "-q", "fix/advisories")  # a squashed merge: a new commit
        _git(repo, "commit", "-qm", "Fix advisories", day=10)
        (fix,) = _remediations(repo, db)
        assert fix["subject"] == "Fix advisories"
        assert fix["tests"] == {"command": "python check_api.py", "passed": True,
                                "seconds": fix["tests"]["seconds"]}  # type: ignore[index]  # fmt: skip
        markdown = runner.invoke(
            app, ["report", str(repo), "--db", str(db), "--format", "markdown"]
        )
        assert "passed: python check_api.py" in markdown.stdout


def test_without_a_record_the_tests_are_not_recorded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with fix_world(tmp_path, monkeypatch) as world:
        repo, db = world.project, advisories(tmp_path)
        _committed(repo)
        world.run("uv", "lock", "--upgrade-package", "vulnlib", "--upgrade-package", "otherlib")
        _git(repo, "commit", "-qam", "Upgrade by hand", day=10)
        (fix,) = _remediations(repo, db)
        assert fix["tests"] is None
