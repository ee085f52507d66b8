"""``chainproof scan`` and ``audit --checks content``: throughput, the cached content check,
memory on a 1 GB wheel, and detect-secrets and GuardDog on the same files, in one run.

Targets: the release scan reads >= 50 MB/s of uncompressed member data (over the wheels and
sdists of the 20 most-downloaded projects, tests/scan/real_artifacts.py); the content check
of a 100-package lock takes <= 0.3 s with its cache warm (median of ``--runs``). Beside them,
with no target: the content check uncached, and detect-secrets (library, on the extracted
files; ``--detect-secrets PYTHON``) and GuardDog (``--guarddog EXE``, ``pypi scan FILE``) on
the same files; peak memory of the release scan of a ~1 GB wheel (``--big-mb``).

    .venv/bin/python bench/bench_scan.py [--real DIR] [--runs 7] [--big-mb 1024]

The real artifacts are downloaded once into ``--real`` (default: a directory under /tmp).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.indexes import IndexServer, write_wheel  # noqa: E402
from tests.scan.real_artifacts import CONTENT_WHEELS, MOST_DOWNLOADED, download  # noqa: E402

from chainproof.audit.checks.content import ContentCheck  # noqa: E402
from chainproof.audit.content_rules import scan_distribution  # noqa: E402
from chainproof.audit.run import AuditRequest, audit  # noqa: E402
from chainproof.formats.scan_policy import ScanPolicy  # noqa: E402
from chainproof.scan.run import ScanRequest, scan_artifacts  # noqa: E402

_DS_SCRIPT = """
import os, sys, time
from detect_secrets import SecretsCollection
from detect_secrets.settings import default_settings
files = [os.path.join(d, f) for d, _, fs in os.walk(sys.argv[1]) for f in fs]
found = SecretsCollection()
start = time.perf_counter()
with default_settings():
    for path in files:
        found.scan_file(path)
print(time.perf_counter() - start, sum(len(v) for _, v in found.data.items()))
"""


def real_artifacts(directory: Path) -> list[Path]:
    files: list[Path] = []
    for name, version in MOST_DOWNLOADED:
        into = directory / name
        have = sorted(into.iterdir()) if into.is_dir() else []
        files += have if len(have) >= 2 else download(name, version, into)
    return files


def release_scan(files: list[Path], runs: int) -> tuple[float, int, int]:
    """Median seconds, uncompressed bytes and findings of the release scan over ``files``."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        report = scan_artifacts(ScanRequest(tuple(files)), policy=ScanPolicy(stray=False))
        times.append(time.perf_counter() - start)
    return statistics.median(times), report.bytes_read, len(report.findings)


def extract(files: list[Path], into: Path) -> None:
    for path in files:
        target = into / path.name
        if path.suffix == ".whl":
            with zipfile.ZipFile(path) as archive:
                archive.extractall(target)
        else:
            with tarfile.open(path) as archive:
                archive.extractall(target, filter="data")


def detect_secrets(python: str, files: list[Path]) -> tuple[float, int] | None:
    if not Path(python).exists():
        return None
    with tempfile.TemporaryDirectory() as scratch:
        extract(files, Path(scratch))
        done = subprocess.run(
            [python, "-c", _DS_SCRIPT, scratch], capture_output=True, text=True, check=True
        )
    seconds, found = done.stdout.split()
    return float(seconds), int(found)


