"""chainproof sbom against cyclonedx-py on the same inputs, in the same run.

Inputs (built once under --work, not committed; needs the package registry the first time):
- an environment with jupyterlab installed (~100 distributions);
- a project depending on jupyterlab, locked by uv: uv.lock, `uv export --format pylock.toml`,
  and the same pins as a hash-pinned requirements file (cyclonedx-py reads no pylock.toml, so
  it gets the requirements file with the same pins);
- pylock-deps.toml: that pylock with each package's `dependencies` filled from uv.lock's edges
  (PEP 751 allows them; uv does not write them), so the graph comes from the lock, offline.

Each command runs --runs times, alternating tools; the median wall time (process start to exit,
both tools validating their output by default) and the ratio are printed, with what each SBOM
holds: components, components with a hash, dependency edges.

    .venv/bin/python bench/bench_sbom.py [--work /tmp/chainproof-bench-sbom] [--runs 5]
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import subprocess
import sys
import time
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # tests.sbom.helpers

from tests.sbom.helpers import UV, lock_and_export  # noqa: E402

BIN = Path(sys.executable).parent


def setup(work: Path) -> None:
    env = work / "env"
    if not (env / "bin" / "python").exists():
        subprocess.run([UV, "venv", "-q", "--python", sys.executable, str(env)], check=True)
        subprocess.run(
            [UV, "pip", "install", "-q", "--python", str(env / "bin" / "python"), "jupyterlab"],
            check=True,
        )
    project = work / "project"
    if not (project / "requirements.txt").exists():
        project.mkdir(parents=True, exist_ok=True)
        (project / "pyproject.toml").write_text(
            '[project]\nname = "bench-app"\nversion = "1.0"\nrequires-python = ">=3.11"\n'
            'dependencies = ["jupyterlab"]\n'
        )
        lock_and_export(project)
        add_dependencies(project)


def add_dependencies(project: Path) -> None:
    """Write pylock-deps.toml: pylock.toml plus `dependencies` from uv.lock's edges."""
    lock = tomllib.loads((project / "uv.lock").read_text())
    edges = {
        p["name"]: sorted(
            {d["name"] for d in p.get("dependencies", [])}
            | {d["name"] for deps in p.get("optional-dependencies", {}).values() for d in deps}
        )
        for p in lock["package"]
    }
    out = []
    for line in (project / "pylock.toml").read_text().splitlines():
        out.append(line)
        match = re.fullmatch(r'name = "(.+)"', line)
        if match and match[1] in edges:
            deps = ", ".join(f'{{ name = "{d}" }}' for d in edges[match[1]])
            out.append(f"dependencies = [{deps}]")
    (project / "pylock-deps.toml").write_text("\n".join(out) + "\n")


def content(path: Path) -> tuple[int, int, int]:
    doc = json.loads(path.read_text())
    components = doc.get("components", [])
    hashed = sum(1 for c in components if c.get("hashes"))
    edges = sum(len(d.get("dependsOn", [])) for d in doc.get("dependencies", []))
    return len(components), hashed, edges


def timed(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True)
    return time.perf_counter() - start


def compare(label: str, ours: list[str], theirs: list[str], runs: int, out: Path) -> None:
    mine, other = [], []
    for _ in range(runs):
        mine.append(timed([*ours, "-o", str(out / "chainproof.json")]))
        other.append(timed([*theirs, "-o", str(out / "cyclonedx-py.json")]))
    a, b = statistics.median(mine), statistics.median(other)
    print(f"\n{label}")
    print(f"  chainproof   {a:7.3f} s  components/hashed/edges {content(out / 'chainproof.json')}")
    print(
        f"  cyclonedx-py {b:7.3f} s  components/hashed/edges {content(out / 'cyclonedx-py.json')}"
    )
    print(f"  ratio cyclonedx-py / chainproof: {b / a:.1f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", type=Path, default=Path("/tmp/chainproof-bench-sbom"))
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    setup(args.work)
    out = args.work / "out"
    out.mkdir(exist_ok=True)
    chainproof = [str(BIN / "chainproof"), "sbom"]
    cdx = [str(BIN / "cyclonedx-py")]
    python = str(args.work / "env" / "bin" / "python")
    project = args.work / "project"
    pins = sum(
        1 for line in (project / "requirements.txt").read_text().splitlines() if "==" in line
    )
    print(f"environment: {python}; pins: {pins}")
    compare(
        "--env (installed environment)",
        [*chainproof, "--env", python],
        [*cdx, "environment", python],
        args.runs,
        out,
    )
    compare(
        "--pylock pylock-deps.toml (graph from the lock) vs requirements.txt, same pins",
        [*chainproof, "--pylock", str(project / "pylock-deps.toml")],
        [*cdx, "requirements", str(project / "requirements.txt")],
        args.runs,
        out,
    )
    compare(
        "--uv-lock uv.lock vs requirements.txt, same pins",
        [*chainproof, "--uv-lock", str(project / "uv.lock")],
        [*cdx, "requirements", str(project / "requirements.txt")],
        args.runs,
        out,
    )
    compare(
        "--pylock pylock.toml from uv export (no edges: metadata from the registry)",
        [*chainproof, "--pylock", str(project / "pylock.toml")],
        [*cdx, "requirements", str(project / "requirements.txt")],
        max(1, args.runs // 2),
        out,
    )


if __name__ == "__main__":
    main()
