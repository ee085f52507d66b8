"""`chainproof build` through the CLI: exit codes, one-sentence errors, --json, no leftovers."""

from __future__ import annotations

import errno
import json
import os
import stat
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from chainproof.cli.app import app
from tests.build.helpers import commit_all, configure, make_project

runner = CliRunner()


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    monkeypatch.delenv("CHAINPROOF_INSTALLER", raising=False)


def _one_error(output: str) -> str:
    errors = [line for line in output.splitlines() if line.startswith("Error: ")]
    assert len(errors) == 1, output
    assert "Traceback" not in output
    return errors[0]


def test_build_prints_artifacts_and_record(tmp_path: Path) -> None:
    project = make_project(tmp_path / "p")
    result = runner.invoke(app, ["build", str(project)])
    assert result.exit_code == 0, result.output
    dist = project / "dist"
    assert f"{dist / 'demo-1.0-py3-none-any.whl'}  sha256:" in result.output
    assert "build-record.json" in result.output
    assert sorted(p.name for p in dist.iterdir()) == [
        "build-record.json",
        "demo-1.0-py3-none-any.whl",
        "demo-1.0.tar.gz",
    ]


def test_json_summary(tmp_path: Path) -> None:
    project = make_project(tmp_path / "p")
    out = tmp_path / "out"
    result = runner.invoke(
        app,
        [
            "build",
            str(project),
            "-o",
            str(out),
            "--installer",
            "pip",
            "--check-reproducible",
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["project"] == {"name": "demo", "version": "1.0"}
    assert summary["installer"] == "pip"
    assert summary["reproducible"] is True
    assert summary["differences"] == []
    assert summary["build_record"] == str(out.absolute() / "build-record.json")
    assert [a["name"] for a in summary["artifacts"]] == [
        "demo-1.0-py3-none-any.whl",
        "demo-1.0.tar.gz",
    ]


def test_installer_from_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project = make_project(tmp_path / "p")
    monkeypatch.setenv("CHAINPROOF_INSTALLER", "pip")
    result = runner.invoke(app, ["build", str(project), "-o", str(tmp_path / "a"), "--json"])
    assert json.loads(result.output)["installer"] == "pip"
    monkeypatch.setenv("CHAINPROOF_INSTALLER", "conda")
    result = runner.invoke(app, ["build", str(project), "-o", str(tmp_path / "b")])
    assert result.exit_code == 2
    assert "Unknown installer 'conda'" in _one_error(result.output)


def test_not_reproducible_exits_1_and_names_member(tmp_path: Path) -> None:
    project = make_project(tmp_path / "p", markers={"RANDOM": "1"})
    out = tmp_path / "out"
    result = runner.invoke(app, ["build", str(project), "-o", str(out), "--check-reproducible"])
    assert result.exit_code == 1, result.output
    error = _one_error(result.output)
    assert "demo-1.0-py3-none-any.whl" in error
    assert "demo_noise.bin" in error
    assert not out.exists()


def test_not_reproducible_json_lists_differences(tmp_path: Path) -> None:
    project = make_project(tmp_path / "p", markers={"RANDOM": "1"})
    result = runner.invoke(
        app, ["build", str(project), "-o", str(tmp_path / "o"), "--check-reproducible", "--json"]
    )
    assert result.exit_code == 1
    summary = json.loads(result.stdout)
    assert summary["reproducible"] is False
    assert summary["differences"][0]["member"] == "demo_noise.bin"


def _broken_toml(path: Path) -> Path:
    make_project(path)
    (path / "pyproject.toml").write_text("[build-system\n", "utf-8")
    return path


def _no_backend(path: Path) -> Path:
    make_project(path)
    (path / "pyproject.toml").write_text(
        '[build-system]\nrequires = []\nbuild-backend = "nonexistent_backend"\n', "utf-8"
    )
    commit_all(path)
    return path


def _backend_path_outside(path: Path) -> Path:
    make_project(path)
    (path / "pyproject.toml").write_text(
        '[build-system]\nrequires = []\nbuild-backend = "demo_backend"\nbackend-path = ["/etc"]\n',
        "utf-8",
    )
    commit_all(path)
    return path


def _non_git(path: Path) -> Path:
    path.mkdir()
    (path / "setup.py").write_text("", "utf-8")
    return path


def _dirty(path: Path) -> Path:
    make_project(path)
    (path / "notes.txt").write_text("not committed\n", "utf-8")
    return path


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: p, "does not exist"),
        (_non_git, "is not inside a git checkout"),
        (lambda p: p.mkdir() or p, "no pyproject.toml or setup.py"),
        (_broken_toml, "is not valid TOML"),
        (_dirty, "has uncommitted changes (notes.txt)"),
        (lambda p: make_project(p, markers={"FAIL": "1"}), "build backend failed"),
        (lambda p: make_project(p, requires=("not a requirement!",)), "is not valid"),
        (_no_backend, "Backend 'nonexistent_backend' is not available"),
        (_backend_path_outside, "cannot be built: paths must be relative"),
    ],
    ids=[
        "missing",
        "non-git",
        "not-python",
        "broken-pyproject",
        "dirty",
        "backend",
        "bad-req",
        "no-backend",
        "backend-path",
    ],
)
def test_bad_input_exits_2_with_one_sentence(
    tmp_path: Path, make: Callable[[Path], Path], message: str
) -> None:
    project = make(tmp_path / "p")
    out = tmp_path / "out"
    result = runner.invoke(app, ["build", str(project), "-o", str(out)])
    assert result.exit_code == 2, result.output
    assert message in _one_error(result.output)
    assert not out.exists(), "no partial output"


