"""The lock change as one commit on a new git branch, ready for a merge request. The commit is
built with git's plumbing in a temporary index (``GIT_INDEX_FILE``): the user's index,
working tree and current branch are left as they are, and the commit holds the lock files
and nothing else, on top of HEAD."""

from __future__ import annotations

import os
import subprocess
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path

from chainproof.errors import InfrastructureError, UsageError

__all__ = ["check_branch", "commit_to_branch"]


def _git(
    args: Sequence[str],
    cwd: Path,
    env: Mapping[str, str] | None = None,
    data: bytes | None = None,
) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(
            ["git", *args], cwd=cwd, env=env, input=data, capture_output=True, check=False
        )
    except OSError as exc:
        raise InfrastructureError(f"Cannot run git: {exc.strerror or exc}.") from exc


def _out(result: subprocess.CompletedProcess[bytes], what: str) -> str:
    if result.returncode != 0:
        said = result.stderr.decode(errors="replace").strip().splitlines()
        raise InfrastructureError(f"{what} failed: {said[-1] if said else 'git said nothing'}.")
    return result.stdout.decode().strip()


def _top(directory: Path) -> Path:
    result = _git(["rev-parse", "--show-toplevel"], directory)
    if result.returncode != 0:
        raise UsageError(f"--branch needs a git repository, and {directory} is not in one.")
    return Path(result.stdout.decode().strip())


def check_branch(name: str, files: Sequence[Path]) -> None:
    """Refuse, before anything is done, a branch that cannot be made: no repository, a bad
    or taken name, no commit yet, or a lock file that is untracked or differs from HEAD
    (the commit would hold more than the fix)."""
    top = _top(files[0].parent)
    if _git(["check-ref-format", "--branch", name], top).returncode != 0:
        raise UsageError(f"--branch {name!r} is not a valid git branch name.")
    if _git(["rev-parse", "--verify", "--quiet", f"refs/heads/{name}"], top).returncode == 0:
        raise UsageError(f"The git branch {name} exists already; name a new one.")
    if _git(["rev-parse", "--verify", "--quiet", "HEAD"], top).returncode != 0:
        raise UsageError("--branch needs a commit to branch from, and the repository has none.")
    for path in files:
        if not path.exists():
            continue  # written by the fix (an exported lock's uv.lock can be new)
        relative = str(path.resolve().relative_to(top.resolve()))
        if _git(["ls-files", "--error-unmatch", "--", relative], top).returncode != 0:
            raise UsageError(f"--branch: {path} is not tracked by git; commit it first.")
        if _git(["diff", "--quiet", "HEAD", "--", relative], top).returncode != 0:
            raise UsageError(
                f"--branch: {path} has changes that are not committed; commit or stash them "
                "first, so that the branch holds the fix alone."
            )


def _identity(top: Path) -> dict[str, str]:
    """Who commits: git's own settings, else chainproof (CI jobs often configure no one)."""
    env = dict(os.environ)
    for key, fallback in (
        ("user.name", "chainproof"),
        ("user.email", "chainproof@example.invalid"),
    ):
        if _git(["config", key], top).returncode != 0:
            kind = "NAME" if key == "user.name" else "EMAIL"
            env.setdefault(f"GIT_AUTHOR_{kind}", fallback)
            env.setdefault(f"GIT_COMMITTER_{kind}", fallback)
    return env


def commit_to_branch(name: str, files: Sequence[tuple[Path, bytes]], message: str) -> str:
    """Commit ``files`` (path, new content) on HEAD as the new branch ``name``; its id."""
    top = _top(files[0][0].parent)
    env = _identity(top)
    with tempfile.TemporaryDirectory(prefix="chainproof-git-") as scratch:
        env["GIT_INDEX_FILE"] = str(Path(scratch) / "index")
        _out(_git(["read-tree", "HEAD"], top, env), "git read-tree")
        for path, data in files:
            relative = str(path.resolve().relative_to(top.resolve()))
            blob = _out(_git(["hash-object", "-w", "--stdin"], top, env, data), "git hash-object")
            staged = _out(_git(["ls-files", "-s", "--", relative], top, env), "git ls-files")
            mode = staged.split()[0] if staged else "100644"
            info = f"{mode},{blob},{relative}"
            _out(_git(["update-index", "--add", "--cacheinfo", info], top, env), "git update-index")
        tree = _out(_git(["write-tree"], top, env), "git write-tree")
        commit = _out(
            _git(["commit-tree", tree, "-p", "HEAD", "-F", "-"], top, env, message.encode()),
            "git commit-tree",
        )
    _out(_git(["branch", name, commit], top), "git branch")
    return commit
