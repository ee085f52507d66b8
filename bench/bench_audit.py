"""Audit an SBOM of 1,000 components against the full PyPA snapshot (target: < 0.5 s after
start-up), compared with a per-run scan of the OSV files (what an offline tool without an index
does) and, when it is installed, pip-audit on the same pins.

    .venv/bin/python bench/bench_audit.py [--components 1000] [--runs 7] [--pip-audit PATH]
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SNAPSHOT = ROOT / "tests" / "assets" / "audit" / "pypa-advisory-database-2024-10-10.tar.gz"


def make_sbom(db_path: Path, count: int, seed: int = 0) -> dict[str, Any]:
    """Every package of the snapshot at a version an advisory names, plus made-up ones."""
    import sqlite3

    rng = random.Random(seed)
    conn = sqlite3.connect(db_path)
    rows = conn.execute("SELECT package, spec FROM affected ORDER BY package, advisory_id")
    versions: dict[str, list[str]] = {}
    for package, spec in rows:
        named = json.loads(spec)["v"].split() or [
            e[1] for r in json.loads(spec)["r"] for e in r if e[1] != "0"
        ]
        versions.setdefault(package, []).extend(named or ["1.0"])
    conn.close()
    from packaging.version import InvalidVersion, Version

    def valid(text: str) -> bool:
        try:
            Version(text)
        except InvalidVersion:
            return False
        return True

    # PEP 440 versions only, so that pip-audit can read the same pins
    pins = [
        (name, rng.choice(sorted({x for x in v if valid(x)} or {"1.0"})))
        for name, v in sorted(versions.items())
    ][:count]
    pins += [
        (f"bench-package-{i}", f"{rng.randint(0, 9)}.{rng.randint(0, 30)}")
        for i in range(count - len(pins))
    ]
    refs = [f"pkg:pypi/{n}@{v}" for n, v in pins]
    components = [
        {"type": "library", "bom-ref": ref, "name": n, "version": v, "purl": ref}
        for (n, v), ref in zip(pins, refs, strict=True)
    ]
    deps = [
        {"ref": ref, "dependsOn": sorted(rng.sample(refs[i + 1 :], min(3, len(refs) - i - 1)))}
        for i, ref in enumerate(refs)
    ]
    root = "pkg:pypi/bench-app@1.0"
    deps.append({"ref": root, "dependsOn": refs[:20]})
    return {
        "bomFormat": "CycloneDX",
        "specVersion": "1.6",
        "version": 1,
        "metadata": {
            "component": {
                "type": "application",
                "bom-ref": root,
                "name": "bench-app",
                "version": "1.0",
            }
        },
        "components": components,
        "dependencies": deps,
    }


def naive_scan(osv_dir: Path, pins: list[tuple[str, str]]) -> int:
    """Baseline: read every OSV file, then test each pin against every advisory."""
    import yaml
    from packaging.version import InvalidVersion, Version

    docs = [
        yaml.load(p.read_bytes(), Loader=yaml.CSafeLoader) for p in sorted(osv_dir.rglob("*.yaml"))
    ]
    wanted = {n.lower(): v for n, v in pins}
    found = 0
    for doc in docs:
        for affected in doc.get("affected", []):
            version = wanted.get(affected["package"]["name"].lower().replace("_", "-"))
            if version is None:
                continue
            if version in [str(v) for v in affected.get("versions", [])]:
                found += 1
                continue
            for r in affected.get("ranges", []):
                if r.get("type") != "ECOSYSTEM":
                    continue
                try:
                    v = Version(version)
                    hit = False
                    for event in r["events"]:
                        ((kind, bound),) = event.items()
                        if kind == "introduced" and (bound == "0" or v >= Version(str(bound))):
                            hit = True
                        elif kind == "fixed" and v >= Version(str(bound)):
                            hit = False
                    found += hit
                except InvalidVersion:
                    continue
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--components", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--pip-audit", help="a pip-audit executable to run on the same pins")
    args = parser.parse_args()

    from chainproof.audit.db import AdvisoryDB, build_database
    from chainproof.audit.engine import run_audit
    from chainproof.audit.formats import get_format
    from chainproof.audit.inputs import read_sbom
    from chainproof.audit.run import AuditRun
    from chainproof.formats.audit_policy import AuditPolicy
    from chainproof.formats.osv import iter_source

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        db_path = work / "adv.sqlite3"
        start = time.perf_counter()
        status = build_database(iter_source(SNAPSHOT), db_path, "bench")
        import_time = time.perf_counter() - start
        sbom = make_sbom(db_path, args.components)
        sbom_path = work / "sbom.cdx.json"
        sbom_path.write_text(json.dumps(sbom))
        pins = [(c["name"], c["version"]) for c in sbom["components"]]

        # in process, after start-up: read the SBOM, match, render JSON
        get_format("json")  # import cost is start-up
        timings, cpu, findings = [], [], 0
        for _ in range(args.runs):
            start, start_cpu = time.perf_counter(), time.process_time()
            with AdvisoryDB(db_path) as db:
                target = read_sbom(sbom_path)
                report = run_audit(target, db, AuditPolicy())
                get_format("json").render(AuditRun(report, target))
            timings.append(time.perf_counter() - start)
            cpu.append(time.process_time() - start_cpu)
            findings = len(report.findings)
        in_process = statistics.median(timings)

        # whole CLI, including interpreter start-up and imports
        cli = [
            str(Path(sys.executable).with_name("chainproof")),
            "audit",
            "--sbom",
            str(sbom_path),
            "--db",
            str(db_path),
            "--ignore-stale",
            "--format",
            "json",
            "-o",
            str(work / "report.json"),
        ]
        wall = []
        for _ in range(args.runs):
            start = time.perf_counter()
            subprocess.run(cli, capture_output=True, check=False)
            wall.append(time.perf_counter() - start)
        cli_time = statistics.median(wall)

        # baseline: scan the OSV files on every run
        osv_dir = work / "osv"
        import tarfile

        with tarfile.open(SNAPSHOT) as tar:
            tar.extractall(osv_dir, filter="data")
        base = []
        for _ in range(max(1, args.runs // 2)):
            start = time.perf_counter()
            naive_scan(osv_dir, pins)
            base.append(time.perf_counter() - start)
        naive = statistics.median(base)

        print(
            f"snapshot: {status.advisories} advisories, {status.packages} packages; "
            f"import {import_time:.2f} s"
        )
        print(f"SBOM: {len(pins)} components, {findings} findings")
        print(
            f"chainproof in-process (after start-up): {in_process * 1000:.0f} ms wall, "
            f"{statistics.median(cpu) * 1000:.0f} ms CPU (target < 500 ms)"
        )
        print(f"chainproof audit CLI (with start-up):   {cli_time * 1000:.0f} ms")
        print(
            f"naive scan of the OSV files per run:    {naive * 1000:.0f} ms "
            f"-> chainproof is {naive / in_process:.1f}x faster in process, "
            f"{naive / cli_time:.1f}x with start-up"
        )

        pip_audit = args.pip_audit or shutil.which("pip-audit")
        if pip_audit is None:
            print("pip-audit: not installed (--pip-audit PATH); it needs its online service")
            return
        requirements = work / "requirements.txt"
        requirements.write_text("".join(f"{n}=={v}\n" for n, v in pins))
        start = time.perf_counter()
        result = subprocess.run(
            [pip_audit, "--no-deps", "--disable-pip", "-r", str(requirements)],
            capture_output=True,
            text=True,
            check=False,
            timeout=1800,
        )
        elapsed = time.perf_counter() - start
        skipped = sum("could not be audited" in line for line in result.stdout.splitlines())
        verdict = next(
            (
                line
                for line in (result.stdout + result.stderr).splitlines()
                if "vulnerabilit" in line.lower()
            ),
            "",
        )
        print(
            f"pip-audit (same pins): exit {result.returncode} after {elapsed:.1f} s; "
            f"{skipped} of {len(pins)} packages skipped; says: {verdict.strip()!r}"
        )


if __name__ == "__main__":
    main()
