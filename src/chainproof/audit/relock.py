"""New locks with some packages upgraded, written by uv in a scratch copy of the project: the
lock on disk is never touched here, so a failure or a kill at any point leaves it as it was.
``audit --fix`` writes its new lock this way; the audit checks a lock's proposals this way.

- uv.lock: ``uv lock --upgrade-package NAME==VERSION``, which keeps every other pin.
- pylock.toml that ``uv export`` wrote (its header says so) beside a uv.lock: the uv.lock is
  upgraded as above and exported again with the header's own command.
- requirements files (and other pylock.toml files): the header's ``uv pip compile`` or
  ``pip-compile`` command is run again by ``uv pip compile`` with ``--upgrade-package``, the
  old file as its preferences; without such a header, every pin of the file is compiled
  again with the upgrades substituted (``--generate-hashes``; pylock.toml via
  ``--format pylock.toml --universal``).

uv writes the hashes from the index; :mod:`chainproof.audit.fix.fresh` then checks each new
file against them. Failures: the resolver finding no solution is :class:`ResolverRefused`
(exit 1: the findings stay open); anything else uv reports is InfrastructureError (exit 3).
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from chainproof.audit.locked import LockEvidence
from chainproof.build.installers import find_uv
from chainproof.errors import FindingsOverThreshold, InfrastructureError, InputError
from chainproof.redact import strip_credentials

__all__ = ["LockChange", "ResolverRefused", "Upgrade", "copy_project", "relock", "run_uv"]

# Not copied into the scratch project: history, environments, caches and build output.
_SKIPPED = (
    ".git", ".hg", ".venv", "venv", ".tox", ".nox", "node_modules", "__pycache__",
    ".mypy_cache", ".pytest_cache", ".ruff_cache", "build", "dist", "*.egg-info",
)  # fmt: skip
_OUTPUT_TAIL = 4000
_HEADER_LINES = 12  # uv and pip-compile write their command within the first lines


@dataclass(frozen=True)
class Upgrade:
    package: str  # normalised
    current: str
    specifier: str  # what the resolver is asked for: "==1.1", or a range such as ">=80.0"
    advisories: tuple[str, ...] = ()  # the finding ids it closes

    @property
    def requirement(self) -> str:
        return f"{self.package}{self.specifier}"


class ResolverRefused(FindingsOverThreshold):
    """The resolver finds no lock with the upgrades (exit 1: the findings stay open);
    ``reason`` is uv's."""

    def __init__(self, what: str, reason: str) -> None:
        super().__init__(f"{what}: the resolver found no solution: {reason}.")
        self.reason = reason


@dataclass(frozen=True)
class LockChange:
    """The new content of each file a fix rewrites (the lock, and for an exported
    pylock.toml its uv.lock too), by the path of the file in the project."""

    files: tuple[tuple[Path, bytes], ...]  # the lock asked for last


def copy_project(lock: Path, scratch: Path) -> Path:
    """The lock's directory (the project) copied into ``scratch``; returns the copy."""
    target = scratch / "project"
    try:
        shutil.copytree(
            lock.parent, target, symlinks=True, ignore=shutil.ignore_patterns(*_SKIPPED)
        )
    except (OSError, shutil.Error) as exc:
        raise InputError(f"Cannot copy the project {lock.parent}: {exc}.") from exc
    return target


def run_uv(args: Sequence[str], cwd: Path, what: str, env: Mapping[str, str] | None = None) -> str:
    """``uv ARGS`` in ``cwd`` (with ``env``, default this process's); its stderr (uv's
    messages) when it succeeds."""
    binary = find_uv()
    if binary is None:
        raise InfrastructureError(
            "--fix needs uv, and no uv binary was found.",
            hint="Install uv (it is one of chainproof's dependencies), or set UV to its path.",
        )
    try:
        result = subprocess.run(
            [binary, *args],
            cwd=cwd,
            env=env,
            capture_output=True,
            text=True,
            check=False,
            stdin=subprocess.DEVNULL,
        )
    except OSError as exc:
        raise InfrastructureError(f"Cannot run uv: {exc.strerror or exc}.") from exc
    if result.returncode == 0:
        return result.stderr
    output = strip_credentials((result.stderr.strip() or result.stdout.strip())[-_OUTPUT_TAIL:])
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    if any("No solution found" in line for line in lines):
        reasons = [line.removeprefix("cause:").strip() for line in lines if "cause:" in line]
        reason = (reasons or lines)[-1].removeprefix("╰─▶").strip().rstrip(".")
        raise ResolverRefused(what, reason)
    last = lines[-1].removeprefix("error:").removeprefix("cause:").strip() if lines else ""
    raise InfrastructureError(
        f"{what} failed: {last.rstrip('.') or 'uv printed nothing'}.", hint=f"uv said:\n{output}"
    )


def _upgrade_flags(upgrades: Sequence[Upgrade]) -> list[str]:
    return [flag for u in upgrades for flag in ("--upgrade-package", u.requirement)]


