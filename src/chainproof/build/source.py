"""What is being built: the project checks, git source information and SOURCE_DATE_EPOCH."""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

from chainproof.config import source_date_epoch as environment_epoch
from chainproof.errors import InfrastructureError, InputError
from chainproof.fileio import load_toml
from chainproof.models import SourceInfo
from chainproof.redact import strip_credentials

__all__ = [
    "DEFAULT_BACKEND",
    "ProjectSource",
    "inspect_project",
    "source_date_epoch",
    "tracked_at",
    "tracked_files",
]

# What PEP 517 front ends assume when pyproject.toml has no [build-system] table.
DEFAULT_BACKEND = "setuptools.build_meta:__legacy__"


@dataclass(frozen=True)
class ProjectSource:
    """A buildable project inside a git checkout."""

    directory: Path  # absolute
    repository: Path  # the checkout's top level
    source: SourceInfo
    build_backend: str
    build_requires: tuple[str, ...]
    commit_time: int  # HEAD's committer time, seconds since the epoch


def _git_bytes(repository: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(
            ["git", "-C", str(repository), *args],
            capture_output=True,
            check=False,
            env={**os.environ, "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C"},
        )
    except FileNotFoundError as exc:
        raise InfrastructureError(
            "git is not installed.", hint="Install git; chainproof reads the source from it."
        ) from exc


def _git(repository: Path, *args: str) -> subprocess.CompletedProcess[str]:
    done = _git_bytes(repository, *args)
    return subprocess.CompletedProcess(
        done.args,
        done.returncode,
        done.stdout.decode(errors="replace"),
        done.stderr.decode(errors="replace"),
    )


def tracked_files(directory: Path) -> list[str]:
    """Every file git tracks under ``directory``, relative to it (``git ls-files``), sorted;
    submodules (directories) are left out: their files belong to another repository."""
    result = _git_bytes(directory, "ls-files", "-z", "--", ".")
    if result.returncode != 0:
        reason = result.stderr.decode(errors="replace").strip().splitlines() or ["no reason"]
        raise InputError(
            f"Cannot list the git-tracked files in {directory}: "
            f"{reason[0].removeprefix('fatal: ').rstrip('.')}."
        )
    names = [os.fsdecode(n) for n in result.stdout.split(b"\0") if n]
    return sorted(n for n in names if not (directory / n).is_dir())


def tracked_at(directory: Path, commit: str) -> list[str] | None:
    """Every file git tracked under ``directory`` at ``commit``, relative to it; None when
    ``directory`` is no checkout or does not hold that commit."""
    if not directory.is_dir():
        return None
    result = _git_bytes(directory, "ls-tree", "-r", "-z", "--name-only", commit, "--", ".")
    if result.returncode != 0:
        return None
    return sorted(os.fsdecode(n) for n in result.stdout.split(b"\0") if n)


def _git_out(repository: Path, *args: str) -> str | None:
    result = _git(repository, *args)
    return result.stdout.strip() if result.returncode == 0 else None


def _build_system(directory: Path) -> tuple[str, tuple[str, ...]]:
    pyproject = directory / "pyproject.toml"
    if not pyproject.is_file():
        if not (directory / "setup.py").is_file():
            raise InputError(
                f"{directory} is not a Python project: it has no pyproject.toml or setup.py."
            )
        return DEFAULT_BACKEND, ("setuptools>=40.8.0",)
    table = load_toml(pyproject, "project file").get("build-system")
    if table is None:
        return DEFAULT_BACKEND, ("setuptools>=40.8.0",)
    requires = table.get("requires") if isinstance(table, dict) else None
    backend = table.get("build-backend", DEFAULT_BACKEND) if isinstance(table, dict) else None
    if not isinstance(requires, list) or not all(isinstance(r, str) for r in requires):
        raise InputError(f"[build-system] requires in {pyproject} must be a list of strings.")
    if not isinstance(backend, str):
        raise InputError(f"[build-system] build-backend in {pyproject} must be a string.")
    return backend, tuple(requires)


def _ci_ref(commit: str) -> str | None:
    """The ref GitLab CI or GitHub Actions checked out, if it is this very commit (CI jobs
    run on a detached HEAD)."""
    env = os.environ
    if env.get("GITLAB_CI") and env.get("CI_COMMIT_SHA") == commit:
        if env.get("CI_COMMIT_TAG"):
            return f"refs/tags/{env['CI_COMMIT_TAG']}"
        if env.get("CI_COMMIT_BRANCH"):
            return f"refs/heads/{env['CI_COMMIT_BRANCH']}"
    if env.get("GITHUB_ACTIONS") and env.get("GITHUB_SHA") == commit:
        return env.get("GITHUB_REF") or None
    return None


def _ref(repository: Path, commit: str) -> str | None:
    branch = _git_out(repository, "symbolic-ref", "-q", "HEAD")
    if branch:
        return branch
    tag = _git_out(repository, "describe", "--exact-match", "--tags", "HEAD")
    return f"refs/tags/{tag}" if tag else _ci_ref(commit)


def _remote_uri(repository: Path) -> str | None:
    remotes = (_git_out(repository, "remote") or "").split()
    if not remotes:
        return None
    name = "origin" if "origin" in remotes else remotes[0]
    url = _git_out(repository, "remote", "get-url", name)
    return strip_credentials(url) if url else None


def _changes(repository: Path, ignore: Path | None) -> list[str]:
    """The paths ``git status`` reports as modified or untracked (not ignored)."""
    args = ["status", "--porcelain", "--untracked-files=normal", "--", "."]
    if ignore is not None and ignore.is_relative_to(repository) and ignore != repository:
        args.append(f":(exclude){ignore.relative_to(repository).as_posix()}")
    status = _git(repository, *args)
    if status.returncode != 0:
        raise InputError(f"git status failed in {repository}: {status.stderr.strip()}.")
    return [line[3:] for line in status.stdout.splitlines() if line.strip()]


def inspect_project(
    project_dir: Path, allow_dirty: bool, output_dir: Path | None = None
) -> ProjectSource:
    """Check that ``project_dir`` is a buildable project in a git checkout and describe it.

    A working tree with uncommitted or untracked files is refused unless ``allow_dirty``;
    ``output_dir`` (where earlier builds landed) does not count as a change.
    """
    directory = project_dir.expanduser().resolve()
    if not directory.exists():
        raise InputError(f"The project directory {project_dir} does not exist.")
    if not directory.is_dir():
        raise InputError(f"{project_dir} is not a directory.")
    backend, requires = _build_system(directory)
    top = _git(directory, "rev-parse", "--show-toplevel")
    if top.returncode != 0:
        reason = top.stderr.strip().splitlines()
        if reason and "not a git repository" not in reason[0]:
            # e.g. "detected dubious ownership": git's own words say what to do.
            raise InputError(
                f"git cannot read {project_dir}: {reason[0].removeprefix('fatal: ')}.",
                hint="\n".join(reason[1:]).strip() or None,
            )
        raise InputError(
            f"{project_dir} is not inside a git checkout.",
            hint="chainproof records the commit it builds; run it in a git clone.",
        )
    repository = Path(top.stdout.strip()).resolve()
    commit = _git_out(repository, "rev-parse", "--verify", "-q", "HEAD^{commit}")
    time = _git_out(repository, "log", "-1", "--format=%ct", "HEAD")
    if not commit or not time:
        raise InputError(f"The git checkout at {repository} has no commits yet.")
    ignore = output_dir.expanduser().resolve() if output_dir is not None else None
    changes = _changes(repository, ignore)
    dirty = bool(changes)
    if dirty and not allow_dirty:
        listed = ", ".join(changes[:3]) + (
            f" and {len(changes) - 3} more" if len(changes) > 3 else ""
        )
        raise InputError(
            f"The working tree at {repository} has uncommitted changes ({listed}).",
            hint="Commit or stash them, add build outputs to .gitignore, or pass --allow-dirty "
            "(the record will say so).",
        )
    return ProjectSource(
        directory=directory,
        repository=repository,
        source=SourceInfo(
            uri=_remote_uri(repository), commit=commit, ref=_ref(repository, commit), dirty=dirty
        ),
        build_backend=backend,
        build_requires=requires,
        commit_time=int(time),
    )


def source_date_epoch(project: ProjectSource) -> int:
    """SOURCE_DATE_EPOCH from the environment when set, else HEAD's commit time."""
    epoch = environment_epoch()
    return project.commit_time if epoch is None else epoch
