"""chainproof pins what builds its own releases: the build backend in pyproject.toml and in
examples/hello is the exact version the hash-locked requirements install."""

from __future__ import annotations

import json
import os
import re
import tomllib
from pathlib import Path

import pytest
from typer.testing import CliRunner

from chainproof.cli.app import app

ROOT = Path(__file__).resolve().parent.parent


def _locked(name: str, lock: str = "main.txt") -> str:
    text = (ROOT / "requirements" / lock).read_text(encoding="utf-8")
    match = re.search(rf"^{re.escape(name)}==(\S+) \\", text, re.MULTILINE)
    assert match, f"{name} is not in requirements/{lock}"
    return match.group(1)


@pytest.mark.parametrize("project", [ROOT, ROOT / "examples" / "hello"], ids=["own", "example"])
def test_build_backend_is_pinned_to_the_locked_version(project: Path) -> None:
    data = tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))
    assert data["build-system"]["requires"] == [f"hatchling=={_locked('hatchling')}"]


@pytest.mark.parametrize("lock", ["main.txt", "dev.txt"])
def test_bootstrap_pip_is_the_locked_pip(lock: str) -> None:
    """The pip installed first (requirements/bootstrap.txt) is the one the lock pins, so the
    lock's own install leaves it as it is."""
    assert _locked("pip", "bootstrap.txt") == _locked("pip", lock)


def test_example_build_lock_satisfies_its_backend_and_agrees_with_our_lock() -> None:
    """examples/hello builds from its lock (README's main job): the lock holds the example's
    pinned backend, and each version it pins is the one requirements/main.txt locks."""
    from chainproof.build.lock import read_build_lock

    example = ROOT / "examples" / "hello"
    lock = read_build_lock(example / "build-lock.txt")
    data = tomllib.loads((example / "pyproject.toml").read_text(encoding="utf-8"))
    lock.check_satisfies(data["build-system"]["requires"], "build-system requirement")
    assert {p.key: p.version for p in lock.pins} == {p.key: _locked(p.key) for p in lock.pins}


@pytest.mark.parametrize("lock", sorted(p.name for p in (ROOT / "requirements").glob("*.txt")))
def test_our_own_locks_pass_pins_hashes_sources_and_typosquats(lock: str) -> None:
    """What .ci/run runs on every lock (dogfood), offline, with requirements/chainproof.toml."""
    result = CliRunner().invoke(
        app,
        [
            "audit",
            "--offline",
            "--format",
            "json",
            "--requirements",
            str(ROOT / "requirements" / lock),
        ],
        env={"PIP_CONFIG_FILE": os.devnull},
    )
    report = json.loads(result.stdout)
    assert result.exit_code == 0, result.stderr
    assert [c["id"] for c in report["checks"]] == ["pins", "hashes", "sources", "typosquats"]
    assert report["findings"] == []
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert '.venv/bin/chainproof audit --offline --requirements "$lock"' in ci