def _header_command(lock: Path, programs: tuple[str, ...]) -> list[str] | None:
    """The command a lock's header says wrote it (the words after the ``#``), when it names
    one of ``programs`` ("uv pip compile", "uv export", "pip-compile")."""
    try:
        with lock.open(encoding="utf-8") as stream:
            head = [next(stream, "") for _ in range(_HEADER_LINES)]
    except OSError:
        return None
    for line in head:
        text = line.lstrip("#").strip()
        for program in programs:
            if text.startswith(program + " "):
                try:
                    return shlex.split(text)
                except ValueError:
                    return None
    return None


def _without_output(words: list[str]) -> list[str]:
    """A command's words without its output file (``-o F``, ``--output-file[=]F``)."""
    kept: list[str] = []
    skip = False
    for word in words:
        if skip:
            skip = False
        elif word in ("-o", "--output-file"):
            skip = True
        elif not word.startswith("--output-file="):
            kept.append(word)
    return kept


def _uv_lock(project: Path, upgrades: Sequence[Upgrade]) -> bytes:
    run_uv(["lock", *_upgrade_flags(upgrades)], project, "uv lock")
    return (project / "uv.lock").read_bytes()


def _export(project: Path, lock_name: str, command: list[str]) -> bytes:
    """The header's ``uv export`` command again, from the new uv.lock (``UV_FROZEN``: as
    written, not locked again), into ``lock_name``; words as in the header, so uv writes the
    same header."""
    args = command[1:]  # without the "uv"
    if _output_of(args) != lock_name:  # never a path outside the scratch copy
        args = [*_without_output(args), "-o", lock_name]
    run_uv([*args, "--quiet"], project, "uv export", env={**os.environ, "UV_FROZEN": "1"})
    return (project / lock_name).read_bytes()


def _output_of(words: list[str]) -> str | None:
    for i, word in enumerate(words):
        if word in ("-o", "--output-file") and i + 1 < len(words):
            return words[i + 1]
        if word.startswith("--output-file="):
            return word.split("=", 1)[1]
    return None


def _compile(
    project: Path, lock_name: str, command: list[str], upgrades: Sequence[Upgrade]
) -> bytes:
    """The header's compile command again through ``uv pip compile``, the old file (already
    in the copy) as its preferences, and the header kept as it was."""
    skip = 3 if command[0] == "uv" else 1  # "uv pip compile" or "pip-compile"
    args = _without_output(command[skip:])
    original = shlex.join(command)
    run_uv(
        ["pip", "compile", *args, "-o", lock_name, "--custom-compile-command", original,
         *_upgrade_flags(upgrades), "--quiet"],
        project,
        "uv pip compile",
    )  # fmt: skip
    return (project / lock_name).read_bytes()


def _pins_input(evidence: LockEvidence, upgrades: Sequence[Upgrade]) -> str:
    """Every pin of the lock as a requirement, the upgrades in place of their pins."""
    wanted = {u.package: u for u in upgrades}
    lines: list[str] = []
    for package in evidence.packages:
        if package.version is None or package.key == evidence.project:
            continue
        upgrade = wanted.get(package.key)
        requirement = upgrade.requirement if upgrade else f"{package.name}=={package.version}"
        markers = " or ".join(f"({m})" for m in package.markers)
        lines.append(f"{requirement} ; {markers}" if markers else requirement)
    return "".join(f"{line}\n" for line in sorted(set(lines)))


def _recompile(
    project: Path, evidence: LockEvidence, lock_name: str, upgrades: Sequence[Upgrade]
) -> bytes:
    """A lock with no command in its header: its pins compiled again, upgrades in place."""
    source = project / ".chainproof-fix.in"
    source.write_text(_pins_input(evidence, upgrades), encoding="utf-8")
    index_args = [
        word
        for option in evidence.options
        if option.option in ("-i", "--index-url", "--extra-index-url", "--find-links")
        and option.value
        for word in (option.option, option.value)
    ]
    if evidence.kind == "pylock":
        kind_args = ["--format", "pylock.toml", "--universal"]
    else:
        kind_args = ["--generate-hashes", "--no-header"]
        if index_args:
            kind_args.append("--emit-index-url")
    run_uv(
        ["pip", "compile", source.name, "-o", lock_name, *kind_args, *index_args,
         *_upgrade_flags(upgrades), "--quiet"],
        project,
        "uv pip compile",
    )  # fmt: skip
    return (project / lock_name).read_bytes()


def relock(
    evidence: LockEvidence, project: Path, upgrades: Sequence[Upgrade], original: Path
) -> LockChange:
    """The lock ``original`` (of kind ``evidence.kind``) with ``upgrades``, written by uv in
    ``project``, a scratch copy of its directory (:func:`copy_project`)."""
    name = original.name
    if evidence.kind == "uv-lock":
        return LockChange(((original, _uv_lock(project, upgrades)),))
    if evidence.kind == "pylock":
        exported = _header_command(project / name, ("uv export",))
        if exported is not None and (project / "uv.lock").is_file():
            uv_lock = _uv_lock(project, upgrades)
            return LockChange(
                (
                    (original.with_name("uv.lock"), uv_lock),
                    (original, _export(project, name, exported)),
                )
            )
    command = _header_command(project / name, ("uv pip compile", "pip-compile"))
    if command is not None:
        return LockChange(((original, _compile(project, name, command, upgrades)),))
    return LockChange(((original, _recompile(project, evidence, name, upgrades)),))
