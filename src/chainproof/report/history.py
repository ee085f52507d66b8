"""The history of some files of a git repository, read with git itself: one ``git log``
stream (first parent, raw diffs) gives every commit that changed them and the blob each path
held after it, and one ``git cat-file --batch`` gives the blobs' bytes. Nothing is checked out.
"""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from chainproof.errors import InfrastructureError, InputError

__all__ = ["Commit", "History", "read_history"]

_NULL = "0" * 40


@dataclass(frozen=True)
class Commit:
    sha: str
    time: datetime  # committer time: when the change landed
    subject: str
    files: tuple[tuple[str, str | None], ...]  # (path from the repository root, blob or None)

    def blob(self, path: str) -> str | None:
        return dict(self.files).get(path)


@dataclass(frozen=True)
class History:
    root: Path  # the repository's top level
    prefix: str  # the project directory relative to it ("" or "sub/")
    commits: tuple[Commit, ...]  # oldest first; each holds every tracked path's blob
    shallow: bool
    blobs: dict[str, bytes]


def _git(args: Sequence[str], cwd: Path, stdin: bytes | None = None) -> bytes:
    try:
        done = subprocess.run(
            ["git", *args], cwd=cwd, input=stdin, capture_output=True, check=False
        )
    except FileNotFoundError as exc:
        raise InfrastructureError(
            "git is not installed.", hint="Install git: the report reads the history with it."
        ) from exc
    if done.returncode != 0:
        why = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise InputError(f"git {args[0]} failed in {cwd}: {why[-1] if why else 'no message'}.")
    return done.stdout


def _project(project_dir: Path) -> tuple[Path, str]:
    if not project_dir.is_dir():
        raise InputError(f"The project directory {project_dir} does not exist.")
    probe = subprocess.run(
        ["git", "rev-parse", "--show-toplevel", "--show-prefix"],
        cwd=project_dir,
        capture_output=True,
        text=True,
        check=False,
    )
    if probe.returncode != 0:
        raise InputError(
            f"{project_dir} is not in a git repository.",
            hint="The report reads the lock files' history from git.",
        )
    top, prefix = [*probe.stdout.splitlines(), "", ""][:2]
    return Path(top), prefix


def _parse_log(text: str) -> list[tuple[str, datetime, str, dict[str, str | None]]]:
    """Each commit of ``git log --raw --format=%x00%H %ct %s``: its changes to the paths."""
    found = []
    for record in text.split("\0")[1:]:
        head, _, body = record.partition("\n")
        sha, stamp, subject = [*head.split(" ", 2), ""][:3]
        changes: dict[str, str | None] = {}
        for line in body.splitlines():
            if not line.startswith(":"):
                continue
            meta, _, path = line.partition("\t")  # --no-renames: one path per line
            new = meta.split()[3]
            changes[path] = None if new == _NULL else new
        found.append((sha, datetime.fromtimestamp(int(stamp), UTC), subject, changes))
    return found


def _cat(blobs: Sequence[str], cwd: Path) -> dict[str, bytes]:
    out = _git(["cat-file", "--batch"], cwd, "".join(f"{b}\n" for b in blobs).encode())
    found: dict[str, bytes] = {}
    at = 0
    for blob in blobs:
        end = out.index(b"\n", at)
        header = out[at:end].split()
        if len(header) != 3:
            raise InputError(f"git cat-file cannot read the blob {blob}.")
        size = int(header[2])
        found[blob] = out[end + 1 : end + 1 + size]
        at = end + 2 + size
    return found


def read_history(project_dir: Path, pathspecs: Sequence[str]) -> History:
    """Every first-parent commit that changed a file matching ``pathspecs`` (relative to the
    project directory, glob magic allowed), with each path's blob after it."""
    root, prefix = _project(project_dir)
    shallow = _git(["rev-parse", "--is-shallow-repository"], root).strip() == b"true"
    has_head = subprocess.run(
        ["git", "rev-parse", "-q", "--verify", "HEAD"], cwd=root, capture_output=True, check=False
    )
    if has_head.returncode != 0:
        return History(root, prefix, (), shallow, {})
    specs = [f":(top,glob){prefix}{spec}" for spec in pathspecs]
    log = _git(
        [
            "-c",
            "core.quotePath=false",
            "log",
            "--first-parent",
            "--diff-merges=first-parent",
            "--reverse",
            "--raw",
            "--no-abbrev",
            "--no-renames",
            "--format=%x00%H %ct %s",
            "HEAD",
            "--",
            *specs,
        ],
        root,
    ).decode("utf-8", "replace")
    state: dict[str, str | None] = {}
    commits = []
    for sha, time, subject, changes in _parse_log(log):
        state.update(changes)
        files = tuple(sorted((p, b) for p, b in state.items() if b is not None))
        commits.append(Commit(sha, time, subject, files))
    wanted = sorted({b for c in commits for _, b in c.files if b})
    return History(root, prefix, tuple(commits), shallow, _cat(wanted, root) if wanted else {})
