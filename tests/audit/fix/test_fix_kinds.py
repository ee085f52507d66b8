"""``audit --fix`` on every kind of lock, each made by the tool that writes it, against a
package index on 127.0.0.1: the upgraded lock pins the fixes, every hash in it is the sha256
of the file the index serves, the tests ran from it, and the record says so."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from chainproof.audit.locked import read_evidence
from chainproof.cli.app import app
from tests.audit.fix.universe import PRODUCERS, FixWorld, advisories, fix_world, run_fix

runner = CliRunner()
KIND_FLAGS = {
    "uv.lock": "--uv-lock",
    "pylock.toml": "--pylock",
    "requirements.txt": "--requirements",
}
KINDS = {"--uv-lock": "uv-lock", "--pylock": "pylock", "--requirements": "requirements"}


def fix(world: FixWorld, db: Path, *args: str) -> tuple[int, str, str]:
    return run_fix(KIND_FLAGS[world.lock.name], world.lock, db, *args)


def pins(world: FixWorld) -> dict[str, str]:
    evidence = read_evidence(KINDS[KIND_FLAGS[world.lock.name]], world.lock)
    assert evidence is not None
    return {p.key: p.version or "" for p in evidence.packages}


def assert_hashes_are_the_files(world: FixWorld) -> None:
    """Every sha256 the lock gives is the sha256 of a file the index serves for that pin."""
    evidence = read_evidence(KINDS[KIND_FLAGS[world.lock.name]], world.lock)
    assert evidence is not None
    served = {name: world.index.file(name).data for name in world.index.filenames}
    by_pin: dict[tuple[str, str], set[str]] = {}
    for name, data in served.items():
        entry = world.index.file(name)
        by_pin.setdefault((entry.project, str(entry.version)), set()).add(
            hashlib.sha256(data).hexdigest()
        )
    for package in evidence.packages:
        if package.version is None or not package.sha256s:
            continue
        assert set(package.sha256s) <= by_pin[(package.key, package.version)], package.name


@pytest.mark.parametrize("producer", sorted(PRODUCERS))
def test_a_lock_of_every_kind_is_fixed_with_hashes_of_the_served_files(
    producer: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with fix_world(tmp_path, monkeypatch, producer) as world:
        db = advisories(tmp_path)
        assert (pins(world)["vulnlib"], pins(world)["otherlib"]) == ("1.0", "1.0")
        code, out, err = fix(world, db, "--test-command", "python check_api.py", "--format", "json")
        assert code == 0, err
        record = json.loads(out)
        assert record["outcome"] == "fixed"
        assert record["test"]["passed"]
        assert (pins(world)["vulnlib"], pins(world)["otherlib"]) == ("1.1", "1.1")
        assert_hashes_are_the_files(world)
        assert record["fresh_hashes"]["files"] >= 2
        # the new lock passes the audit, and is read as the same kind of lock
        again = runner.invoke(
            app,
            ["audit", KIND_FLAGS[world.lock.name], str(world.lock), "--db", str(db),
             "--ignore-stale", "--checks", "vulnerabilities,pins,hashes"],
        )  # fmt: skip
        assert again.exit_code == 0, again.stdout + again.stderr


def test_an_exported_pylock_and_its_uv_lock_change_together(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with fix_world(tmp_path, monkeypatch, "uv export") as world:
        uv_lock = world.project / "uv.lock"
        header = world.lock.read_text().splitlines()[:3]
        code, out, err = fix(world, advisories(tmp_path), "--format", "json")
        assert code == 0, err
        assert [f["path"] for f in json.loads(out)["files"]] == [str(uv_lock), str(world.lock)]
        assert 'name = "vulnlib"\nversion = "1.1"' in uv_lock.read_text()
        assert world.lock.read_text().splitlines()[:3] == header


def test_a_compiled_requirements_file_keeps_its_header(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with fix_world(tmp_path, monkeypatch, "uv pip compile") as world:
        header = world.lock.read_text().splitlines()[:2]
        assert fix(world, advisories(tmp_path))[0] == 0
        assert world.lock.read_text().splitlines()[:2] == header
        assert "vulnlib==1.1 \\" in world.lock.read_text()


def test_a_requirements_file_without_a_header_is_compiled_from_its_pins(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with fix_world(tmp_path, monkeypatch, "uv pip compile") as world:
        text = world.lock.read_text()
        world.lock.write_text(
            "".join(line for line in text.splitlines(True) if not line.startswith("#"))
        )
        code, _, err = fix(world, advisories(tmp_path), "--test-command", "python check_api.py")
        assert code == 0, err
        assert pins(world) == {"vulnlib": "1.1", "otherlib": "1.1", "helper": "1.0"}
        assert_hashes_are_the_files(world)
