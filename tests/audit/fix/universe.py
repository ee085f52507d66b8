"""A small world for ``audit --fix`` tests: a package index on 127.0.0.1 with a vulnerable
library and its fixes, advisories about them, and a project locked from it by uv.

- ``vulnlib`` 1.0 (vulnerable), 1.1 (fixed, the same API ``api()``), 2.0 (``api()`` removed:
  an upgrade to it breaks the project's test); ``otherlib`` 1.0 (vulnerable) and 1.1;
  ``helper`` 1.0 requires ``vulnlib``.
- ``advisories(directory, vulnlib_fixed)``: OSV records, GHSA-style ids, fixing vulnlib in
  ``vulnlib_fixed`` ("1.1", or "2.0" to force the breaking upgrade) and otherlib in 1.1.
- ``run_fix(flag, lock, db, *args)``: ``chainproof audit`` with ``--fix`` on that lock.
- ``fix_world(directory, monkeypatch, producer)``: ``app``, a virtual uv project (``[tool.uv]
  package = false``, and a requirements.in of the same dependencies) whose ``check_api.py``
  calls ``vulnlib.api()``, locked by one of ``PRODUCERS`` (uv lock, uv export, uv pip compile,
  pip lock) at vulnlib 1.0 and otherlib 1.0; the fixes are published after.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from chainproof.audit.db import build_database
from chainproof.formats.osv import iter_source
from tests.indexes import UV, IndexServer, tool_env, write_sdist, write_wheel

__all__ = ["CHECK_API", "PRODUCERS", "FixWorld", "advisories", "fix_world", "run_fix", "uv_env"]

API = "\ndef api():\n    return 1\n"
CHECK_API = "import vulnlib\n\nassert vulnlib.api() == 1\nprint('ok')\n"


def _old_dists(directory: Path) -> list[Path]:
    """What the index serves when the project is locked."""
    return [
        write_wheel(directory, "vulnlib", "1.0", code=API),
        write_wheel(directory, "otherlib", "1.0"),
        write_wheel(directory, "helper", "1.0", requires=["vulnlib>=1.0"]),
    ]


def _new_dists(directory: Path) -> list[Path]:
    """The releases that come later: the fixes."""
    return [
        write_wheel(directory, "vulnlib", "1.1", code=API),
        write_sdist(directory, "vulnlib", "1.1"),
        write_wheel(directory, "vulnlib", "2.0", code="\ndef api2():\n    return 2\n"),
        write_wheel(directory, "otherlib", "1.1"),
    ]


def _advisory(ident: str, package: str, fixed: str) -> dict[str, object]:
    return {
        "schema_version": "1.6.0",
        "id": ident,
        "modified": "2024-05-01T00:00:00Z",
        "published": "2024-05-01T00:00:00Z",
        "summary": f"{package} before {fixed} runs code it should not",
        "database_specific": {"severity": "HIGH"},
        "affected": [
            {
                "package": {"ecosystem": "PyPI", "name": package},
                "ranges": [
                    {"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": fixed}]}
                ],
            }
        ],
    }


def advisories(directory: Path, vulnlib_fixed: str = "1.1") -> Path:
    """An advisory database of two records: vulnlib fixed in ``vulnlib_fixed``, otherlib in 1.1."""
    source = directory / "osv"
    source.mkdir(parents=True)
    for ident, package, fixed in (
        ("GHSA-fix0-vuln-0001", "vulnlib", vulnlib_fixed),
        ("GHSA-fix0-othr-0002", "otherlib", "1.1"),
    ):
        (source / f"{ident}.json").write_text(json.dumps(_advisory(ident, package, fixed)))
    db = directory / "advisories.sqlite3"
    build_database(iter_source(source), db, "fix tests")
    return db


def uv_env(cache: Path) -> dict[str, str]:
    """tool_env for a uv that must read the project's [tool.uv] (its index): the user's and
    the system's uv.toml are moved away instead of UV_NO_CONFIG."""
    env = {k: v for k, v in tool_env(cache).items() if k != "UV_NO_CONFIG"}
    env.update(XDG_CONFIG_HOME=str(cache / "xdg"), XDG_CONFIG_DIRS=str(cache / "xdg"))
    return env


