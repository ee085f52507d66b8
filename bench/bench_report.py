"""`chainproof report` over a long history: 1,000 commits of a uv.lock of 100 packages, each
commit upgrading one package, against 50 advisories, reported as the HTML page; then the same
history as a hash-pinned requirements.txt (read by the audit's requirements reader, a
temporary file per version), in the same run.

The repository is written once with `git fast-import` (tests/report/repo.py); the database is
imported once. Then the command runs as a process of this environment, with this checkout's
src/ first on PYTHONPATH, --runs times after one warm-up run; the floor is git itself reading
the same history (`git log --raw` and `git cat-file --batch` of every lock blob). Target: the
median of `chainproof report` over the uv.lock <= 5 s (the requirements history is reported
beside it). Exit code 0 when it is met, 1 when not.

    .venv/bin/python bench/bench_report.py [--runs 5] [--commits 1000] [--packages 100]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.report.repo import (  # noqa: E402
    Change,
    advisory,
    day,
    write_advisories,
    write_repository,
)

TARGET = 5.0
INDEX = "https://example.invalid/simple"


def _package(name: str, version: str) -> str:
    digest = hashlib.sha256(f"{name}-{version}".encode()).hexdigest()
    base = f"https://example.invalid/files/{name}-{version}"
    return (
        f'[[package]]\nname = "{name}"\nversion = "{version}"\n'
        f'source = {{ registry = "{INDEX}" }}\n'
        f'sdist = {{ url = "{base}.tar.gz", hash = "sha256:{digest}", size = 1000 }}\n'
        f'wheels = [\n    {{ url = "{base}-py3-none-any.whl", hash = "sha256:{digest}", '
        "size = 1000 },\n]\n"
    )


def uv_lock(versions: dict[str, int]) -> str:
    deps = "".join(f'    {{ name = "{n}" }},\n' for n in versions)
    project = (
        '[[package]]\nname = "app"\nversion = "1.0"\nsource = { editable = "." }\n'
        f"dependencies = [\n{deps}]\n"
    )
    packages = "\n".join(_package(n, f"1.{v}") for n, v in sorted(versions.items()))
    return f'version = 1\nrequires-python = ">=3.11"\n\n{project}\n{packages}'


def requirements(versions: dict[str, int]) -> str:
    lines = []
    for name, v in sorted(versions.items()):
        digest = hashlib.sha256(f"{name}-1.{v}".encode()).hexdigest()
        lines.append(f"{name}==1.{v} \\\n    --hash=sha256:{digest}\n")
    return "".join(lines)


LOCKS = {"uv.lock": uv_lock, "requirements.txt": requirements}


def history(commits: int, packages: int, lock: str = "uv.lock") -> list[Change]:
    write = LOCKS[lock]
    versions = {f"pkg-{n:03d}": 0 for n in range(packages)}
    changes = [Change(day(0), "lock", {lock: write(versions)})]
    for n in range(1, commits):
        name = f"pkg-{n % packages:03d}"
        versions[name] += 1
        when = day(0) + timedelta(hours=6 * n)
        changes.append(Change(when, f"upgrade {name}", {lock: write(versions)}))
    return changes


def advisories(packages: int) -> list[dict[str, object]]:
    # every other package affected below 1.5, published on a day of the history
    return [
        advisory(f"BENCH-{n:03d}", f"pkg-{n:03d}", "1.5", day(n * 2), "HIGH" if n % 4 else "LOW")
        for n in range(0, packages, 2)
    ]


def _time(command: list[str], env: dict[str, str], cwd: Path) -> float:
    start = time.perf_counter()
    subprocess.run(command, env=env, cwd=cwd, check=True, capture_output=True)
    return time.perf_counter() - start


def _git_floor(repo: Path, lock: str) -> float:
    start = time.perf_counter()
    log = subprocess.run(
        ["git", "log", "--raw", "--no-abbrev", "--first-parent", "--", lock],
        cwd=repo,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    blobs = {line.split()[3] for line in log.splitlines() if line.startswith(":")}
    subprocess.run(
        ["git", "cat-file", "--batch"],
        cwd=repo,
        input="".join(f"{b}\n" for b in blobs).encode(),
        check=True,
        capture_output=True,
    )
    return time.perf_counter() - start


def _measure(
    tmp: Path, lock: str, args: argparse.Namespace, db: Path, env: dict[str, str]
) -> float:
    started = time.perf_counter()
    repo = write_repository(tmp / lock, history(args.commits, args.packages, lock))
    setup = time.perf_counter() - started
    out = tmp / f"{lock}.html"
    command = [
        sys.executable,
        "-m",
        "chainproof",
        "report",
        str(repo),
        "--db",
        str(db),
        "-o",
        str(out),
    ]
    _time(command, env, tmp)  # warm-up: bytecode, page cache
    times = [_time(command, env, tmp) for _ in range(args.runs)]
    floors = [_git_floor(repo, lock) for _ in range(args.runs)]
    median = statistics.median(times)
    print(f"{lock}: {args.commits} commits of {args.packages} packages (written in {setup:.2f} s)")
    print(
        f"  git log + cat-file (floor): median {statistics.median(floors):.3f} s, "
        f"min {min(floors):.3f} s"
    )
    print(
        f"  chainproof report (html):   median {median:.3f} s, min {min(times):.3f} s "
        f"({len(out.read_text()) // 1024} KiB page)"
    )
    return median


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--commits", type=int, default=1000)
    parser.add_argument("--packages", type=int, default=100)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        env = {k: v for k, v in os.environ.items() if not k.startswith("CHAINPROOF_")}
        env |= {"PYTHONPATH": str(ROOT / "src"), "CHAINPROOF_OFFLINE": "1"}
        db = tmp / "db.sqlite3"
        records = write_advisories(tmp / "osv", advisories(args.packages))
        subprocess.run(
            [sys.executable, "-m", "chainproof", "db", "import", str(records), "--db", str(db)],
            env=env,
            check=True,
            capture_output=True,
        )
        print(f"{len(advisories(args.packages))} advisories; {args.runs} runs after a warm-up")
        median = _measure(tmp, "uv.lock", args, db, env)
        _measure(tmp, "requirements.txt", args, db, env)
    verdict = "PASS" if median <= TARGET else "FAIL"
    print(f"target: uv.lock median <= {TARGET:.1f} s: {verdict}")
    return 0 if median <= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