def test_backend_output_is_shown(tmp_path: Path) -> None:
    project = make_project(tmp_path / "p", markers={"FAIL": "1"})
    result = runner.invoke(app, ["build", str(project), "-o", str(tmp_path / "out")])
    assert "demo-backend: the widget configuration is missing" in result.output


def test_allow_dirty(tmp_path: Path) -> None:
    project = _dirty(tmp_path / "p")
    result = runner.invoke(app, ["build", str(project), "-o", str(tmp_path / "o"), "--allow-dirty"])
    assert result.exit_code == 0, result.output
    record = json.loads((tmp_path / "o" / "build-record.json").read_text("utf-8"))
    assert record["source"]["dirty"] is True


def test_registry_failure_exits_3(local_index: Path, tmp_path: Path) -> None:
    project = make_project(tmp_path / "p", requires=("cptest-absent",))
    for installer in ("uv", "pip"):
        result = runner.invoke(
            app, ["build", str(project), "-o", str(tmp_path / "o"), "--installer", installer]
        )
        assert result.exit_code == 3, result.output
        assert "Resolving the build requirements failed" in _one_error(result.output)
    assert not (tmp_path / "o").exists()


def test_output_is_a_file(tmp_path: Path) -> None:
    project = make_project(tmp_path / "p")
    (tmp_path / "o").write_text("", "utf-8")
    result = runner.invoke(app, ["build", str(project), "-o", str(tmp_path / "o")])
    assert result.exit_code == 2
    assert "is not a directory" in _one_error(result.output)


