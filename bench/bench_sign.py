"""Keyless signing: `chainproof sign` against the upstream `sigstore sign` CLI.

Both sign the same release (a wheel of --size-mb random bytes, the sdist and the SBOM) against
the test suite's local Sigstore instance (tests/sigstore_local), alternating tools, each run on
a fresh copy. chainproof also writes the provenance, the SBOM attestation and two PEP 740
attestations (7 signatures, one certificate); `sigstore sign` writes the 3 bundles. Prints the
median wall time and peak RSS of each, and the ratios.

    .venv/bin/python bench/bench_sign.py [--size-mb 256] [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.signing._demo import build_demo_release  # noqa: E402
from tests.sigstore_local import LocalSigstore  # noqa: E402

from chainproof.fileio import canonical_json, sha256_file  # noqa: E402
from chainproof.models import Artifact, BuildRecord  # noqa: E402

BIN = Path(sys.executable).parent
WORK = ROOT / "bench" / ".work" / "sign"


def _release(size_mb: int) -> Path:
    """The demo release with its wheel replaced by ``size_mb`` MiB of random bytes."""
    shutil.rmtree(WORK, ignore_errors=True)
    template = build_demo_release(WORK / "template")
    wheel = next(template.glob("*.whl"))
    with wheel.open("wb") as stream:
        for _ in range(size_mb):
            stream.write(os.urandom(1024 * 1024))
    record = BuildRecord.from_json(json.loads((template / "build-record.json").read_text()))
    artifacts = tuple(
        Artifact(a.name, a.kind, sha256_file(template / a.name), (template / a.name).stat().st_size)
        for a in record.artifacts
    )
    data = record.to_json()
    data["artifacts"] = [a.to_json() for a in sorted(artifacts)]
    (template / "build-record.json").write_text(canonical_json(data))
    return template


def _run(command: list[str], env: dict[str, str]) -> tuple[float, int]:
    """Wall seconds and peak RSS (MiB) of one child process."""
    start = time.perf_counter()
    child = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(child.pid, 0)
    elapsed = time.perf_counter() - start
    child.returncode = os.waitstatus_to_exitcode(status)
    stderr = child.stderr.read().decode() if child.stderr else ""
    if child.returncode != 0:
        raise SystemExit(f"{command[0]} failed ({child.returncode}): {stderr}")
    return elapsed, usage.ru_maxrss // 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=int, default=256)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("GITLAB_CI", "GITHUB_ACTIONS", "SIGSTORE_ID_TOKEN")
    }
    template = _release(args.size_mb)
    results: dict[str, list[tuple[float, int]]] = {"chainproof": [], "sigstore": []}
    with LocalSigstore() as instance:
        config = str(instance.trust_config)
        for run in range(args.runs):
            for tool in ("chainproof", "sigstore"):
                target = WORK / f"{tool}-{run}"
                shutil.copytree(template, target)
                token = instance.gitlab_token()
                if tool == "chainproof":
                    command = [
                        str(BIN / "chainproof"),
                        "sign",
                        str(target),
                        "--json",
                        "--trust-config",
                        config,
                        "--identity-token",
                        token,
                    ]
                else:
                    files = [
                        str(p)
                        for p in sorted(target.iterdir())
                        if p.name.endswith((".whl", ".tar.gz", ".cdx.json"))
                    ]
                    command = [
                        str(BIN / "sigstore"),
                        "--trust-config",
                        config,
                        "sign",
                        "--identity-token",
                        token,
                        *files,
                    ]
                results[tool].append(_run(command, env))
                shutil.rmtree(target)
    wheel_mb = next(template.glob("*.whl")).stat().st_size / 2**20
    print(f"release: {wheel_mb:.0f} MiB wheel + sdist + SBOM, {args.runs} runs each")
    medians = {}
    for tool, samples in results.items():
        seconds = statistics.median(s for s, _ in samples)
        rss = max(r for _, r in samples)
        medians[tool] = (seconds, rss)
        print(f"{tool:>10}: {seconds:.2f} s median, peak RSS {rss} MiB")
    (c_time, c_rss), (s_time, s_rss) = medians["chainproof"], medians["sigstore"]
    print(
        f"ratio chainproof/sigstore: time {c_time / s_time:.2f}, "
        f"peak RSS {c_rss / s_rss:.2f} (chainproof makes 7 signatures, sigstore 3)"
    )


if __name__ == "__main__":
    main()
