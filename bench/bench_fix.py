"""``chainproof audit --fix`` (no test command) against ``uv lock --upgrade-package`` for the
same packages, on a 100-package uv.lock with 3 vulnerable pins, against a package index on
127.0.0.1 (tests/indexes.py) in a process of its own; ``--latency`` delays each of its answers
as a remote index's round trip would.

Each run starts from a fresh copy of the locked project, alternating the two commands, after
one warm-up of each (uv's cache is warm for both; Python's bytecode is cached, as for an
installed package). Both must write the same uv.lock. Target:
chainproof / uv <= 2.0 (medians).

    .venv/bin/python bench/bench_fix.py [--packages 100] [--runs 5] [--latency 0.05]
    .venv/bin/python bench/bench_fix.py --registry [--runs 5]

``--registry`` runs the same race on bench/projects/notebooks (jupyterlab's 100 packages, with
gitpython 3.1.40, idna 3.6 and setuptools 65.5.0, vulnerable in the committed advisory
snapshot) against the package registry itself.
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
import threading
import time
from multiprocessing import Process, Queue
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.indexes import UV, IndexServer, tool_env, write_wheel  # noqa: E402

from chainproof.audit.db import build_database  # noqa: E402
from chainproof.formats.osv import iter_source  # noqa: E402

VULNERABLE = (10, 50, 90)  # which packages have an advisory (fixed in 1.1.0), locally


def _names(count: int) -> list[str]:
    return [f"pub-lib{n:03d}" for n in range(count)]


def _env(cache: Path, index_url: str) -> dict[str, str]:
    env = {k: v for k, v in tool_env(cache).items() if k != "UV_NO_CONFIG"}
    env.update(XDG_CONFIG_HOME=str(cache / "xdg"), XDG_CONFIG_DIRS=str(cache / "xdg"))
    env.update(PYTHONPATH=str(ROOT / "src"), UV_DEFAULT_INDEX=index_url)
    # bytecode cached, as for an installed package, whatever PYTHONDONTWRITEBYTECODE says
    env.update(PYTHONPYCACHEPREFIX=str(cache / "pycache"))
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.pop("CHAINPROOF_OFFLINE", None)
    return env


def serve(work: Path, count: int, latency: float, ready: Queue[str]) -> None:
    """In a process of its own: the index, the project locked at 1.0.0, then 1.1.0 published."""
    names = _names(count)
    dists = work / "dists"
    index = IndexServer()
    index.start()
    for n, name in enumerate(names):
        requires = [names[n + 1]] if n + 1 < count and n % 3 == 0 else []  # some edges
        index.add(write_wheel(dists, name, "1.0.0", requires=requires))
    project = work / "project"
    project.mkdir()
    listed = ", ".join(f'"{n}>=1.0"' for n in names)
    (project / "pyproject.toml").write_text(
        f'[project]\nname = "app"\nversion = "0.1"\nrequires-python = ">=3.11"\n'
        f"dependencies = [{listed}]\n\n[tool.uv]\npackage = false\n\n"
        f'[[tool.uv.index]]\nurl = "{index.url}"\ndefault = true\n'
    )
    subprocess.run(
        [str(UV), "lock", "-q"], cwd=project, env=_env(work / "cache", index.url), check=True
    )
    for n, name in enumerate(names):
        requires = [names[n + 1]] if n + 1 < count and n % 3 == 0 else []
        index.add(write_wheel(dists, name, "1.1.0", requires=requires))
    index.latency = latency
    ready.put(index.url)
    threading.Event().wait()


def _advisories(work: Path, count: int) -> Path:
    source = work / "osv"
    source.mkdir()
    for n in VULNERABLE:
        name = _names(count)[n]
        record = {
            "schema_version": "1.6.0",
            "id": f"GHSA-bench-{n:04d}-0000",
            "modified": "2024-05-01T00:00:00Z",
            "published": "2024-05-01T00:00:00Z",
            "summary": f"{name} before 1.1.0 is vulnerable",
            "affected": [
                {
                    "package": {"ecosystem": "PyPI", "name": name},
                    "ranges": [
                        {"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "1.1.0"}]}
                    ],
                }
            ],
        }
        (source / f"{record['id']}.json").write_text(json.dumps(record))
    db = work / "advisories.sqlite3"
    build_database(iter_source(source), db, "bench")
    return db


def _timed(command: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, str]:
    start = time.perf_counter()
    result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"{command[0]} failed:\n{result.stdout}\n{result.stderr}")
    return elapsed, result.stdout


def _registry_setup(work: Path) -> tuple[Path, dict[str, str]]:
    """bench/projects/notebooks (jupyterlab, 100 packages; gitpython 3.1.40, idna 3.6 and
    setuptools 65.5.0 vulnerable in the snapshot) with the real registry in its lock, and the
    snapshot's advisories; this machine's settings for uv, without test constraints."""
    from tests.audit.conftest import SNAPSHOT
    from tests.registry import CONSTRAINT_VARIABLES, real_locks

    shutil.copytree(ROOT / "bench" / "projects" / "notebooks", work / "project")
    real_locks(work / "project", ("uv.lock",))
    db = work / "advisories.sqlite3"
    build_database(iter_source(SNAPSHOT), db, "pypa snapshot")
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in (*CONSTRAINT_VARIABLES, "CHAINPROOF_OFFLINE")
    }
    env.update(PYTHONPATH=str(ROOT / "src"), PYTHONPYCACHEPREFIX=str(work / "pycache"))
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return db, env


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--packages", type=int, default=100)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--latency", type=float, default=0.0, help="seconds per index answer")
    parser.add_argument(
        "--registry",
        action="store_true",
        help="bench/projects/notebooks against the package registry instead of a local index",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-fix-") as scratch:
        work = Path(scratch)
        server = None
        if args.registry:
            db, env = _registry_setup(work)
            where = "the package registry, bench/projects/notebooks"
        else:
            ready: Queue[str] = Queue()
            server = Process(
                target=serve, args=(work, args.packages, args.latency, ready), daemon=True
            )
            server.start()
            index_url = ready.get(timeout=300)
            db = _advisories(work, args.packages)
            env = _env(work / "cache", index_url)
            where = f"an index on 127.0.0.1, latency {args.latency} s"
        try:
            times = _race(work, db, env, args.runs)
        finally:
            if server is not None:
                server.terminate()
    uv, ours = statistics.median(times["uv"]), statistics.median(times["chainproof"])
    ratio = ours / uv
    print(f"{where}, median of {args.runs}:")
    print(f"  uv lock --upgrade-package        {uv:.3f} s (min {min(times['uv']):.3f})")
    print(f"  chainproof audit --fix           {ours:.3f} s (min {min(times['chainproof']):.3f})")
    verdict = "PASS" if ratio <= 2.0 else "FAIL"
    print(f"  ratio {ratio:.2f} (target <= 2.0): {verdict}")
    return 0 if verdict == "PASS" else 1


def _race(work: Path, db: Path, env: dict[str, str], runs: int) -> dict[str, list[float]]:
    """The two commands on fresh copies of the project, alternating; uv is asked for the
    upgrades chainproof's dry run plans. Both must write the same lock."""
    record = str(work / "records.jsonl")
    chainproof = [sys.executable, "-m", "chainproof", "audit", "--uv-lock", "uv.lock",
                  "--db", str(db), "--ignore-stale", "--online", "--checks",
                  "vulnerabilities", "--fix", "--record", record]  # fmt: skip
    shutil.copytree(work / "project", work / "planned")
    _, planned = _timed([*chainproof, "--dry-run", "--format", "json"], work / "planned", env)
    upgrades = json.loads(planned)["upgrades"]
    flags = [w for u in upgrades for w in ("--upgrade-package", u["package"] + u["requested"])]
    print(f"upgrades: {' '.join(flags[1::2])}")
    commands = {"uv": [str(UV), "lock", "-q", *flags], "chainproof": chainproof}
    times: dict[str, list[float]] = {"uv": [], "chainproof": []}
    for run in range(runs + 1):
        order = ("uv", "chainproof") if run % 2 else ("chainproof", "uv")
        locks = {}
        for name in order:
            copy = work / f"run-{run}-{name}"
            shutil.copytree(work / "project", copy)
            elapsed, _ = _timed(commands[name], copy, env)
            locks[name] = (copy / "uv.lock").read_bytes()
            if run:  # run 0 warms up
                times[name].append(elapsed)
        if locks["uv"] != locks["chainproof"]:
            raise SystemExit("chainproof and uv wrote different locks")
    if os.environ.get("BENCH_FIX_PROFILE"):  # after the runs: one profiled run
        shutil.copytree(work / "project", work / "profiled")
        profiled = [chainproof[0], "-m", "cProfile", "-o", os.environ["BENCH_FIX_PROFILE"],
                    *chainproof[1:]]  # fmt: skip
        _timed(profiled, work / "profiled", env)
    return times


if __name__ == "__main__":
    raise SystemExit(main())
