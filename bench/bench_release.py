"""`chainproof release` against the same stages run one command each (build, sbom, sign,
verify), on examples/hello with a key signer, as a ratio.

Both do the same work (release also verifies, as the chain does with `chainproof verify`);
the difference is one process and one read of each file instead of four. Each run starts from
a fresh copy of the example in its own git repository; the runs alternate so a warm installer
cache favours neither.

    .venv/bin/python bench/bench_release.py [--runs 3]
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
sys.path.insert(0, str(ROOT))  # tests.build.helpers

from tests.build.helpers import git_env  # noqa: E402


def _checkout(work: Path, env: dict[str, str]) -> Path:
    project = work / "hello"
    shutil.copytree(ROOT / "examples" / "hello", project, ignore=shutil.ignore_patterns("keys"))
    for cmd in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "bench"]):
        subprocess.run(["git", "-C", str(project), *cmd], check=True, env=env)
    return project


def _timed(commands: list[list[str]], env: dict[str, str]) -> float:
    start = time.perf_counter()
    for cmd in commands:
        subprocess.run(cmd, check=True, capture_output=True, env=env)
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    chainproof = str(Path(sys.executable).parent / "chainproof")
    env = git_env()
    times: dict[str, list[float]] = {"release": [], "stages": []}
    with tempfile.TemporaryDirectory(prefix="bench-release-") as tmp:
        work = Path(tmp)
        keygen = [chainproof, "keygen", "-o", str(work / "k")]
        subprocess.run(keygen, check=True, capture_output=True, env=env)
        key, pub = str(work / "k.key"), str(work / "k.pub")
        for run in range(args.runs):
            for kind in ("release", "stages") if run % 2 == 0 else ("stages", "release"):
                run_dir = work / f"{kind}-{run}"
                run_dir.mkdir()
                project = _checkout(run_dir, env)
                out = str(run_dir / "out")
                if kind == "release":
                    commands = [
                        [chainproof, "release", str(project), "-o", out, "--signer", "key",
                         "--key", key, "--policy", str(_policy(run_dir, pub))],
                    ]  # fmt: skip
                else:
                    commands = [
                        [chainproof, "build", str(project), "-o", out],
                        [chainproof, "sbom", "--dist", out],
                        [chainproof, "sign", out, "--signer", "key", "--key", key],
                        [chainproof, "verify", out, "--key", pub, "--require", "provenance,sbom"],
                    ]  # fmt: skip
                times[kind].append(_timed(commands, env))
    release, stages = (statistics.median(times[k]) for k in ("release", "stages"))
    print(f"runs: {args.runs} each, medians")
    print(f"chainproof release:                 {release:6.2f} s")
    print(f"build + sbom + sign + verify (4x):  {stages:6.2f} s")
    print(f"ratio release / stages:             {release / stages:6.2f}")
    return 0


def _policy(directory: Path, pub: str) -> Path:
    path = directory / "deploy.toml"
    path.write_text(f'[verify]\nkey = "{pub}"\nrequire = ["provenance", "sbom"]\n', "utf-8")
    return path


if __name__ == "__main__":
    sys.exit(main())