def test_installer_from_pyproject(tmp_path: Path) -> None:
    project = make_project(tmp_path / "p")
    configure(project, '[tool.chainproof.build]\ninstaller = "pip"\n')
    result = runner.invoke(app, ["build", str(project), "-o", str(tmp_path / "a"), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["installer"] == "pip"
    flag = runner.invoke(
        app, ["build", str(project), "-o", str(tmp_path / "b"), "--json", "--installer", "uv"]
    )
    assert json.loads(flag.stdout)["installer"] == "uv", "the flag wins"


def test_unknown_installer_is_refused_before_anything_else(tmp_path: Path) -> None:
    # Not even a project: the flag is checked first, so the user fixes one thing at a time.
    result = runner.invoke(app, ["build", str(tmp_path), "--installer", "conda"])
    assert result.exit_code == 2
    assert "Unknown installer 'conda' (from --installer)" in _one_error(result.output)


def test_unknown_installer_in_pyproject_names_the_file(tmp_path: Path) -> None:
    project = make_project(tmp_path / "p")
    configure(project, '[tool.chainproof.build]\ninstaller = "poetry"\n')
    result = runner.invoke(app, ["build", str(project), "-o", str(tmp_path / "o")])
    assert result.exit_code == 2
    error = _one_error(result.output)
    assert "Unknown installer 'poetry'" in error
    assert str(project / "pyproject.toml") in error
    assert not (tmp_path / "o").exists()


def test_paths_with_spaces(tmp_path: Path) -> None:
    project = make_project(tmp_path / "my project")
    out = tmp_path / "out dir" / "dist files"
    result = runner.invoke(app, ["build", str(project), "-o", str(out), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["build_record"] == str(out / "build-record.json")
    assert (out / "demo-1.0.tar.gz").is_file()


def test_outputs_are_readable_by_others_under_the_usual_umask(tmp_path: Path) -> None:
    project = make_project(tmp_path / "p")
    old = os.umask(0o022)
    try:
        result = runner.invoke(app, ["build", str(project), "-o", str(tmp_path / "o")])
    finally:
        os.umask(old)
    assert result.exit_code == 0, result.output
    modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in (tmp_path / "o").iterdir()}
    assert set(modes.values()) == {0o644}, modes


def _fail_copy(*_: object) -> None:
    raise PermissionError(errno.EACCES, "Permission denied")


def test_unwritable_output_is_one_sentence_and_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = make_project(tmp_path / "p")
    out = tmp_path / "o"
    monkeypatch.setattr("chainproof.build.project.shutil.copyfile", _fail_copy)
    result = runner.invoke(app, ["build", str(project), "-o", str(out)])
    assert result.exit_code == 2, result.output
    assert "Cannot write" in _one_error(result.output)
    assert "Permission denied" in result.output
    assert not out.exists(), "the directory the build created is removed again"


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only directories")
def test_read_only_output_directory(tmp_path: Path) -> None:
    project = make_project(tmp_path / "p")
    out = tmp_path / "o"
    out.mkdir()
    out.chmod(0o555)
    try:
        result = runner.invoke(app, ["build", str(project), "-o", str(out)])
    finally:
        out.chmod(0o755)
    assert result.exit_code == 2, result.output
    assert "Permission denied" in _one_error(result.output)
    assert list(out.iterdir()) == []


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads anything")
def test_unreadable_pyproject(tmp_path: Path) -> None:
    project = make_project(tmp_path / "p")
    (project / "pyproject.toml").chmod(0)
    try:
        result = runner.invoke(app, ["build", str(project), "-o", str(tmp_path / "o")])
    finally:
        (project / "pyproject.toml").chmod(0o644)
    assert result.exit_code == 2, result.output
    assert "Permission denied" in _one_error(result.output)


def _interrupt(*_: object, **__: object) -> None:
    raise KeyboardInterrupt


@pytest.mark.parametrize(
    "where",
    ["chainproof.build.project.compare_builds", "chainproof.build.project.atomic_write_text"],
    ids=["after-building", "while-writing"],
)
def test_ctrl_c_leaves_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, where: str) -> None:
    project = make_project(tmp_path / "p")
    out = tmp_path / "o"
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    monkeypatch.setattr(where, _interrupt)
    result = runner.invoke(app, ["build", str(project), "-o", str(out)])
    assert result.exit_code == 130, result.output
    assert "Interrupted" in result.output
    assert "Traceback" not in result.output
    assert not out.exists()
    assert list(scratch.iterdir()) == [], "the build's temporary directories are removed"


def test_an_in_tree_backend_leaves_no_bytecode_in_the_checkout(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With Python writing bytecode (as on most machines), building twice from the same
    checkout works: the in-tree backend's __pycache__ is never written into it."""
    monkeypatch.delenv("PYTHONDONTWRITEBYTECODE", raising=False)
    project = make_project(tmp_path / "p")
    for out in ("a", "b"):
        result = runner.invoke(app, ["build", str(project), "-o", str(tmp_path / out), "--json"])
        assert result.exit_code == 0, result.output
    assert not list(project.rglob("__pycache__"))