def _pyproject(index: IndexServer) -> str:
    return (
        '[project]\nname = "app"\nversion = "0.1"\nrequires-python = ">=3.11"\n'
        'dependencies = ["vulnlib>=1.0", "otherlib", "helper"]\n\n'
        "[tool.uv]\npackage = false\n\n"
        f'[[tool.uv.index]]\nurl = "{index.url}"\ndefault = true\n'
    )


REQUIREMENTS_IN = "vulnlib>=1.0\notherlib\nhelper\n"


@dataclass
class FixWorld:
    index: IndexServer
    project: Path
    cache: Path
    lock: Path

    def run(self, *args: str) -> None:
        """A locking tool (``uv ...`` or ``pip ...``) in the project, as a user runs it."""
        command = [str(UV), *args[1:]] if args[0] == "uv" else [sys.executable, "-m", *args]
        subprocess.run(
            command, cwd=self.project, env=uv_env(self.cache), check=True, capture_output=True
        )


# How each kind of lock is made: (file name, command); "{index}" is the index's URL.
PRODUCERS = {
    "uv lock": ("uv.lock", ("uv", "lock")),
    "uv export": ("pylock.toml", ("uv", "export", "--format", "pylock.toml", "-o", "pylock.toml")),
    "uv pip compile": (
        "requirements.txt",
        ("uv", "pip", "compile", "requirements.in", "--generate-hashes", "--emit-index-url",
         "--index-url", "{index}", "-o", "requirements.txt"),
    ),
    "uv pip compile pylock": (
        "pylock.toml",
        ("uv", "pip", "compile", "requirements.in", "--format", "pylock.toml",
         "--index-url", "{index}", "-o", "pylock.toml"),
    ),
    "pip lock": (
        "pylock.toml",
        ("pip", "--isolated", "lock", "--quiet", "--no-cache-dir", "-r", "requirements.in",
         "--index-url", "{index}", "-o", "pylock.toml"),
    ),
}  # fmt: skip


@contextmanager
def fix_world(
    directory: Path, monkeypatch: pytest.MonkeyPatch, producer: str = "uv lock"
) -> Iterator[FixWorld]:
    """The index running, the project written and locked by ``producer`` (PRODUCERS) while
    the index served vulnlib 1.0 and otherlib 1.0 only, the fixes published after, and this
    process's environment set as uv must see it (chainproof runs uv with it)."""
    with IndexServer(_old_dists(directory / "dists")) as index:
        project = directory / "app"
        project.mkdir()
        (project / "pyproject.toml").write_text(_pyproject(index))
        (project / "requirements.in").write_text(REQUIREMENTS_IN)
        (project / "check_api.py").write_text(CHECK_API)
        name, command = PRODUCERS[producer]
        world = FixWorld(index, project, directory / "cache", project / name)
        if producer == "uv export":
            world.run("uv", "lock")
        world.run(*(word.format(index=index.url) for word in command))
        for path in _new_dists(directory / "dists"):
            index.add(path)
        for key in list(os.environ):
            if key.upper().startswith(("PIP_", "UV_")):
                monkeypatch.delenv(key)
        for key, value in uv_env(world.cache).items():
            monkeypatch.setenv(key, value)
        # the user's uv knows the index: a lock that names none (pip lock's) is compiled there
        monkeypatch.setenv("UV_DEFAULT_INDEX", index.url)
        yield world


def run_fix(flag: str, lock: Path, db: Path, *args: str) -> tuple[int, str, str]:
    """``chainproof audit FLAG LOCK --fix ARGS`` against ``db``, online, the vulnerabilities
    check alone: (exit code, stdout, stderr)."""
    from typer.testing import CliRunner

    from chainproof.cli.app import app

    result = CliRunner().invoke(
        app,
        ["audit", flag, str(lock), "--db", str(db), "--ignore-stale", "--online",
         "--checks", "vulnerabilities", "--fix", *args],
    )  # fmt: skip
    return result.exit_code, result.stdout, result.stderr
