"""Start-up time of `chainproof --help` and `chainproof sbom --help`, against the floor (the
interpreter importing typer) and the CLI users know (`sigstore --help`), in one run.

Each of the four commands runs as a process of this environment's executables (the
interpreter running this script, and the `chainproof` and `sigstore` scripts beside it), with
this checkout's src/ first on PYTHONPATH so the checkout is what is measured. Bytecode is
cached (in a temporary PYTHONPYCACHEPREFIX, whatever PYTHONDONTWRITEBYTECODE says), as for an
installed package: otherwise every run would compile chainproof's modules and only those.
After one warm-up run each, the commands alternate (the order rotates every round) for --runs
rounds. Targets, as ratios of the medians:

    chainproof --help       <= 1.5  x  python -c "import typer"
    chainproof --help       <= 0.25 x  sigstore --help
    chainproof sbom --help  <= 1.3  x  chainproof --help

Exit code 0 when every target is met, 1 when one is missed, 2 when a command is missing.

    .venv/bin/python bench/bench_help.py [--runs 21]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SRC = Path(__file__).resolve().parent.parent / "src"

TYPER = 'python -c "import typer"'
HELP = "chainproof --help"
SBOM = "chainproof sbom --help"
SIGSTORE = "sigstore --help"

# (measured, baseline, maximum ratio of their medians)
TARGETS = [(HELP, TYPER, 1.5), (HELP, SIGSTORE, 0.25), (SBOM, HELP, 1.3)]


def _find(name: str) -> str | None:
    beside = Path(sys.executable).parent / name
    return str(beside) if beside.exists() else shutil.which(name)


def _wall(cmd: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, check=True)
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=21)
    args = parser.parse_args()
    chainproof, sigstore = _find("chainproof"), _find("sigstore")
    if chainproof is None or sigstore is None:
        missing = "chainproof" if chainproof is None else "sigstore"
        print(f"{missing} is not installed in this environment", file=sys.stderr)
        return 2
    commands = {
        TYPER: [sys.executable, "-c", "import typer"],
        HELP: [chainproof, "--help"],
        SBOM: [chainproof, "sbom", "--help"],
        SIGSTORE: [sigstore, "--help"],
    }
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(SRC), env.get("PYTHONPATH")]))
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    names = list(commands)
    times: dict[str, list[float]] = {name: [] for name in names}
    with tempfile.TemporaryDirectory(prefix="bench-help-pycache-") as cache:
        env["PYTHONPYCACHEPREFIX"] = cache
        for name in names:  # warm the file cache and write the bytecode
            _wall(commands[name], env)
        for round_ in range(args.runs):
            for name in names[round_ % len(names) :] + names[: round_ % len(names)]:
                times[name].append(_wall(commands[name], env))

    median = {name: statistics.median(values) for name, values in times.items()}
    print(f"{args.runs} alternating runs each, wall time of the process (load {_load()})")
    print(f"  {'command':<26} {'min':>8} {'median':>8}")
    for name in names:
        print(f"  {name:<26} {min(times[name]):>7.3f}s {median[name]:>7.3f}s")
    print("targets (ratio of medians; of minimums in brackets):")
    failed = False
    for measured, baseline, limit in TARGETS:
        ratio = median[measured] / median[baseline]
        ratio_of_min = min(times[measured]) / min(times[baseline])
        verdict = "PASS" if ratio <= limit else "FAIL"
        failed |= verdict == "FAIL"
        print(
            f"  {measured} / {baseline}: {ratio:.2f} ({ratio_of_min:.2f}) <= {limit:.2f} {verdict}"
        )
    return 1 if failed else 0


def _load() -> str:
    try:
        return "average " + " / ".join(f"{x:.1f}" for x in os.getloadavg())
    except OSError:
        return "unknown"


if __name__ == "__main__":
    raise SystemExit(main())
