"""Online, an audit of a lock tries its upgrade proposals the way ``--fix`` would lock them
(uv in a scratch copy of the project), so a proposal the project's own constraints refuse is
withdrawn with the resolver's reason, and the lock itself is never touched."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from chainproof.cli.app import app
from tests.audit.fix.universe import advisories, fix_world

runner = CliRunner()


def _proposals(lock: Path, db: Path) -> dict[str, dict[str, object]]:
    result = runner.invoke(
        app,
        ["audit", "--uv-lock", str(lock), "--db", str(db), "--ignore-stale", "--online",
         "--checks", "vulnerabilities", "--format", "json"],
    )  # fmt: skip
    assert result.exit_code == 1, result.stderr  # the findings stay open: no --fix
    report = json.loads(result.stdout)
    return {f["package"]: f["proposal"] for f in report["findings"]}


def test_proposals_the_lock_takes_pass(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with fix_world(tmp_path, monkeypatch) as world:
        before = world.lock.read_bytes()
        proposals = _proposals(world.lock, advisories(tmp_path))
        assert {k: (p["specifier"], p["resolver"]) for k, p in proposals.items()} == {
            "otherlib": ("==1.1", "passed"),
            "vulnlib": ("==1.1", "passed"),
        }
        assert world.lock.read_bytes() == before


def test_a_proposal_the_project_refuses_is_withdrawn_and_the_rest_still_pass(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with fix_world(tmp_path, monkeypatch) as world:
        pyproject = world.project / "pyproject.toml"
        pyproject.write_text(pyproject.read_text().replace('"vulnlib>=1.0"', '"vulnlib<1.1"'))
        before = world.lock.read_bytes()
        proposals = _proposals(world.lock, advisories(tmp_path))
        vulnlib, otherlib = proposals["vulnlib"], proposals["otherlib"]
        assert (vulnlib["version"], vulnlib["specifier"], vulnlib["resolver"]) == (
            None, None, "failed",
        )  # fmt: skip
        assert "The resolver rejects it" in str(vulnlib["explanation"])
        assert "vulnlib<1.1" in str(vulnlib["explanation"])
        assert (otherlib["specifier"], otherlib["resolver"]) == ("==1.1", "passed")
        assert world.lock.read_bytes() == before
