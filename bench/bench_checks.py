"""The dependency checks (pins, hashes, sources) on a 100-package uv.lock, against real local
indexes on 127.0.0.1 (tests/indexes.py: an internal and a public one, the lock made by uv).

Targets, after start-up (one warm-up call, then the median of ``--runs`` calls of the audit's
use case in this process), for pins, hashes and sources: online <= 1.0 s, offline <= 0.2 s.
Every dependency check (typosquats, status, age and licenses too) is timed beside them, with
no target.

    .venv/bin/python bench/bench_checks.py [--packages 100] [--runs 7]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from multiprocessing import Process, Queue
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.indexes import UV, IndexServer, tool_env, write_sdist, write_wheel  # noqa: E402

from chainproof.audit.run import AuditRequest, audit  # noqa: E402

INTERNAL_SHARE = 10  # one package in ten is internal (acme-*)
VERSIONS = ("1.0.0", "1.1.0", "2.0.0")  # each project's page lists three releases


def _names(count: int) -> list[str]:
    return [
        f"acme-lib{n:03d}" if n % INTERNAL_SHARE == 0 else f"pub-lib{n:03d}" for n in range(count)
    ]


def serve(work: Path, count: int, ready: Queue[tuple[str, str]]) -> None:
    """In a process of its own (the client's threads and the servers' would share one GIL
    otherwise): the universe's indexes, until terminated."""
    _, _, lock, policy = make_universe(work, count)  # the servers run until terminated
    ready.put((str(lock), str(policy)))
    threading.Event().wait()


def make_universe(work: Path, count: int) -> tuple[IndexServer, IndexServer, Path, Path]:
    """Two running indexes, a project locked from them by uv, and the sources policy."""
    internal, public = IndexServer(), IndexServer()
    internal.start()
    public.start()
    names = _names(count)
    dists = work / "dists"
    for n, name in enumerate(names):
        requires = [names[n + 1]] if n + 1 < count and n % 3 == 0 else []  # some edges
        for version in VERSIONS:
            for path in (
                write_wheel(dists, name, version, requires),
                write_sdist(dists, name, version, requires),
            ):
                internal.add(path)
                if not name.startswith("acme-"):
                    public.add(path)
    project = work / "app"
    project.mkdir()
    deps = ", ".join(f'"{name}"' for name in names)
    sources = "\n".join(f'{name} = {{ index = "internal" }}' for name in names if "acme" in name)
    (project / "pyproject.toml").write_text(
        f'[project]\nname = "app"\nversion = "0.1.0"\nrequires-python = ">=3.11"\n'
        f"dependencies = [{deps}]\n[tool.uv]\npackage = false\n"
        f'[[tool.uv.index]]\nname = "internal"\nurl = "{internal.url}"\nexplicit = true\n'
        f'[[tool.uv.index]]\nname = "public"\nurl = "{public.url}"\ndefault = true\n'
        f"[tool.uv.sources]\n{sources}\n",
        encoding="utf-8",
    )
    env = {k: v for k, v in tool_env(work / "cache").items() if k != "UV_NO_CONFIG"}
    env.update(XDG_CONFIG_HOME=str(work / "xdg"), XDG_CONFIG_DIRS=str(work / "xdg"))
    subprocess.run([str(UV), "lock", "--quiet"], cwd=project, env=env, check=True)
    policy = work / "chainproof.toml"
    policy.write_text(
        '[audit]\nmin-release-age = "7d"\n[audit.licenses]\nallow = ["MIT"]\n'
        f'[audit.sources]\nindexes = ["{internal.url}", "{public.url}"]\n'
        f'public = "{public.url}"\n[audit.sources.packages]\n"acme-*" = "{internal.url}"\n',
        encoding="utf-8",
    )
    return internal, public, project / "uv.lock", policy


def timed(request: AuditRequest, runs: int) -> tuple[float, float, int]:
    audit(request)  # warm-up: imports, the first connections
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        run = audit(request)
        times.append(time.perf_counter() - start)
    return statistics.median(times), min(times), len(run.report.findings)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--packages", type=int, default=100)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    os.environ["PIP_CONFIG_FILE"] = os.devnull  # this machine's pip settings stay out
    os.environ.pop("PIP_EXTRA_INDEX_URL", None)
    with tempfile.TemporaryDirectory(prefix="chainproof-bench-") as tmp:
        ready: Queue[tuple[str, str]] = Queue()
        server = Process(target=serve, args=(Path(tmp), args.packages, ready), daemon=True)
        server.start()
        lock, policy = (Path(p) for p in ready.get(timeout=120))
        try:
            locked = lock.read_text(encoding="utf-8").count("[[package]]") - 1
            print(f"uv.lock of {locked} packages ({args.packages // INTERNAL_SHARE} internal)")
            failed = False
            part1 = ("pins", "hashes", "sources")
            every = (*part1, "typosquats", "status", "age", "licenses")
            for label, checks, offline, target in (
                ("online", part1, False, 1.0),
                ("offline", part1, True, 0.2),
                ("online, every dependency check", every, False, None),
                ("offline, every dependency check", every, True, None),
            ):
                request = AuditRequest(
                    "uv-lock", lock, policy=policy, checks=checks, offline=offline
                )
                median, best, findings = timed(request, args.runs)
                line = f"{label:8} median {median:.3f} s (min {best:.3f}), {findings} findings"
                if target is not None:
                    verdict = "PASS" if median <= target else "FAIL"
                    failed |= verdict == "FAIL"
                    line += f"; target <= {target} s: {verdict}"
                print(line)
        finally:
            server.terminate()
            server.join()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
