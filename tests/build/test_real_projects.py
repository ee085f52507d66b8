"""Real projects from the package registry: `chainproof build` must give what `python -m build`
gives on the same commit with the same SOURCE_DATE_EPOCH, and record the real build env."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest
from packaging.utils import canonicalize_name
from typer.testing import CliRunner

from chainproof.build.project import BuildOptions, build_project
from chainproof.cli.app import app
from chainproof.fileio import sha256_file
from tests.build.helpers import COMMIT_EPOCH, registry_checkout

pytestmark = pytest.mark.registry

# name, version, backend: small, pure-Python projects whose sdists build offline once the
# build requirements are installed.
PROJECTS = {
    "six": ("1.16.0", "setuptools.build_meta:__legacy__"),  # setup.py only: the legacy path
    "iniconfig": ("2.0.0", "hatchling.build"),  # hatchling + hatch-vcs
    "zipp": ("3.20.2", "setuptools.build_meta"),  # setuptools + setuptools-scm in pyproject
}


def _pip(*args: str, cwd: Path | None = None) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "pip", "--disable-pip-version-check", *args],
        capture_output=True,
        text=True,
        check=True,
        cwd=cwd,
    )
    return result.stdout


@pytest.fixture(scope="module")
def checkouts(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Each project's sdist unpacked and committed as a git checkout with a fixed date."""
    base = tmp_path_factory.mktemp("real")
    return {name: registry_checkout(name, version, base) for name, (version, _) in PROJECTS.items()}


def _clone(checkout: Path, target: Path) -> Path:
    subprocess.run(["git", "clone", "-q", str(checkout), str(target)], check=True)
    return target


def _members(path: Path) -> dict[str, str]:
    """Member name -> sha256 of its content."""
    if path.name.endswith(".whl"):
        with zipfile.ZipFile(path) as archive:
            return {
                i.filename: hashlib.sha256(archive.read(i)).hexdigest() for i in archive.infolist()
            }
    with tarfile.open(path) as archive:
        return {
            m.name: hashlib.sha256(stream.read()).hexdigest()
            if (stream := archive.extractfile(m))
            else m.type.decode()
            for m in archive.getmembers()
        }


def _resolved(requirements: list[str], tmp: Path) -> set[tuple[str, str]]:
    """What pip independently resolves for ``requirements`` (wheels only), as (name, version)."""
    report = tmp / "report.json"
    _pip(
        "install",
        "--dry-run",
        "--ignore-installed",
        "--only-binary",
        ":all:",
        "--quiet",
        "--report",
        str(report),
        *requirements,
    )
    data = json.loads(report.read_text("utf-8"))
    return {
        (canonicalize_name(i["metadata"]["name"]), i["metadata"]["version"])
        for i in data["install"]
    }


@pytest.mark.parametrize(
    ("name", "installer"), [("six", "pip"), ("iniconfig", "uv"), ("zipp", "uv")]
)
def test_same_as_python_m_build(
    checkouts: dict[str, Path],
    tmp_path: Path,
    name: str,
    installer: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    ours = _clone(checkouts[name], tmp_path / "ours")
    theirs = _clone(checkouts[name], tmp_path / "theirs")
    outcome = build_project(BuildOptions(ours, tmp_path / "a", installer=installer))
    record = outcome.record
    assert record.source_date_epoch == COMMIT_EPOCH
    assert record.build_backend == PROJECTS[name][1]
    subprocess.run(
        [sys.executable, "-m", "build", "-o", str(tmp_path / "b"), str(theirs)],
        check=True,
        capture_output=True,
        env={**os.environ, "SOURCE_DATE_EPOCH": str(COMMIT_EPOCH)},
    )

    built = sorted(p.name for p in (tmp_path / "b").iterdir())
    assert sorted(a.name for a in record.artifacts) == built
    for artifact in built:
        assert _members(tmp_path / "a" / artifact) == _members(tmp_path / "b" / artifact), artifact

    # The recorded environment: what an independent resolution installs, with real hashes.
    env = {(canonicalize_name(p.name), p.version) for p in record.build_environment}
    wanted = list(record.build_requires)
    for extra in record.options["requires_for_build"].values():
        wanted += extra
    assert env == _resolved(wanted, tmp_path)
    check = tmp_path / "check"
    for package in record.build_environment:
        _pip(
            "download",
            "--no-deps",
            "--only-binary",
            ":all:",
            "-d",
            str(check),
            "--quiet",
            f"{package.name}=={package.version}",
        )
        assert sha256_file(check / package.filename) == package.sha256, package.filename


def test_hatchling_project_is_reproducible(checkouts: dict[str, Path], tmp_path: Path) -> None:
    project = _clone(checkouts["iniconfig"], tmp_path / "p")
    result = CliRunner().invoke(
        app, ["build", str(project), "-o", str(tmp_path / "o"), "--check-reproducible", "--json"]
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["reproducible"] is True
    assert summary["build_environment"] >= 2
