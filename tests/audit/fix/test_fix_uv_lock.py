"""``audit --fix`` on a uv.lock, against a package index on 127.0.0.1: upgrades that keep the
tests green stay; an upgrade that breaks them is rolled back byte for byte and named."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from tests.audit.fix.universe import advisories, fix_world, run_fix


def _fix(lock: Path, db: Path, *args: str) -> tuple[int, str, str]:
    return run_fix("--uv-lock", lock, db, *args)


def _pins(lock: Path) -> dict[str, str]:
    import tomllib

    data = tomllib.loads(lock.read_text())
    return {p["name"]: p["version"] for p in data["package"]}


def test_upgrades_that_pass_the_tests_are_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with fix_world(tmp_path, monkeypatch) as world:
        db = advisories(tmp_path)
        code, out, err = _fix(world.lock, db, "--test-command", "python check_api.py")
        assert code == 0, err
        pins = _pins(world.lock)
        assert (pins["vulnlib"], pins["otherlib"]) == ("1.1", "1.1")
        assert "The tests passed" in out
        record = json.loads((world.project / "remediation.jsonl").read_text().splitlines()[-1])
        assert record["outcome"] == "fixed"
        assert {c["id"] for c in record["closed"]} == {"GHSA-fix0-vuln-0001", "GHSA-fix0-othr-0002"}
        for package in __import__("tomllib").loads(world.lock.read_text())["package"]:
            for wheel in package.get("wheels", []):
                name = wheel["url"].rsplit("/", 1)[1]
                served = world.index.file(name).data
                assert wheel["hash"] == "sha256:" + hashlib.sha256(served).hexdigest()


def test_an_upgrade_that_breaks_the_tests_is_rolled_back_and_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with fix_world(tmp_path, monkeypatch) as world:
        db = advisories(tmp_path, vulnlib_fixed="2.0")
        before = world.lock.read_bytes()
        code, out, _ = _fix(world.lock, db, "--test-command", "python check_api.py")
        assert code == 1
        assert world.lock.read_bytes() == before
        assert "vulnlib 1.0 to ==2.0" in out
        record = json.loads((world.project / "remediation.jsonl").read_text().splitlines()[-1])
        assert record["outcome"] == "rolled-back"
        assert record["culprit"]["package"] == "vulnlib"


def test_the_policys_test_command_is_the_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with fix_world(tmp_path, monkeypatch) as world:
        (world.project / "chainproof.toml").write_text(
            '[audit.fix]\ntest-command = "python check_api.py"\nrecord = "records.jsonl"\n'
        )
        db = advisories(tmp_path, vulnlib_fixed="2.0")
        before = world.lock.read_bytes()
        code, _, _ = _fix(world.lock, db)
        assert code == 1  # the policy's tests ran, and failed on vulnlib 2.0
        assert world.lock.read_bytes() == before
        record = json.loads((world.project / "records.jsonl").read_text())
        assert record["test"]["command"] == "python check_api.py"
