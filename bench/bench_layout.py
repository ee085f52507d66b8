"""in-toto layouts: chainproof against in-toto's own CLI on the same pipeline.

Builds the two-functionary pipeline of tests/verify/layout_pipeline.py once (offline demo
project, tester and builder keys, signed starter layout), then times, alternating the tools:

- recording the test step: ``chainproof step test --git-materials`` against ``in-toto-run
  --use-dsse --materials <every git-tracked file>`` (same command, same key);
- verifying: ``chainproof verify DIR --layout ...`` against ``in-toto-verify`` run in a
  directory holding copies of the artifacts (both run the unpack-wheel inspection).

    .venv/bin/python bench/bench_layout.py [--runs 9]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.build.helpers import git  # noqa: E402
from tests.verify.layout_pipeline import WHEEL, make_pipeline  # noqa: E402

BIN = Path(sys.executable).parent


def timed(args: list[str], cwd: Path) -> float:
    start = time.perf_counter()
    done = subprocess.run(args, cwd=cwd, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{args[0]} failed: {done.stdout}{done.stderr}")
    return elapsed


def bench_step(base: Path, runs: int) -> tuple[float, float]:
    project = base / "project"
    files = git(project, "ls-files").split()
    code = [sys.executable, "-c", "pass"]
    ours = [str(BIN / "chainproof"), "step", "test", "--git-materials", "--key", "../tester.key"]
    ours += ["--links", str(base / "links-a"), "--", *code]
    theirs = [str(BIN / "in-toto-run"), "--use-dsse", "-n", "test", "--signing-key"]
    theirs += ["../tester.key", "-d", str(base / "links-b"), "-m", *files, "--", *code]
    (base / "links-b").mkdir(exist_ok=True)
    a, b = [], []
    for _ in range(runs):
        a.append(timed(ours, project))
        b.append(timed(theirs, project))
    return statistics.median(a), statistics.median(b)


def bench_verify(base: Path, runs: int) -> tuple[float, float]:
    ours = [str(BIN / "chainproof"), "verify", "release", "--layout", "root.layout"]
    ours += ["--layout-key", "owner.pub", "--links", "links"]
    theirs = [str(BIN / "in-toto-verify"), "--layout", "../root.layout", "--verification-keys"]
    theirs += ["../owner.pub", "--link-dir", "../links"]
    deploy = base / "deploy"
    a, b = [], []
    for _ in range(runs):
        a.append(timed(ours, base))
        shutil.rmtree(deploy, ignore_errors=True)
        deploy.mkdir()
        for name in (WHEEL, "demo-1.0.tar.gz"):
            shutil.copyfile(base / "release" / name, deploy / name)
        b.append(timed(theirs, deploy))
    return statistics.median(a), statistics.median(b)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        base = make_pipeline(Path(tmp) / "p")
        for label, (ours, theirs), other in (
            ("step test --git-materials", bench_step(base, args.runs), "in-toto-run"),
            ("verify --layout", bench_verify(base, args.runs), "in-toto-verify"),
        ):
            print(
                f"{label}: chainproof {ours:.3f} s, {other} {theirs:.3f} s, "
                f"ratio {ours / theirs:.2f} (median of {args.runs})"
            )


if __name__ == "__main__":
    main()
