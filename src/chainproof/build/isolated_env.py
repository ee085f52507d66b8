"""A fresh virtual environment for one backend invocation, recording every file installed."""

from __future__ import annotations

import importlib.metadata
import os
import shutil
import sysconfig
import tempfile
import venv
from collections.abc import Collection
from pathlib import Path
from types import TracebackType

from packaging.utils import canonicalize_name

from chainproof.build.installers import Installer, PinnedFile
from chainproof.errors import InfrastructureError

__all__ = ["IsolatedEnvironment"]


class IsolatedEnvironment:
    """A venv without pip or setuptools; implements build's ``IsolatedEnv`` protocol.

    ``install`` resolves through the installer, installs the exact files and then checks
    that the environment holds exactly those distributions, so ``installed`` is the truth.
    """

    def __init__(self, installer: Installer, parent: Path) -> None:
        self._installer = installer
        self._parent = parent
        self._path: Path | None = None
        self._installed: dict[str, PinnedFile] = {}  # filename -> file
        self._expected: dict[str, str] = {}  # canonical name -> version
        self._requested: set[str] = set()

    def __enter__(self) -> IsolatedEnvironment:
        self._path = Path(tempfile.mkdtemp(prefix="env-", dir=self._parent))
        try:
            venv.EnvBuilder(symlinks=True, with_pip=False, clear=True).create(self._path)
        except Exception as exc:
            shutil.rmtree(self._path, ignore_errors=True)
            raise InfrastructureError(f"Cannot create a virtual environment: {exc}.") from exc
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._path is not None:
            shutil.rmtree(self._path, ignore_errors=True)

    def _paths(self) -> dict[str, str]:
        assert self._path is not None, "use the environment as a context manager"
        base = str(self._path)
        return sysconfig.get_paths(scheme="venv", vars={"base": base, "platbase": base})

    @property
    def python_executable(self) -> str:
        return str(Path(self._paths()["scripts"]) / "python")

    def make_extra_environ(self) -> dict[str, str]:
        path = os.environ.get("PATH")
        scripts = self._paths()["scripts"]
        return {"PATH": f"{scripts}{os.pathsep}{path}" if path else scripts, "PYTHONPATH": ""}

    @property
    def installed(self) -> tuple[PinnedFile, ...]:
        """Every file installed into this environment so far."""
        return tuple(sorted(self._installed.values(), key=PinnedFile.sort_key))

    def install(self, requirements: Collection[str]) -> None:
        """Install ``requirements`` (with what is already there) from exact, hashed files."""
        wanted = set(requirements) | self._requested
        pinned = self._installer.resolve(wanted, self.python_executable)
        new = [p for p in pinned if p.filename not in self._installed]
        self._installer.install(new, self.python_executable)
        self._requested = wanted
        self._installed.update((p.filename, p) for p in new)
        self._expected = {str(canonicalize_name(p.name)): p.version for p in pinned}
        self._check()

    def _check(self) -> None:
        """Fail closed if the environment holds anything but the pinned distributions."""
        purelib, platlib = self._paths()["purelib"], self._paths()["platlib"]
        found: dict[str, str] = {
            str(canonicalize_name(d.metadata["Name"])): d.version
            for d in importlib.metadata.distributions(path=sorted({purelib, platlib}))
        }
        if found != self._expected:
            extra = sorted(f"{n} {v}" for n, v in found.items() if self._expected.get(n) != v)
            missing = sorted(f"{n} {v}" for n, v in self._expected.items() if found.get(n) != v)
            raise InfrastructureError(
                "The build environment does not hold exactly the pinned files (unexpected: "
                f"{', '.join(extra) or 'none'}; missing: {', '.join(missing) or 'none'})."
            )
