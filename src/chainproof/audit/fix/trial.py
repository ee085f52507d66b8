"""The test command in a clean environment made from a lock: a new virtual environment in a
scratch directory, installed from the lock alone with every hash checked, the command run in
the project's copy with that environment first on PATH.

- uv.lock: ``uv sync --frozen`` into the new environment (``UV_PROJECT_ENVIRONMENT``): the
  lock's packages, its default groups and the project itself, every file checked against the
  lock's hash.
- pylock.toml and requirements files: ``uv venv``, then ``uv pip sync --require-hashes``; the
  project is not installed (such a lock does not pin it), so the command runs from its source.
"""

from __future__ import annotations

import os
import re
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from chainproof.audit.relock import run_uv
from chainproof.errors import InfrastructureError, UsageError

__all__ = ["TestRun", "run_tests"]

_TAIL_LINES = 40
_NOT_FOUND = 127  # the shell's status for a command it cannot find
# pytest's short summary ("FAILED tests/test_x.py::test_y - AssertionError") and unittest's
# ("FAIL: test_y (tests.test_x.TestX)").
_FAILED = re.compile(r"^(?:FAILED|ERROR) (\S+)|^(?:FAIL|ERROR): (\S+ \([^)]*\))", re.MULTILINE)


@dataclass(frozen=True)
class TestRun:
    __test__ = False  # not a pytest class

    command: str
    exit_code: int
    seconds: float
    failed_tests: tuple[str, ...]  # the tests the output names as failed, when it does
    output_tail: str  # the last lines the command printed

    @property
    def passed(self) -> bool:
        return self.exit_code == 0

    def to_json(self) -> dict[str, object]:
        return {
            "command": self.command,
            "passed": self.passed,
            "exit_code": self.exit_code,
            "seconds": round(self.seconds, 3),
            "failed_tests": list(self.failed_tests),
            "output_tail": self.output_tail,
        }


def _environment(kind: str, lock: Path, project: Path, venv: Path) -> None:
    if kind == "uv-lock":
        env = {**os.environ, "UV_PROJECT_ENVIRONMENT": str(venv)}
        run_uv(["sync", "--frozen", "--quiet"], project, "uv sync", env=env)
        return
    run_uv(["venv", "--quiet", str(venv)], project, "uv venv")
    python = str(venv / "bin" / "python")
    run_uv(
        ["pip", "sync", "--quiet", "--require-hashes", "--python", python, str(lock)],
        project,
        "uv pip sync",
    )


def run_tests(kind: str, lock: Path, project: Path, venv: Path, command: str) -> TestRun:
    """Make the environment ``venv`` from ``lock`` (in ``project``, a scratch copy) and run
    ``command`` there through the shell; a failing install is InfrastructureError."""
    _environment(kind, lock, project, venv)
    env = {**os.environ, "VIRTUAL_ENV": str(venv)}
    env["PATH"] = os.pathsep.join((str(venv / "bin"), env.get("PATH", "")))
    env.pop("PYTHONHOME", None)
    started = time.monotonic()
    try:
        # the test command is the user's shell command line, as a CI job's script runs it
        result = subprocess.run(  # noqa: S602
            command,
            shell=True,
            cwd=project,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            errors="replace",
            check=False,
        )
    except OSError as exc:
        raise InfrastructureError(f"Cannot run the test command: {exc.strerror or exc}.") from exc
    output = result.stdout or ""
    if result.returncode == _NOT_FOUND:
        raise UsageError(
            f"The test command {command!r} was not found in the clean environment (the shell "
            "says: " + (output.strip().splitlines() or ["nothing"])[-1] + ").",
            hint="Name a command the lock installs (e.g. pytest in a dev group), or a script "
            "of the project.",
        )
    failed = tuple(dict.fromkeys(a or b for a, b in _FAILED.findall(output)))
    tail = "\n".join(output.rstrip().splitlines()[-_TAIL_LINES:])
    return TestRun(command, result.returncode, time.monotonic() - started, failed, tail)
