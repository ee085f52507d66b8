"""SPDX against CycloneDX rendering of one inventory: the installed environment of bench_sbom.py
(jupyterlab, ~93 distributions), read once, then rendered by each writer in this process.

Each writer renders --runs times, alternating (after one warm-up each, so the libraries are
imported and their caches, e.g. spdx-tools' licence list, are loaded); each render builds,
validates and serialises the document, as `chainproof sbom` does. Prints the minimum and
median of each and checks, PASS or FAIL (exit 1), that the median of each SPDX version is at
most 1.2x CycloneDX 1.6 JSON's. The import of each writer's libraries is timed apart, in a
fresh interpreter.

    .venv/bin/python bench/bench_spdx.py [--work /tmp/chainproof-bench-sbom] [--runs 21]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # bench_sbom
sys.path.insert(0, str(ROOT / "bench"))

from bench_sbom import setup  # noqa: E402

from chainproof.formats.cyclonedx.writer import render as cyclonedx  # noqa: E402
from chainproof.formats.sbom_plan import RenderOptions  # noqa: E402
from chainproof.formats.spdx.writer import render as spdx  # noqa: E402
from chainproof.progress import NullReporter  # noqa: E402
from chainproof.sbom.env_source import EnvironmentSource  # noqa: E402
from chainproof.sbom.target import TargetPlatform  # noqa: E402

TARGET = 1.2
IMPORTS = {
    "CycloneDX": "import cyclonedx.output, cyclonedx.model.bom, jsonschema",
    "SPDX 2.3": "import spdx_tools.spdx.writer.write_utils, "
    "spdx_tools.spdx.validation.document_validator",
    "SPDX 3.0.1": "from spdx_python_model import v3_0_1",
}


def import_time(statement: str, runs: int = 5) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", statement], check=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", type=Path, default=Path("/tmp/chainproof-bench-sbom"))
    parser.add_argument("--runs", type=int, default=21)
    args = parser.parse_args()
    setup(args.work)
    python = str(args.work / "env" / "bin" / "python")
    result = EnvironmentSource(python, verify=False).read(TargetPlatform.current(), NullReporter())
    print(f"environment: {python}; {len(result.inventory.components)} distributions")
    writers: dict[str, Callable[[], str]] = {
        "CycloneDX": lambda: cyclonedx(result, RenderOptions("1.6", "json", False, 0)).text,
        "SPDX 2.3": lambda: spdx(result, RenderOptions("2.3", "spdx-json", False, 0)).text,
        "SPDX 3.0.1": lambda: spdx(result, RenderOptions("3.0.1", "spdx-json", False, 0)).text,
    }
    times: dict[str, list[float]] = {name: [] for name in writers}
    sizes = {name: len(write()) for name, write in writers.items()}  # the warm-up
    for _ in range(args.runs):
        for name, write in writers.items():
            start = time.perf_counter()
            write()
            times[name].append(time.perf_counter() - start)
    base = statistics.median(times["CycloneDX"])
    failed = False
    for name, samples in times.items():
        median = statistics.median(samples)
        ratio = median / base
        verdict = "" if name == "CycloneDX" else ("  PASS" if ratio <= TARGET else "  FAIL")
        failed |= verdict == "  FAIL"
        print(
            f"  {name:<10} median {median:6.3f} s (min {min(samples):6.3f})  "
            f"{ratio:4.2f}x CycloneDX{verdict}  {sizes[name]:,} bytes  "
            f"import {import_time(IMPORTS[name]):5.3f} s"
        )
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
