"""Start-up time of `chainproof --help` (target: under 0.25 s wall), compared with the CLIs
users know: `sigstore --help` and `pip-audit --help`, when they are installed.

    .venv/bin/python bench/bench_help.py [--runs 15]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

TARGET = 0.25


def _find(name: str) -> str | None:
    beside = Path(sys.executable).parent / name
    return str(beside) if beside.exists() else shutil.which(name)


def _wall(cmd: list[str], runs: int) -> list[float]:
    subprocess.run(cmd, capture_output=True, check=True)  # warm the file cache
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, capture_output=True, check=True)
        times.append(time.perf_counter() - start)
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    chainproof = _find("chainproof")
    if chainproof is None:
        print("chainproof is not installed in this environment", file=sys.stderr)
        return 2
    ours = statistics.median(_wall([chainproof, "--help"], args.runs))
    print(
        f"chainproof --help   median {ours:.3f} s over {args.runs} runs "
        f"(target < {TARGET} s: {'met' if ours < TARGET else 'MISSED'})"
    )
    for other in ("sigstore", "pip-audit"):
        path = _find(other)
        if path is None:
            print(f"{other} --help   not installed, skipped")
            continue
        theirs = statistics.median(_wall([path, "--help"], args.runs))
        print(
            f"{other} --help   median {theirs:.3f} s; chainproof takes {ours / theirs:.2f}x "
            f"its time ({theirs / ours:.1f}x faster)"
        )
    return 0 if ours < TARGET else 1


if __name__ == "__main__":
    raise SystemExit(main())
