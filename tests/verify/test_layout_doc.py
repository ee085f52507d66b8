"""docs/layouts.md's worked example is real: every ``console`` block of it runs here, in order,
in one directory holding the demo project, and each command's output must be the one shown
(key ids, digests, the directory and timings aside)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.build.helpers import commit_all, git_env, make_project

DOC = Path(__file__).resolve().parents[2] / "docs" / "layouts.md"
WORKDIR = "/home/ci/work"  # the directory the doc's transcript shows
_CONSOLE = re.compile(r"^```console\n(.*?)^```$", re.MULTILINE | re.DOTALL)
_VARYING = [
    (re.compile(r"\b[0-9a-f]{64}\b"), "<sha256>"),
    (re.compile(r"\.[0-9a-f]{8}\.link\b"), ".<keyid8>.link"),
    (re.compile(r"\bin \d+\.\d+s\b"), "in <time>"),
    (re.compile(r"installer (uv|pip)\b"), "installer <installer>"),
    (re.compile(r"\s+$", re.MULTILINE), ""),
]

__all__ = ["demo_project", "run_transcript", "transcript"]


def transcript(text: str) -> list[tuple[str, str]]:
    """(command, output) pairs of a console block: ``$ `` lines and what follows them."""
    pairs: list[tuple[str, str]] = []
    for line in text.splitlines():
        if line.startswith("$ "):
            pairs.append((line[2:], ""))
        elif pairs:
            command, output = pairs[-1]
            pairs[-1] = (command, output + line + "\n")
    return pairs


def normalise(text: str) -> str:
    for pattern, replacement in _VARYING:
        text = pattern.sub(replacement, text)
    return text.strip()


def demo_project(base: Path) -> Path:
    """The doc's demo project: tests/build's offline demo (in-tree backend) with a module and
    its test."""
    project = make_project(base / "demo")
    (project / "demo.py").write_text("VALUE = 1\n")
    test = "import demo\n\n\ndef test_value():\n    assert demo.VALUE == 1\n"
    (project / "test_demo.py").write_text(test)
    (project / ".gitignore").write_text("dist/\n__pycache__/\n.pytest_cache/\n")
    commit_all(project)
    return project


def run_transcript(commands: list[str], base: Path) -> list[tuple[str, str, int]]:
    """Run each command with bash in ``base`` (``cd`` carries over); output is stdout and
    stderr together, the working directory shown as WORKDIR."""
    env = {
        **git_env(),
        "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]),
        "COLUMNS": "80",
    }
    for name in ("CHAINPROOF_KEY_PASSWORD", "SOURCE_DATE_EPOCH", "CHAINPROOF_INSTALLER"):
        env.pop(name, None)
    cwd = base
    results = []
    for command in commands:
        if command.startswith("cd "):
            cwd = (cwd / command[3:].strip()).resolve()
            results.append((command, "", 0))
            continue
        done = subprocess.run(
            ["bash", "-c", command],
            cwd=cwd,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            check=False,
        )
        results.append((command, done.stdout.replace(str(base), WORKDIR), done.returncode))
    return results


@pytest.mark.filterwarnings("ignore::DeprecationWarning:pathspec")
def test_worked_example(tmp_path: Path) -> None:
    blocks = _CONSOLE.findall(DOC.read_text(encoding="utf-8"))
    assert len(blocks) >= 2
    pairs = [pair for block in blocks for pair in transcript(block)]
    base = tmp_path.resolve()
    demo_project(base)
    results = run_transcript([command for command, _ in pairs], base)
    for (command, shown), (_, output, status) in zip(pairs, results, strict=True):
        assert normalise(output) == normalise(shown), f"$ {command}\n{output}"
        assert (status != 0) == ("Error: " in shown or "(in-toto-verify)" in shown), command
