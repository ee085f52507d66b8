"""`chainproof verify DIR` on a release of N artifacts, offline, against running the upstream
`sigstore verify identity` once per artifact (what a deploy job scripts today), as a ratio.

Setup (not timed): the local Sigstore instance of the test suite (tests/sigstore_local) signs
N files of 64 KiB with sigstore-python (one identity, one bundle per file, beside it as
``<file>.sigstore.json``). Both tools then verify with the same trust config and the same
identity policy, with no network. The runs alternate tools; the median of ``--runs`` is kept.
Also printed: one `sigstore verify identity` invocation over all N files (it accepts several),
and chainproof's in-process verification alone (no interpreter start).

chainproof's bytecode is compiled first (not timed), as an installed wheel has it: in a
source checkout run with PYTHONDONTWRITEBYTECODE=1 (this project's containers) every run
would otherwise compile chainproof's modules again (about 80 ms here), while sigstore-python's
installed bytecode is there. ``--no-compile`` leaves it out.

    .venv/bin/python bench/bench_verify.py [--artifacts 50] [--runs 3]
"""

from __future__ import annotations

import argparse
import compileall
import logging
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # tests.sigstore_local

from tests.sigstore_local import LocalSigstore

PROJECT, REF = "group/project", "refs/heads/main"
SAN = f"https://gitlab.com/{PROJECT}//.gitlab-ci.yml@{REF}"
ISSUER = "https://gitlab.com"


def _sign_release(sigstore: LocalSigstore, directory: Path, count: int) -> list[Path]:
    from sigstore.models import ClientTrustConfig
    from sigstore.oidc import IdentityToken
    from sigstore.sign import SigningContext

    config = ClientTrustConfig.from_json(sigstore.trust_config.read_text())
    context = SigningContext.from_trust_config(config)
    files = []
    with context.signer(IdentityToken(sigstore.gitlab_token(project=PROJECT, ref=REF))) as s:
        for index in range(count):
            path = directory / f"pkg{index:03d}-1.0.0-py3-none-any.whl"
            path.write_bytes(os.urandom(64 * 1024))
            bundle = s.sign_artifact(path.read_bytes())
            path.with_name(path.name + ".sigstore.json").write_text(bundle.to_json())
            files.append(path)
    return files


def _timed(cmd: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True)
    return time.perf_counter() - start


def _in_process(directory: Path, trust_config: Path) -> float:
    from chainproof.formats.deploy_policy import load_policy
    from chainproof.verify.run import verify_release

    logging.getLogger("sigstore").setLevel(logging.ERROR)
    start = time.perf_counter()
    policy = load_policy(
        {"gitlab": PROJECT, "ref": REF, "trust-config": trust_config}, search_dir=directory
    )
    report = verify_release([str(directory)], None, policy).report
    elapsed = time.perf_counter() - start
    assert report.passed, report.all_failures
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--artifacts", type=int, default=50)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--no-compile", action="store_true", help="leave bytecode as it is")
    args = parser.parse_args()
    if not args.no_compile:
        import chainproof

        compileall.compile_dir(Path(chainproof.__file__).parent, quiet=1)
    bindir = Path(sys.executable).parent
    chainproof, sigstore_cli = str(bindir / "chainproof"), str(bindir / "sigstore")
    with tempfile.TemporaryDirectory(prefix="bench-verify-") as tmp, LocalSigstore() as sigstore:
        directory = Path(tmp) / "release"
        directory.mkdir()
        files = _sign_release(sigstore, directory, args.artifacts)
        trust = str(sigstore.trust_config)
        ours = [
            chainproof,
            "verify",
            str(directory),
            "--trust-config",
            trust,
            "--gitlab",
            PROJECT,
            "--ref",
            REF,
        ]
        theirs = [
            sigstore_cli,
            "--trust-config",
            trust,
            "verify",
            "identity",
            "--offline",
            "--cert-identity",
            SAN,
            "--cert-oidc-issuer",
            ISSUER,
        ]
        times: dict[str, list[float]] = {
            "chainproof": [],
            "per-artifact": [],
            "batched": [],
            "in-process": [],
        }
        for _ in range(args.runs):
            times["chainproof"].append(_timed(ours))
            times["per-artifact"].append(sum(_timed([*theirs, str(f)]) for f in files))
            times["batched"].append(_timed([*theirs, *map(str, files)]))
            times["in-process"].append(_in_process(directory, sigstore.trust_config))
    median = {name: statistics.median(values) for name, values in times.items()}
    n = args.artifacts
    print(f"{n} artifacts, median of {args.runs} runs")
    print(f"  chainproof verify DIR (one process):       {median['chainproof']:7.2f} s")
    print(f"  sigstore verify identity, once per file:   {median['per-artifact']:7.2f} s")
    print(f"  sigstore verify identity, all files once:  {median['batched']:7.2f} s")
    print(f"  chainproof in-process (no startup):        {median['in-process']:7.2f} s")
    per_file = median["per-artifact"] / median["chainproof"]
    print(f"ratio per-file sigstore / chainproof: {per_file:.1f}x")
    print(f"ratio batched sigstore / chainproof:  {median['batched'] / median['chainproof']:.2f}x")
    print(f"chainproof / one batched sigstore call: {median['chainproof'] / median['batched']:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
