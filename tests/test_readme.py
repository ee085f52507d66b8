"""README.md's main job, run as written: its chainproof commands, in a git checkout holding
examples/hello the way a fresh clone does."""

from __future__ import annotations

import json
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.build.helpers import commit_all, git
from tests.registry import unconstrained_env

ROOT = Path(__file__).resolve().parent.parent
CHAINPROOF = ".venv/bin/chainproof"


def main_job_commands() -> list[list[str]]:
    """The chainproof commands of the README's first shell block (the main job)."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    match = re.search(r"```sh\n(.+?)\n```", text, re.DOTALL)
    assert match, "README.md has no sh block"
    steps = [shlex.split(step) for step in match.group(1).split(" && ")]
    return [step for step in steps if step[0] == CHAINPROOF]


def test_main_job_has_the_release_and_the_deploy_verification() -> None:
    names = [step[1] for step in main_job_commands()]
    assert names == ["keygen", "release", "verify"]


@pytest.mark.registry
def test_main_job_releases_and_verifies_the_example(tmp_path: Path) -> None:
    checkout = tmp_path / "clone"
    shutil.copytree(ROOT / "examples", checkout / "examples", ignore=shutil.ignore_patterns("keys"))
    git(checkout, "init", "-q", "-b", "main")
    commit_all(checkout)
    for step in main_job_commands():
        done = subprocess.run(
            [sys.executable, "-m", "chainproof", *step[1:]],
            cwd=checkout,
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == 0, f"{shlex.join(step)}:\n{done.stdout}{done.stderr}"
    release = checkout / "release"
    manifest = json.loads((release / "release.json").read_text(encoding="utf-8"))
    roles = {entry["name"]: entry["role"] for entry in manifest["files"]}
    assert roles == {
        "hello_chainproof-1.0.0-py3-none-any.whl": "artifact",
        "hello_chainproof-1.0.0.tar.gz": "artifact",
        "build-record.json": "build-record",
        "sbom.cdx.json": "sbom",
        "provenance.dsse.json": "provenance",
        "sbom.intoto.dsse.json": "sbom-attestation",
    }
    assert sorted(p.name for p in release.iterdir()) == sorted([*roles, "release.json"])
    sbom = json.loads((release / "sbom.cdx.json").read_text(encoding="utf-8"))
    names = {c["name"] for c in sbom["components"]}
    assert {"packaging", "hatchling"} <= names, "runtime and build-time dependencies"


def install_steps(block: int) -> list[str]:
    """The set-up steps (everything before the first chainproof or pytest command) of the
    README's ``block``-th shell block: 0 the main job, 1 the tests."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    line: str = re.findall(r"```sh\n(.+?)\n```", text, re.DOTALL)[block]
    steps = line.split(" && ")
    last = next(i for i, s in enumerate(steps) if s.startswith((CHAINPROOF, ".venv/bin/python")))
    return steps[:last]


@pytest.mark.registry
@pytest.mark.parametrize("block", [0, 1], ids=["main-job", "tests"])
def test_readme_install_line_works_with_the_pip_a_new_venv_ships(
    block: int, tmp_path: Path
) -> None:
    """The README's set-up, exactly as written, in a copy of the repository: ``python3 -m
    venv`` (whatever pip that ships) installs every hash-pinned file and chainproof runs."""
    steps = install_steps(block)
    assert steps[0] == "python3 -m venv .venv"
    clone = tmp_path / "clone"
    clone.mkdir()
    shutil.copy(ROOT / "README.md", clone)
    shutil.copy(ROOT / "pyproject.toml", clone)
    shutil.copytree(ROOT / "requirements", clone / "requirements")
    shutil.copytree(ROOT / "src", clone / "src", ignore=shutil.ignore_patterns("__pycache__"))
    done = subprocess.run(
        ["bash", "-c", " && ".join(steps)],
        cwd=clone,
        capture_output=True,
        text=True,
        check=False,
        env=unconstrained_env(),  # our own lock, as a user installs it
    )
    assert done.returncode == 0, done.stdout + done.stderr
    version = subprocess.run(
        [str(clone / CHAINPROOF), "--version"], capture_output=True, text=True, check=False
    )
    assert version.returncode == 0, version.stderr
    assert "chainproof" in version.stdout
