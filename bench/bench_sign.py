"""Keyless signing: `chainproof sign` against the upstream `sigstore sign` CLI.

Both sign the same release against the test suite's local Sigstore instance
(tests/sigstore_local), alternating tools, each run on a fresh copy: the demo release's sdist
and SBOM plus --wheels wheels, the first of --size-mb random bytes. --latency delays every
Fulcio and Rekor answer, as a remote service would. `sigstore sign` writes one bundle per
file; chainproof also writes the provenance, the SBOM attestation and a PEP 740 attestation per
dist (2 x dists + 3 signatures, one certificate). Prints the median wall time and peak RSS of
each, and the ratios.

    .venv/bin/python bench/bench_sign.py [--size-mb 256] [--wheels 1] [--latency 0] [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.signing.demo import build_demo_release  # noqa: E402
from tests.sigstore_local import LocalSigstore  # noqa: E402

from chainproof.fileio import canonical_json, sha256_file  # noqa: E402
from chainproof.formats import build_record  # noqa: E402
from chainproof.models import Artifact  # noqa: E402

BIN = Path(sys.executable).parent
WORK = ROOT / "bench" / ".work" / "sign"


def _release(size_mb: int, wheels: int) -> Path:
    """The demo release: its wheel replaced by ``size_mb`` MiB of random bytes, plus
    ``wheels - 1`` more wheels (build tags 1, 2, ...), all in the build record."""
    shutil.rmtree(WORK, ignore_errors=True)
    template = build_demo_release(WORK / "template")
    wheel = next(template.glob("*.whl"))
    small = wheel.read_bytes()
    with wheel.open("wb") as stream:
        for _ in range(size_mb):
            stream.write(os.urandom(1024 * 1024))
    for tag in range(1, wheels):
        (template / f"cp_demo-1.2.0-{tag}-py3-none-any.whl").write_bytes(small + bytes([tag]))
    record = build_record.from_json(json.loads((template / "build-record.json").read_text()))
    artifacts = [
        Artifact(
            p.name, "wheel" if p.suffix == ".whl" else "sdist", sha256_file(p), p.stat().st_size
        )
        for p in sorted(template.iterdir())
        if p.name.endswith((".whl", ".tar.gz"))
    ]
    data = build_record.to_json(record)
    data["artifacts"] = [a.to_json() for a in artifacts]
    (template / "build-record.json").write_text(canonical_json(data))
    return template


def _run(command: list[str], env: dict[str, str]) -> tuple[float, int]:
    """Wall seconds and peak RSS (MiB) of one child process."""
    with tempfile.TemporaryFile() as errors:
        start = time.perf_counter()
        child = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=errors)
        _, status, usage = os.wait4(child.pid, 0)
        elapsed = time.perf_counter() - start
        if os.waitstatus_to_exitcode(status) != 0:
            errors.seek(0)
            raise SystemExit(f"{command[0]} failed: {errors.read().decode()[-2000:]}")
    return elapsed, usage.ru_maxrss // 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=int, default=256)
    parser.add_argument("--wheels", type=int, default=1)
    parser.add_argument("--latency", type=float, default=0.0)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    ambient = ("GITLAB_CI", "GITHUB_ACTIONS", "SIGSTORE_ID_TOKEN", "CHAINPROOF_IDENTITY_TOKEN")
    env = {k: v for k, v in os.environ.items() if k not in ambient}
    template = _release(args.size_mb, args.wheels)
    dists = sum(1 for p in template.iterdir() if p.name.endswith((".whl", ".tar.gz")))
    results: dict[str, list[tuple[float, int]]] = {"chainproof": [], "sigstore": []}
    with LocalSigstore(latency=args.latency) as instance:
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
    print(
        f"release: {dists} dists (largest {args.size_mb} MiB) + SBOM; latency "
        f"{args.latency:.2f} s per request; {args.runs} runs each"
    )
    medians = {}
    for tool, samples in results.items():
        seconds = statistics.median(s for s, _ in samples)
        rss = max(r for _, r in samples)
        medians[tool] = (seconds, rss)
        print(f"{tool:>10}: {seconds:.2f} s median, peak RSS {rss} MiB")
    (c_time, c_rss), (s_time, s_rss) = medians["chainproof"], medians["sigstore"]
    print(
        f"ratio chainproof/sigstore: time {c_time / s_time:.2f}, peak RSS {c_rss / s_rss:.2f} "
        f"(chainproof makes {2 * dists + 3} signatures, sigstore {dists + 1})"
    )


if __name__ == "__main__":
    main()
