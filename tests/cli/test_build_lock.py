"""`chainproof lock-build` and `chainproof build --build-lock`, offline against a local index:
the environment equals the lock, every file is checked by hash, and a lock that does not fit
is one sentence and exit 2 before anything is built or written."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from chainproof.cli.app import app
from tests.build.helpers import commit_all, configure, make_project
from tests.cli.helpers import single_error_line

runner = CliRunner()
INSTALLERS = ["pip", "uv"]


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("SOURCE_DATE_EPOCH", "CHAINPROOF_INSTALLER", "CHAINPROOF_BUILD_LOCK"):
        monkeypatch.delenv(name, raising=False)


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _lock(project: Path, lock: Path, installer: str) -> None:
    result = runner.invoke(
        app, ["lock-build", str(project), "-o", str(lock), "--installer", installer]
    )
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("installer", INSTALLERS)
def test_lock_build_then_build_installs_exactly_the_lock(
    tmp_path: Path, local_index: Path, installer: str
) -> None:
    project = make_project(
        tmp_path / "p", requires=("cptest-helper",), markers={"EXTRA": "cptest-extra\n"}
    )
    lock = tmp_path / "build-lock.txt"
    _lock(project, lock, installer)
    text = lock.read_text()
    # the backend's requirement, its dependency, and what get_requires_for_build_* adds
    for name, version in [("cptest-dep", "2.0"), ("cptest-extra", "3.0"), ("cptest-helper", "1.0")]:
        wheel = local_index / f"{name.replace('-', '_')}-{version}-py3-none-any.whl"
        assert f"{name}=={version} \\\n    --hash=sha256:{_sha256(wheel)}\n" in text
    assert "://" not in text  # no index URL: the lock names versions and hashes only

    out = tmp_path / "out"
    result = runner.invoke(
        app,
        [
            "build",
            str(project),
            "-o",
            str(out),
            "--build-lock",
            str(lock),
            "--installer",
            installer,
        ],
    )
    assert result.exit_code == 0, result.output
    assert f"from {lock}" in result.output
    record = json.loads((out / "build-record.json").read_text())
    assert record["build_lock"] == {"path": str(lock), "sha256": _sha256(lock)}
    environment = {(p["name"], p["version"], p["sha256"]) for p in record["build_environment"]}
    assert environment == {
        (
            name,
            version,
            _sha256(local_index / f"{name.replace('-', '_')}-{version}-py3-none-any.whl"),
        )
        for name, version in [
            ("cptest-dep", "2.0"),
            ("cptest-extra", "3.0"),
            ("cptest-helper", "1.0"),
        ]
    }


def test_the_lock_from_the_configuration_is_relative_to_it(
    tmp_path: Path, local_index: Path
) -> None:
    project = make_project(tmp_path / "p", requires=("cptest-helper",))
    _lock(project, project / "build-lock.txt", "pip")
    configure(project, '[tool.chainproof.build]\nbuild-lock = "build-lock.txt"\n')
    result = runner.invoke(app, ["build", str(project), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["build_lock"]["path"] == "build-lock.txt"


def test_a_resolved_build_records_no_lock(tmp_path: Path, local_index: Path) -> None:
    project = make_project(tmp_path / "p", requires=("cptest-helper",))
    result = runner.invoke(app, ["build", str(project), "--json", "--installer", "pip"])
    assert result.exit_code == 0, result.output
    record = json.loads((project / "dist" / "build-record.json").read_text())
    assert record["build_lock"] is None


def _bad_lock(tmp_path: Path, project: Path, edit: tuple[str, str]) -> Path:
    lock = tmp_path / "good.txt"
    _lock(project, lock, "pip")
    bad = tmp_path / "bad.txt"
    bad.write_text(lock.read_text().replace(*edit))
    return bad


@pytest.mark.parametrize(
    ("requires", "edit", "message"),
    [
        (
            ("cptest-helper",),
            ("cptest-helper==1.0", "cptest-extra==3.0"),
            "does not satisfy the build-system requirement 'cptest-helper' (it has no such pin)",
        ),
        (
            ("cptest-helper",),
            ("cptest-dep==2.0 \\\n", "cptest-dep==2.0\n#"),
            "has no --hash for cptest-dep==2.0",
        ),
        (
            ("cptest-helper<1",),
            ("", ""),
            "does not satisfy the build-system requirement 'cptest-helper<1' (it pins "
            "cptest-helper 1.0)",
        ),
    ],
    ids=["missing-requirement", "unhashed-file", "wrong-version"],
)
def test_a_lock_that_does_not_fit_is_refused_before_building(
    tmp_path: Path,
    local_index: Path,
    requires: tuple[str, ...],
    edit: tuple[str, str],
    message: str,
) -> None:
    project = make_project(tmp_path / "p", requires=("cptest-helper",))
    bad = _bad_lock(tmp_path, project, edit)
    if requires != ("cptest-helper",):
        (project / "pyproject.toml").write_text(
            (project / "pyproject.toml").read_text().replace('"cptest-helper"', f'"{requires[0]}"')
        )
        commit_all(project)
    out = tmp_path / "out"
    result = runner.invoke(app, ["build", str(project), "-o", str(out), "--build-lock", str(bad)])
    assert result.exit_code == 2, result.output
    assert message in single_error_line(result.output)
    assert not out.exists()


def test_a_backend_requirement_outside_the_lock_stops_the_build(
    tmp_path: Path, local_index: Path
) -> None:
    project = make_project(tmp_path / "p", requires=("cptest-helper",))
    lock = tmp_path / "build-lock.txt"
    _lock(project, lock, "pip")
    (project / "EXTRA").write_text("cptest-extra\n")
    commit_all(project)
    out = tmp_path / "out"
    result = runner.invoke(app, ["build", str(project), "-o", str(out), "--build-lock", str(lock)])
    assert result.exit_code == 2, result.output
    assert "does not satisfy the build requirement 'cptest-extra'" in single_error_line(
        result.output
    )
    assert not out.exists()


@pytest.mark.parametrize("installer", INSTALLERS)
def test_a_file_that_does_not_match_the_lock_is_refused(
    tmp_path: Path, local_index: Path, installer: str
) -> None:
    project = make_project(tmp_path / "p", requires=("cptest-helper",))
    wheel = local_index / "cptest_dep-2.0-py3-none-any.whl"
    bad = _bad_lock(tmp_path, project, (_sha256(wheel), "0" * 64))
    out = tmp_path / "out"
    result = runner.invoke(
        app,
        ["build", str(project), "-o", str(out), "--build-lock", str(bad), "--installer", installer],
    )
    assert result.exit_code == 3, result.output
    error = single_error_line(result.output)
    assert "cptest-dep" in error or "does not match the sha256" in error
    assert not out.exists()
