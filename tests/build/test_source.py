from __future__ import annotations

import os
from pathlib import Path

import pytest

from chainproof.build.source import (
    DEFAULT_BACKEND,
    inspect_project,
    source_date_epoch,
)
from chainproof.errors import InputError, UsageError
from chainproof.redact import strip_credentials
from tests.build.helpers import COMMIT_EPOCH, commit_all, git, make_project


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (
            "https://oauth2:glpat-secret@gitlab.example/group/p.git",
            "https://gitlab.example/group/p.git",
        ),
        ("https://ghp_token@github.example/o/r", "https://github.example/o/r"),
        ("ssh://git:pw@host.example:2222/r.git", "ssh://host.example:2222/r.git"),
        ("https://gitlab.example/group/p.git", "https://gitlab.example/group/p.git"),
        ("git@gitlab.example:group/p.git", "git@gitlab.example:group/p.git"),
        ("/srv/git/p.git", "/srv/git/p.git"),
    ],
)
def test_strip_credentials(given: str, expected: str) -> None:
    assert strip_credentials(given) == expected


def test_inspect_clean_checkout(tmp_path: Path) -> None:
    project = make_project(
        tmp_path / "p",
        requires=("cptest-helper",),
        remote="https://user:secret@git.example/demo.git",
    )
    info = inspect_project(project, allow_dirty=False)
    assert info.directory == project.resolve()
    assert info.source.commit == git(project, "rev-parse", "HEAD")
    assert info.source.ref == "refs/heads/main"
    assert info.source.uri == "https://git.example/demo.git"
    assert info.source.dirty is False
    assert info.build_backend == "demo_backend"
    assert info.build_requires == ("cptest-helper",)
    assert info.commit_time == COMMIT_EPOCH


def test_detached_head_on_a_tag_records_the_tag(tmp_path: Path) -> None:
    project = make_project(tmp_path / "p")
    git(project, "tag", "v1.0")
    git(project, "checkout", "-q", "--detach", "v1.0")
    assert inspect_project(project, allow_dirty=False).source.ref == "refs/tags/v1.0"


def test_no_remote_gives_no_uri(tmp_path: Path) -> None:
    assert inspect_project(make_project(tmp_path / "p"), allow_dirty=False).source.uri is None


@pytest.mark.parametrize("change", ["modified", "untracked"])
def test_dirty_tree_refused_unless_allowed(tmp_path: Path, change: str) -> None:
    project = make_project(tmp_path / "p")
    target = project / ("demo_backend.py" if change == "modified" else "new.txt")
    target.write_text("# changed\n", encoding="utf-8")
    with pytest.raises(InputError, match="uncommitted changes") as caught:
        inspect_project(project, allow_dirty=False)
    assert caught.value.hint is not None
    assert "--allow-dirty" in caught.value.hint
    assert inspect_project(project, allow_dirty=True).source.dirty is True


def test_output_directory_inside_the_tree_is_not_a_change(tmp_path: Path) -> None:
    project = make_project(tmp_path / "p")
    (project / ".gitignore").unlink()
    commit_all(project)
    (project / "out").mkdir()
    (project / "out" / "demo-1.0.tar.gz").write_bytes(b"old build")
    assert inspect_project(project, False, output_dir=project / "out").source.dirty is False
    with pytest.raises(InputError):
        inspect_project(project, False)


def test_missing_directory(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="does not exist"):
        inspect_project(tmp_path / "nope", allow_dirty=False)


def test_not_a_python_project(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"no pyproject\.toml or setup\.py"):
        inspect_project(tmp_path, allow_dirty=False)


def test_not_a_git_checkout(tmp_path: Path) -> None:
    (tmp_path / "setup.py").write_text("", encoding="utf-8")
    with pytest.raises(InputError, match="not inside a git checkout"):
        inspect_project(tmp_path, allow_dirty=False)


def test_no_commits(tmp_path: Path) -> None:
    (tmp_path / "setup.py").write_text("", encoding="utf-8")
    git(tmp_path, "init", "-q")
    with pytest.raises(InputError, match="no commits"):
        inspect_project(tmp_path, allow_dirty=False)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[build-system\nrequires = [", "not valid TOML"),
        ('[build-system]\nrequires = "setuptools"\n', "must be a list of strings"),
        ("[build-system]\nrequires = []\nbuild-backend = 3\n", "must be a string"),
    ],
)
def test_broken_pyproject(tmp_path: Path, text: str, message: str) -> None:
    (tmp_path / "pyproject.toml").write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match=message):
        inspect_project(tmp_path, allow_dirty=False)


def test_legacy_setup_py_uses_the_default_backend(tmp_path: Path) -> None:
    (tmp_path / "setup.py").write_text("from setuptools import setup\nsetup()\n", "utf-8")
    git(tmp_path, "init", "-q")
    commit_all(tmp_path)
    info = inspect_project(tmp_path, allow_dirty=False)
    assert info.build_backend == DEFAULT_BACKEND
    assert info.build_requires == ("setuptools>=40.8.0",)


def test_source_date_epoch_from_commit_or_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    info = inspect_project(make_project(tmp_path / "p"), allow_dirty=False)
    assert source_date_epoch(info) == COMMIT_EPOCH
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1234")
    assert source_date_epoch(info) == 1234
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "yesterday")
    with pytest.raises(UsageError, match="SOURCE_DATE_EPOCH"):
        source_date_epoch(info)


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="needs root to chown")
def test_git_refusal_is_reported_in_its_own_words(tmp_path: Path) -> None:
    project = make_project(tmp_path / "p")
    for path in [project, *project.rglob("*")]:
        os.lchown(path, 65534, 65534)
    with pytest.raises(InputError, match="dubious ownership") as caught:
        inspect_project(project, allow_dirty=False)
    assert caught.value.hint is not None
    assert "safe.directory" in caught.value.hint


def test_detached_head_in_ci_takes_the_ref_of_the_same_commit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = make_project(tmp_path / "p")
    head = git(project, "rev-parse", "HEAD")
    git(project, "checkout", "-q", "--detach")
    for name in ("GITHUB_ACTIONS", "GITHUB_SHA", "GITHUB_REF", "CI_COMMIT_TAG"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("GITLAB_CI", "true")
    monkeypatch.setenv("CI_COMMIT_BRANCH", "release")
    monkeypatch.setenv("CI_COMMIT_SHA", "0" * 40)
    assert inspect_project(project, allow_dirty=False).source.ref is None, "another commit"
    monkeypatch.setenv("CI_COMMIT_SHA", head)
    assert inspect_project(project, allow_dirty=False).source.ref == "refs/heads/release"
    monkeypatch.setenv("CI_COMMIT_TAG", "v2.0")
    assert inspect_project(project, allow_dirty=False).source.ref == "refs/tags/v2.0"
