"""`chainproof build` against `python -m build` on the same git checkout, as a ratio.

By default the project is iniconfig 2.0.0 (hatchling + hatch-vcs), fetched from the package
registry as an sdist and committed to a fresh git repository; `--project DIR` uses a checkout
of your own instead. Each run starts from a fresh clone; the runs alternate tools so a warm
cache favours neither. chainproof runs with uv (its default when found) and with pip, the
installer `python -m build` uses.

    .venv/bin/python bench/bench_build.py [--project DIR] [--runs 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # tests.*.helpers

from tests.build.helpers import git_env
from tests.sbom.helpers import download_sdist

PROJECT = ("iniconfig", "2.0.0")


def _fetch(work: Path) -> Path:
    name, version = PROJECT
    checkout = download_sdist(name, version, work)
    env = git_env()
    for cmd in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "bench"]):
        subprocess.run(["git", "-C", str(checkout), *cmd], check=True, env=env)
    return checkout


def _timed(cmd: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True, env=env)
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--project", type=Path, help="a git checkout to build")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    chainproof = str(Path(sys.executable).parent / "chainproof")
    with tempfile.TemporaryDirectory(prefix="bench-build-") as tmp:
        work = Path(tmp)
        source = args.project.resolve() if args.project else _fetch(work)
        epoch = subprocess.run(
            ["git", "-C", str(source), "log", "-1", "--format=%ct"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        env = {**os.environ, "SOURCE_DATE_EPOCH": epoch}
        # Each command gets `-o OUT CHECKOUT` appended.
        tools = {
            "python -m build": [sys.executable, "-m", "build"],
            "chainproof build (uv)": [chainproof, "build", "--installer", "uv", "--json"],
            "chainproof build (pip)": [chainproof, "build", "--installer", "pip", "--json"],
        }
        times: dict[str, list[float]] = {name: [] for name in tools}
        for run in range(args.runs):
            for index, (name, command) in enumerate(tools.items()):
                clone = work / f"clone-{run}-{index}"
                subprocess.run(["git", "clone", "-q", str(source), str(clone)], check=True)
                times[name].append(_timed([*command, "-o", str(clone / "out"), str(clone)], env))
    base = statistics.median(times["python -m build"])
    print(f"project: {args.project or '-'.join(PROJECT)}; median of {args.runs} runs each")
    for name, values in times.items():
        median = statistics.median(values)
        print(f"{name:24} {median:6.2f} s   ratio to python -m build {median / base:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
