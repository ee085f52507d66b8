"""``verify-env``: an installed environment against the SBOM it was installed from.

Drift, each listed: a distribution of the SBOM's runtime components that is not installed
(``missing``), installed at another version (``version``), installed but not in the SBOM
(``added``, unless allowed by name), and any installed file that does not match its RECORD
(``modified``, ``file-missing``, or ``record`` for an unverifiable RECORD), and any start-up
hook (``*.pth``, ``sitecustomize.py``) in a site-packages directory that no RECORD lists
(``unrecorded``; virtualenv's and uv's own ``_virtualenv.pth`` excepted). Build-only
components (scope ``excluded``) are not expected in the environment. The SBOM is read through
the registry of inventory sources (:mod:`chainproof.sbom.inputs`), the environment and its
RECORD checks by :mod:`chainproof.sbom.installed`.
"""

from __future__ import annotations

import csv
import io
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from chainproof.errors import VerificationFailed
from chainproof.models import none_first
from chainproof.progress import NullReporter, Reporter
from chainproof.sbom.inputs import SourceOptions, open_source
from chainproof.sbom.installed import (
    InstalledEnvironment,
    inspect_environment,
    verify_environment,
)
from chainproof.sbom.target import TargetPlatform

__all__ = ["Drift", "EnvironmentReport", "default_python", "verify_environment_against_sbom"]


@dataclass(frozen=True)
class Drift:
    """One difference: ``kind`` is missing, version, added, modified, file-missing, record or
    unrecorded."""

    name: str
    kind: str
    expected: str | None = None
    actual: str | None = None
    path: str | None = None

    def sort_key(self) -> tuple[str, str, tuple[bool, str], tuple[bool, str], tuple[bool, str]]:
        return (
            self.name,
            self.kind,
            none_first(self.expected),
            none_first(self.actual),
            none_first(self.path),
        )

    def __str__(self) -> str:
        if self.kind == "missing":
            return f"{self.name} {self.expected} is in the SBOM but not installed"
        if self.kind == "version":
            return f"{self.name} is {self.actual}, the SBOM says {self.expected}"
        if self.kind == "added":
            return f"{self.name} {self.actual} is installed but not in the SBOM"
        if self.kind == "unrecorded":
            return f"{self.path} runs at interpreter start-up and no RECORD lists it"
        return f"{self.name}: {self.path}: {self.kind}"

    def to_json(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v is not None} | {"detail": str(self)}


@dataclass(frozen=True)
class EnvironmentReport:
    python: str
    sbom: str
    expected: int  # runtime components in the SBOM
    installed: int
    files_checked: int
    drift: tuple[Drift, ...]

    @property
    def passed(self) -> bool:
        return not self.drift and self.installed > 0

    def raise_if_failed(self) -> None:
        """VerificationFailed (exit 1) when nothing is installed or anything drifted."""
        if self.installed == 0:
            raise VerificationFailed(
                f"The environment of {self.python} has no distributions; nothing was verified."
            )
        if self.drift:
            raise VerificationFailed(
                f"The environment has drifted from {self.sbom}: {len(self.drift)} "
                f"difference(s), first: {self.drift[0]}."
            )

    def to_json(self) -> dict[str, Any]:
        return {
            "passed": self.passed,
            "python": self.python,
            "sbom": self.sbom,
            "expected": self.expected,
            "installed": self.installed,
            "files_checked": self.files_checked,
            "drift": [d.to_json() for d in self.drift],
        }


def default_python() -> str:
    """The active virtual environment's interpreter, else the one running chainproof."""
    venv = os.environ.get("VIRTUAL_ENV")
    if venv:
        bindir = "Scripts" if os.name == "nt" else "bin"
        candidate = Path(venv) / bindir / ("python.exe" if os.name == "nt" else "python")
        if candidate.exists():
            return str(candidate)
    return sys.executable


def _same_version(installed: str, expected: str) -> bool:
    """Equal under PEP 440 (2.0 is 2.0.0; a local label such as +evil counts), else as text."""
    try:
        return Version(installed) == Version(expected)
    except InvalidVersion:
        return installed == expected


_STARTUP_HOOKS = ("sitecustomize.py", "usercustomize.py")  # and every *.pth file
_VIRTUALENV_PTH = ("_virtualenv.pth", "import _virtualenv")  # what virtualenv and uv write


def _unrecorded_hooks(env: InstalledEnvironment) -> list[Drift]:
    """Start-up hooks (``*.pth``, sitecustomize) in a site-packages directory that no RECORD
    lists: code that runs in every interpreter yet belongs to no distribution checked here."""
    recorded: set[str] = set()
    for dist in env.distributions:
        for row in csv.reader(io.StringIO(dist.record or "")):
            if row:
                recorded.add(os.path.normpath(os.path.join(dist.base, row[0])))
    drift = []
    for base in sorted({dist.base for dist in env.distributions}):
        try:
            entries = sorted(base.iterdir())
        except OSError:
            continue
        for path in entries:
            hook = path.suffix == ".pth" or path.name in _STARTUP_HOOKS
            if not hook or os.path.normpath(path) in recorded:
                continue
            if path.name == _VIRTUALENV_PTH[0] and _read(path) == _VIRTUALENV_PTH[1]:
                continue
            drift.append(Drift(path.name, "unrecorded", path=str(path)))
    return drift


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError):
        return None


_FILE_KINDS = {"modified": "modified", "missing": "file-missing"}


def verify_environment_against_sbom(
    sbom: Path,
    python: str,
    allow_extra: frozenset[str] = frozenset(),
    reporter: Reporter | None = None,
) -> EnvironmentReport:
    """Compare the environment of ``python`` with ``sbom``; never raises for drift."""
    progress = reporter or NullReporter()
    target = open_source("sbom", sbom, SourceOptions()).read(
        TargetPlatform.current(), NullReporter()
    )
    expected = {
        canonicalize_name(c.name): c.version
        for c in target.inventory.components
        if not c.build_only
    }
    env = inspect_environment(python)
    installed = {canonicalize_name(d.name): d.version for d in env.distributions}
    allowed = {canonicalize_name(n) for n in allow_extra}
    drift: list[Drift] = []
    subject = target.sbom.subject if target.sbom else None
    if subject is not None and subject.key in installed and subject.key not in expected:
        # the release the SBOM describes, installed from its wheel: expected at its version
        key, version = canonicalize_name(subject.name), subject.version
        allowed.add(key)
        if not _same_version(installed[key], version):
            drift.append(Drift(key, "version", expected=version, actual=installed[key]))
    for key, version in expected.items():
        if key not in installed:
            drift.append(Drift(key, "missing", expected=version))
        elif not _same_version(installed[key], version):
            drift.append(Drift(key, "version", expected=version, actual=installed[key]))
    drift += [
        Drift(key, "added", actual=version)
        for key, version in installed.items()
        if key not in expected and key not in allowed
    ]
    drift += _unrecorded_hooks(env)
    checks = verify_environment(env, progress)
    for check in checks:
        for problem in check.problems:
            kind = _FILE_KINDS.get(problem.kind, "record")
            path = problem.path if kind != "record" else f"{problem.path} ({problem.kind})"
            drift.append(
                Drift(canonicalize_name(check.name), kind, problem.expected, problem.actual, path)
            )
    return EnvironmentReport(
        python=env.executable,
        sbom=str(sbom),
        expected=len(expected),
        installed=len(installed),
        files_checked=sum(c.files_checked for c in checks),
        drift=tuple(sorted(drift, key=Drift.sort_key)),
    )
