"""SBOMs from locks at the speed of the index (issue 21): `chainproof sbom` against
`cyclonedx-py requirements` on the same pins, whole commands, cold and warm index cache, in one
run; and the peak memory of each chainproof run.

Inputs (built once under --work, not committed; needs the package registry):
- req28/requirements.txt: a project depending on black, flask, requests, rich, pydantic and
  httpx, compiled by `uv pip compile --generate-hashes` (28 pins);
- the 95-pin jupyterlab project of bench_sbom.py (`--work` shared with it): pylock.toml as
  `uv export` writes it (no edges) and pylock-deps.toml (edges from uv.lock).

Cold: each chainproof run gets a new, empty CHAINPROOF_INDEX_CACHE; warm: one filled by a
first run. pip's and uv's settings on this machine stay out (PIP_CONFIG_FILE=/dev/null).

    .venv/bin/python bench/bench_sbom_index.py [--work /tmp/chainproof-bench-sbom] [--runs 3]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_sbom import setup as setup_jupyterlab  # noqa: E402
from tests.sbom.helpers import UV  # noqa: E402

BIN = Path(sys.executable).parent
_PYCACHE = Path(tempfile.gettempdir()) / "chainproof-bench-pycache"
REQ28 = ("black==24.4.2", "flask==3.0.3", "requests==2.32.3", "rich==13.7.1")
REQ28 += ("pydantic==2.7.4", "httpx==0.27.0")


def environment(cache: Path | None) -> dict[str, str]:
    drop = ("PIP_FIND_LINKS", "PIP_EXTRA_INDEX_URL", "PIP_INDEX_URL", "PIP_NO_INDEX")
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env.update(PIP_CONFIG_FILE=os.devnull, SOURCE_DATE_EPOCH="1700000000")
    env.pop("CHAINPROOF_OFFLINE", None)
    # Bytecode is cached, as an installed wheel has it: this machine sets
    # PYTHONDONTWRITEBYTECODE, so the checkout's modules would be compiled anew every run
    # while cyclonedx-py's installed bytecode is read.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(_PYCACHE)
    if cache is not None:
        env["CHAINPROOF_INDEX_CACHE"] = str(cache)
    return env


def setup_req28(work: Path) -> Path:
    directory = work / "req28"
    path = directory / "requirements.txt"
    if not path.exists():
        directory.mkdir(parents=True, exist_ok=True)
        (directory / "requirements.in").write_text("\n".join(REQ28) + "\n")
        subprocess.run(
            [UV, "pip", "compile", "-q", "--generate-hashes", "--python-version", "3.11",
             "requirements.in", "-o", "requirements.txt"],
            cwd=directory, check=True, env=environment(None),
        )  # fmt: skip
    return path


def run(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """(wall seconds, peak RSS MiB) of one process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True, env=env)
    wall = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return wall, max(peak, before) / 1024  # kB on Linux; the max over children so far


def peak_of(command: list[str], env: dict[str, str]) -> float:
    """The peak RSS of one process alone (GNU time's maximum resident set size)."""
    done = subprocess.run(
        ["/usr/bin/time", "-f", "%M", *command], capture_output=True, text=True, env=env
    )
    return int(done.stderr.strip().splitlines()[-1]) / 1024


def compare(label: str, ours: list[str], theirs: list[str] | None, runs: int, out: Path) -> None:
    cold, warm, other = [], [], []
    with tempfile.TemporaryDirectory(prefix="chainproof-cache-") as tmp:
        warm_cache = Path(tmp) / "warm"
        subprocess.run([*ours, "-o", str(out / "w.json")], check=True, capture_output=True,
                       env=environment(warm_cache))  # fmt: skip
        for n in range(runs):
            cold_env = environment(Path(tmp) / f"cold-{n}")
            cold.append(run([*ours, "-o", str(out / "c.json")], cold_env)[0])
            warm.append(run([*ours, "-o", str(out / "w.json")], environment(warm_cache))[0])
            if theirs is not None:
                other.append(run([*theirs, "-o", str(out / "x.json")], environment(None))[0])
        peak = max(
            peak_of([*ours, "-o", str(out / "p.json")], environment(Path(tmp) / "peak")),
            peak_of([*ours, "-o", str(out / "p.json")], environment(warm_cache)),
        )
    a, b = statistics.median(cold), statistics.median(warm)
    print(f"\n{label}")
    print(f"  chainproof cold {a:6.3f} s (min {min(cold):.3f}), warm {b:6.3f} s "
          f"(min {min(warm):.3f}); peak {peak:.0f} MiB")  # fmt: skip
    if other:
        c = statistics.median(other)
        print(f"  cyclonedx-py    {c:6.3f} s (min {min(other):.3f}); "
              f"ratios cold {a / c:.2f}x, warm {b / c:.2f}x")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", type=Path, default=Path("/tmp/chainproof-bench-sbom"))
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    setup_jupyterlab(args.work)
    req28 = setup_req28(args.work)
    out = args.work / "out"
    out.mkdir(exist_ok=True)
    sbom = [str(BIN / "chainproof"), "sbom"]
    cdx = [str(BIN / "cyclonedx-py"), "requirements"]
    project = args.work / "project"
    pins = sum(1 for line in req28.read_text().splitlines() if "==" in line)
    compare(f"requirements, {pins} hashed pins", [*sbom, "--requirements", str(req28)],
            [*cdx, str(req28)], args.runs, out)  # fmt: skip
    compare("pylock.toml without edges (uv export), 95 pins",
            [*sbom, "--pylock", str(project / "pylock.toml")],
            [*cdx, str(project / "requirements.txt")], args.runs, out)  # fmt: skip
    offline = [*sbom, "--offline", "--pylock", str(project / "pylock-deps.toml")]
    compare("pylock-deps.toml (edges in the lock), --offline", offline, None, args.runs, out)


if __name__ == "__main__":
    main()