def guarddog(exe: str, files: list[Path]) -> tuple[float, int] | None:
    if not Path(exe).exists():
        return None
    total, issues = 0.0, 0
    for path in files:
        start = time.perf_counter()
        done = subprocess.run(
            [exe, "pypi", "scan", str(path), "--output-format", "json", "--no-sandbox"],
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        total += time.perf_counter() - start
        issues += json.loads(done.stdout).get("issues", 0) if done.stdout.strip() else 0
    return total, issues


def content_lock(work: Path, count: int) -> tuple[IndexServer, Path]:
    """``count`` wheels on a local index and a pylock.toml that locks each by URL and sha256."""
    wheels = [write_wheel(work / "files", f"bench-lib{n:03d}", "1.0.0") for n in range(count)]
    index = IndexServer(wheels).start()
    lines = ['lock-version = "1.0"\ncreated-by = "bench"\n']
    for n, wheel in enumerate(wheels):
        sha = hashlib.sha256(wheel.read_bytes()).hexdigest()
        lines.append(
            f'[[packages]]\nname = "bench-lib{n:03d}"\nversion = "1.0.0"\nwheels = [{{ name = '
            f'"{wheel.name}", url = "{index.file_url(wheel.name)}", hashes = {{ sha256 = '
            f'"{sha}" }} }}]\n'
        )
    lock = work / "pylock.toml"
    lock.write_text("\n".join(lines), encoding="utf-8")
    return index, lock


def content_check(work: Path, count: int, runs: int) -> tuple[float, float, int]:
    """Seconds uncached (one run, downloads), median seconds cached, findings."""
    os.environ["CHAINPROOF_CONTENT_CACHE"] = str(work / "cache")
    index, lock = content_lock(work, count)
    try:
        request = AuditRequest("pylock", lock, checks=("content",), offline=False)
        start = time.perf_counter()
        report = audit(request, None).report
        uncached = time.perf_counter() - start
    finally:
        index.stop()
    cached = AuditRequest("pylock", lock, checks=("content",), offline=True)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        again = audit(cached, None).report
        times.append(time.perf_counter() - start)
    assert len(again.findings) == len(report.findings)
    assert not again.unchecked
    return uncached, statistics.median(times), len(report.findings)


def big_wheel(path: Path, megabytes: int) -> None:
    """A wheel of ``megabytes`` of Python-like text in 16 MB members, stored (not deflated, so
    it is quick to write)."""
    line = b"VALUE_%06d = 'a string of ordinary text, nothing secret here'  # comment\n"
    block = b"".join(line % n for n in range(16 * 1024 * 1024 // len(line % 0)))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as archive:
        for n in range(max(1, megabytes // 16)):
            archive.writestr(f"big/part{n:03d}.py", block)


_PEAK = """
import resource, sys, time
from pathlib import Path
from chainproof.formats.scan_policy import ScanPolicy
from chainproof.scan.run import ScanRequest, scan_artifacts
start = time.perf_counter()
report = scan_artifacts(ScanRequest((Path(sys.argv[1]),)), policy=ScanPolicy(stray=False))
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(time.perf_counter() - start, report.bytes_read, peak)
"""


def peak_memory(megabytes: int) -> tuple[float, int, int]:
    with tempfile.TemporaryDirectory() as scratch:
        wheel = Path(scratch) / "big-1.0-py3-none-any.whl"
        big_wheel(wheel, megabytes)
        env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
        done = subprocess.run(
            [sys.executable, "-c", _PEAK, str(wheel)], capture_output=True, text=True,
            check=True, env=env,
        )  # fmt: skip
    seconds, size, rss_kb = done.stdout.split()
    return float(seconds), int(size), int(rss_kb)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--real", type=Path, default=Path(tempfile.gettempdir()) / "cp-bench-real")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--packages", type=int, default=100)
    parser.add_argument("--big-mb", type=int, default=1024)
    parser.add_argument("--detect-secrets", default="/tmp/ds/bin/python")
    parser.add_argument("--guarddog", default="/tmp/gd/bin/guarddog")
    args = parser.parse_args()
    failed = False

    files = real_artifacts(args.real)
    seconds, size, findings = release_scan(files, args.runs)
    rate = size / seconds / 1e6
    verdict = "PASS" if rate >= 50 else "FAIL"
    failed |= verdict == "FAIL"
    print(
        f"release scan, {len(files)} archives ({sum(f.stat().st_size for f in files) / 1e6:.0f} "
        f"MB, {size / 1e6:.0f} MB uncompressed): median {seconds:.2f} s = {rate:.0f} MB/s, "
        f"{findings} findings; target >= 50 MB/s: {verdict}"
    )

    with tempfile.TemporaryDirectory() as scratch:
        uncached, cached, found = content_check(Path(scratch), args.packages, args.runs)
    verdict = "PASS" if cached <= 0.3 else "FAIL"
    failed |= verdict == "FAIL"
    print(
        f"content check, {args.packages}-package lock: uncached {uncached:.2f} s (download, "
        f"hash, scan), cached median {cached:.3f} s, {found} findings; target <= 0.3 s: {verdict}"
    )

    # the same files for every tool: the content check's wheels and the requests sdist
    names = {f"{n.replace('-', '_')}-{v}-" for n, v in CONTENT_WHEELS}
    same = [f for f in files if f.name.startswith(tuple(names)) and f.suffix == ".whl"]
    same += [f for f in files if f.name == "requests-2.32.3.tar.gz"]
    archive_mb = sum(f.stat().st_size for f in same) / 1e6
    with tempfile.TemporaryDirectory() as scratch:
        extract(same, Path(scratch))
        member_mb = sum(p.stat().st_size for p in Path(scratch).rglob("*") if p.is_file()) / 1e6
    print(f"same files: {len(same)} archives, {archive_mb:.1f} MB, {member_mb:.1f} MB extracted")
    severity = {r.id: r.severity for r in ContentCheck.rules}
    start = time.perf_counter()
    hits = [h for f in same for h in scan_distribution(f)]
    ours = time.perf_counter() - start
    high = sum(severity[f"content.{h.rule}"] in ("high", "critical") for h in hits)
    print(
        f"  content check uncached (scan only): {ours:.2f} s = {member_mb / ours:.0f} MB/s, "
        f"{len(hits)} hits, {high} high"
    )
    seconds, _, secrets = release_scan(same, 1)
    print(f"  release scan: {seconds:.2f} s = {member_mb / seconds:.0f} MB/s, {secrets} findings")
    ds = detect_secrets(args.detect_secrets, same)
    print(
        f"  detect-secrets (library, extracted files, scan only): {ds[0]:.2f} s = "
        f"{member_mb / ds[0]:.2f} MB/s, {ds[1]} findings"
        if ds
        else f"  detect-secrets: not found at {args.detect_secrets}"
    )
    gd = guarddog(args.guarddog, same)
    print(
        f"  GuardDog (pypi scan, one process per archive): {gd[0]:.2f} s = "
        f"{member_mb / gd[0]:.2f} MB/s, {gd[1]} issues"
        if gd
        else f"  GuardDog: not found at {args.guarddog}"
    )

    if args.big_mb:
        seconds, size, rss = peak_memory(args.big_mb)
        print(
            f"release scan of a {size / 1e6:.0f} MB wheel: {seconds:.1f} s = "
            f"{size / seconds / 1e6:.0f} MB/s, peak RSS {rss / 1024:.0f} MB"
        )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
