"""A small world for ``audit --fix`` tests: a package index on 127.0.0.1 with a vulnerable
library and its fixes, advisories about them, and a project locked from it by uv.

- ``vulnlib`` 1.0 (vulnerable), 1.1 (fixed, the same API ``api()``), 2.0 (``api()`` removed:
  an upgrade to it breaks the project's test); ``otherlib`` 1.0 (vulnerable) and 1.1;
  ``helper`` 1.0 requires ``vulnlib``.
- ``advisories(directory, vulnlib_fixed)``: OSV records, GHSA-style ids, fixing vulnlib in
  ``vulnlib_fixed`` ("1.1", or "2.0" to force the breaking upgrade) and otherlib in 1.1.
- ``FixWorld.project``: ``app``, a virtual uv project (``[tool.uv] package = false``) whose
  ``check_api.py`` calls ``vulnlib.api()``; ``uv.lock`` pins vulnlib 1.0 and otherlib 1.0.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from chainproof.audit.db import build_database
from chainproof.formats.osv import iter_source
from tests.indexes import UV, IndexServer, tool_env, write_sdist, write_wheel

__all__ = ["CHECK_API", "FixWorld", "fix_world", "uv_env"]

API = "\ndef api():\n    return 1\n"
CHECK_API = "import vulnlib\n\nassert vulnlib.api() == 1\nprint('ok')\n"


def _dists(directory: Path) -> list[Path]:
    files = [
        write_wheel(directory, "vulnlib", "1.0", code=API),
        write_wheel(directory, "vulnlib", "1.1", code=API),
        write_wheel(directory, "vulnlib", "2.0", code="\ndef api2():\n    return 2\n"),
        write_sdist(directory, "vulnlib", "1.1"),
        write_wheel(directory, "otherlib", "1.0"),
        write_wheel(directory, "otherlib", "1.1"),
        write_wheel(directory, "helper", "1.0", requires=["vulnlib>=1.0"]),
    ]
    return files


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
    """tool_env for a uv that must read the project's [tool.uv] (its index)."""
    return {k: v for k, v in tool_env(cache).items() if k != "UV_NO_CONFIG"}


def _pyproject(index: IndexServer) -> str:
    return (
        '[project]\nname = "app"\nversion = "0.1"\nrequires-python = ">=3.11"\n'
        'dependencies = ["vulnlib>=1.0", "otherlib", "helper"]\n\n'
        "[tool.uv]\npackage = false\n\n"
        f'[[tool.uv.index]]\nurl = "{index.url}"\ndefault = true\n'
    )


@dataclass
class FixWorld:
    index: IndexServer
    project: Path
    cache: Path

    @property
    def lock(self) -> Path:
        return self.project / "uv.lock"

    def uv(self, *args: str) -> None:
        subprocess.run(
            [str(UV), *args], cwd=self.project, env=uv_env(self.cache), check=True,
            capture_output=True,
        )  # fmt: skip


@contextmanager
def fix_world(directory: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FixWorld]:
    """The index running, the project written and locked at vulnlib 1.0 and otherlib 1.0, and
    this process's environment set as uv must see it (chainproof runs uv with it)."""
    with IndexServer(_dists(directory / "dists")) as index:
        project = directory / "app"
        project.mkdir()
        (project / "pyproject.toml").write_text(_pyproject(index))
        (project / "check_api.py").write_text(CHECK_API)
        world = FixWorld(index, project, directory / "cache")
        world.uv("lock", "--upgrade-package", "vulnlib==1.0", "--upgrade-package", "otherlib==1.0")
        for key in list(os.environ):
            if key.upper().startswith(("PIP_", "UV_")):
                monkeypatch.delenv(key)
        for key, value in uv_env(world.cache).items():
            monkeypatch.setenv(key, value)
        yield world
