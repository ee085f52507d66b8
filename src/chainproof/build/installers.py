"""Installers for the isolated build environment: resolve requirements to exact wheel files,
then install exactly those files with hash checking, so the record is what got installed.

Why not build.env's own pip/uv back ends: they install by requirement and cannot say which
file went in. Build requirements are taken from wheels only (``--only-binary :all:``): an
sdist would need its own, unrecorded build environment.
"""

from __future__ import annotations

import abc
import importlib.metadata
import os
import shutil
import subprocess
import sys
import tempfile
import tomllib
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol
from urllib.parse import unquote, urlsplit

from packaging.requirements import InvalidRequirement, Requirement
from packaging.tags import sys_tags
from packaging.utils import InvalidWheelFilename, canonicalize_name, parse_wheel_filename
from packaging.version import Version

from chainproof.build.lock import BuildLock, LockedPin
from chainproof.errors import InfrastructureError, InputError
from chainproof.fileio import sha256_file
from chainproof.models import none_first

if TYPE_CHECKING:
    from packaging.tags import Tag

__all__ = [
    "INSTALLER_NAMES",
    "Installer",
    "LockedInstaller",
    "PinnedFile",
    "PipInstaller",
    "UvInstaller",
    "choose_installer",
    "find_uv",
]

INSTALLER_NAMES = ("auto", "uv", "pip")
_OUTPUT_TAIL = 4000


@dataclass(frozen=True)
class PinnedFile:
    """One wheel chosen for a build environment: what it is and where it comes from."""

    name: str
    version: str
    filename: str
    sha256: str
    location: str  # a local path or a URL the installer fetches
    url: str | None = None  # where it was published, when the installer says so

    def sort_key(self) -> tuple[str, str, str, str, str, tuple[bool, str]]:
        return (
            self.name,
            self.version,
            self.filename,
            self.sha256,
            self.location,
            none_first(self.url),
        )


class Installer(Protocol):
    """Plug point: resolve requirements to exact files, install exactly those files."""

    name: str

    def version(self) -> str: ...

    def resolve(self, requirements: Collection[str], python: str) -> tuple[PinnedFile, ...]:
        """The full closure of ``requirements`` for the interpreter ``python``, one wheel each."""

    def install(self, files: Sequence[PinnedFile], python: str) -> None:
        """Install exactly ``files`` (no dependency resolution), checking each sha256."""

    def fetch(self, pins: Sequence[LockedPin], python: str) -> tuple[PinnedFile, ...]:
        """The wheel of each pin for ``python``, one whose sha256 the pin allows; no
        dependencies are looked at."""


_INDEX_HINT = "Check that the package index is reachable and has wheels for these requirements."
_INSTALL_HINT = "A file did not match the sha256 it was resolved with, or could not be fetched."


def _run(cmd: Sequence[str], what: str, hint: str = _INDEX_HINT) -> str:
    try:
        result = subprocess.run(
            list(cmd),
            capture_output=True,
            text=True,
            check=False,
            stdin=subprocess.DEVNULL,
        )
    except OSError as exc:
        raise InfrastructureError(f"Cannot run {cmd[0]}: {exc.strerror or exc}.") from exc
    if result.returncode != 0:
        output = (result.stderr.strip() or result.stdout.strip())[-_OUTPUT_TAIL:]
        last = output.splitlines()[-1].strip() if output else "no output"
        for prefix in ("ERROR:", "error:", "cause:", "╰─▶"):
            last = last.removeprefix(prefix).strip()
        if "DO NOT MATCH THE HASHES" in output:  # pip's last line is only the digest it got
            last = "a downloaded file does not match the sha256 it is pinned with"
        raise InfrastructureError(
            f"{what} failed: {last.rstrip('.')}.",
            hint=f"{hint} Installer output:\n{output}",
        )
    return result.stdout


def _requirement_lines(requirements: Collection[str]) -> str:
    for requirement in requirements:
        try:
            Requirement(requirement)
        except InvalidRequirement as exc:
            raise InputError(f"The build requirement {requirement!r} is not valid: {exc}.") from exc
    return "".join(f"{r}\n" for r in sorted(requirements))


def _parse_wheel(filename: str) -> tuple[str, str, frozenset[Tag]]:
    """Name, version and tags of a wheel file name."""
    try:
        name, version, _, tags = parse_wheel_filename(filename)
    except InvalidWheelFilename as exc:
        raise InfrastructureError(f"The installer returned {filename!r}, not a wheel.") from exc
    return str(name), str(version), tags


def _scratch_file(workdir: Path, suffix: str, text: str) -> str:
    """A requirements file for one installer run; removed with ``workdir``."""
    fd, name = tempfile.mkstemp(suffix=suffix, dir=workdir)
    with os.fdopen(fd, "w", encoding="utf-8") as stream:
        stream.write(text)
    return name


class _CachedResolver(abc.ABC):
    """Resolves each set of requirements once per build (sdist and wheel environments, and a
    reproducibility check's second run, ask for the same sets)."""

    def __init__(self, workdir: Path) -> None:
        self._workdir = workdir
        self._cache: dict[frozenset[str], tuple[PinnedFile, ...]] = {}

    def resolve(self, requirements: Collection[str], python: str) -> tuple[PinnedFile, ...]:
        key = frozenset(requirements)
        if key not in self._cache:
            self._cache[key] = self._resolve(requirements, python) if requirements else ()
        return self._cache[key]

    @abc.abstractmethod
    def _resolve(self, requirements: Collection[str], python: str) -> tuple[PinnedFile, ...]:
        """The installer's own resolution of a non-empty set of requirements."""


def _pins_file(workdir: Path, pins: Sequence[LockedPin]) -> str:
    """``name==version --hash=...`` lines for the pins the lock names no file for."""
    lines = "".join(
        f"{p.name}=={p.version}{''.join(f' --hash=sha256:{h}' for h in sorted(p.sha256))}\n"
        for p in pins
    )
    return _scratch_file(workdir, ".txt", lines)


def _named_files(pins: Sequence[LockedPin]) -> list[PinnedFile]:
    """The files a lock names itself (pylock.toml wheels, ``name @ URL`` lines)."""
    files = []
    for pin in pins:
        for wheel in pin.wheels[:1]:
            remote = "://" in wheel.location and not wheel.location.startswith("file:")
            url = wheel.location if remote else None
            files.append(
                PinnedFile(pin.name, pin.version, wheel.filename, wheel.sha256, wheel.location, url)
            )
    return files


def _check_locked(pins: Sequence[LockedPin], files: Sequence[PinnedFile]) -> tuple[PinnedFile, ...]:
    """Fail closed unless there is exactly one file per pin, with a sha256 the pin allows."""
    by_key = {str(canonicalize_name(f.name)): f for f in files}
    for pin in pins:
        found = by_key.get(pin.key)
        if (
            found is None
            or found.sha256 not in pin.sha256
            or Version(found.version) != Version(pin.version)
        ):
            got = f"got {found.filename} sha256:{found.sha256}" if found else "no wheel"
            raise InfrastructureError(
                f"The index did not serve the locked wheel of {pin.name}=={pin.version} ({got}).",
                hint=_INSTALL_HINT,
            )
    if len(by_key) != len(pins):
        raise InfrastructureError("The installer fetched files the build lock does not name.")
    return tuple(sorted(files, key=PinnedFile.sort_key))


def _downloaded(directory: Path) -> list[PinnedFile]:
    """The wheels pip downloaded into ``directory``, each with the sha256 of the file."""
    files = []
    for path in sorted(directory.iterdir()):
        name, version, _ = _parse_wheel(path.name)
        files.append(PinnedFile(name, version, path.name, sha256_file(path), str(path)))
    return files


class PipInstaller(_CachedResolver):
    """pip: ``pip download`` fetches the closure; chainproof hashes each downloaded file and
    installs those files with ``--require-hashes --no-deps --no-index``."""

    name = "pip"

    def version(self) -> str:
        return importlib.metadata.version("pip")

    def _pip(self) -> list[str]:
        return [sys.executable, "-m", "pip", "--disable-pip-version-check", "--no-input"]

    def _resolve(self, requirements: Collection[str], python: str) -> tuple[PinnedFile, ...]:
        target = Path(tempfile.mkdtemp(prefix="pip-", dir=self._workdir))
        req_file = _scratch_file(self._workdir, ".in", _requirement_lines(requirements))
        _run(
            [
                *self._pip(),
                "--python",
                python,
                "download",
                "--only-binary",
                ":all:",
                "--dest",
                str(target),
                "-r",
                req_file,
            ],
            "Resolving the build requirements",
        )
        return tuple(_downloaded(target))

    def fetch(self, pins: Sequence[LockedPin], python: str) -> tuple[PinnedFile, ...]:
        files = _named_files(pins)
        unnamed = [p for p in pins if not p.wheels]
        if unnamed:
            target = Path(tempfile.mkdtemp(prefix="pip-", dir=self._workdir))
            _run(
                [
                    *self._pip(),
                    "--python",
                    python,
                    "download",
                    "--no-deps",
                    "--only-binary",
                    ":all:",
                    "--require-hashes",
                    "--dest",
                    str(target),
                    "-r",
                    _pins_file(self._workdir, unnamed),
                ],
                "Fetching the locked build environment",
            )
            files += _downloaded(target)
        return _check_locked(pins, files)

    def install(self, files: Sequence[PinnedFile], python: str) -> None:
        if not files:
            return
        lines = "".join(f"{f.location} --hash=sha256:{f.sha256}\n" for f in files)
        req_file = _scratch_file(self._workdir, ".txt", lines)
        _run(
            [
                *self._pip(),
                "--python",
                python,
                "install",
                "--no-index",
                "--no-deps",
                "--require-hashes",
                "--no-compile",
                "--no-warn-script-location",
                "-r",
                req_file,
            ],
            "Installing the build environment",
            _INSTALL_HINT,
        )


class UvInstaller(_CachedResolver):
    """uv: ``uv pip compile --format pylock.toml`` names every candidate wheel with its
    sha256; chainproof picks the one this interpreter installs (best tag first) and has
    ``uv pip install --require-hashes --no-deps`` fetch exactly that URL."""

    name = "uv"

    def __init__(self, binary: str, workdir: Path) -> None:
        super().__init__(workdir)
        self._binary = binary

    def version(self) -> str:
        out = _run([self._binary, "--version"], "uv --version").split()
        return out[1] if len(out) > 1 else "unknown"

    def _compile(self, requirements_file: str, python: str, what: str, *options: str) -> str:
        """``uv pip compile`` to a pylock.toml naming every candidate wheel with its sha256."""
        command = [self._binary, "pip", "compile", requirements_file, *options]
        command += ["--format", "pylock.toml", "--only-binary", ":all:", "--python", python]
        return _run([*command, "--no-header", "--quiet"], what)

    def _resolve(self, requirements: Collection[str], python: str) -> tuple[PinnedFile, ...]:
        req_name = _scratch_file(self._workdir, ".in", _requirement_lines(requirements))
        text = self._compile(req_name, python, "Resolving the build requirements")
        return tuple(sorted(_wheels_of(text), key=PinnedFile.sort_key))

    def fetch(self, pins: Sequence[LockedPin], python: str) -> tuple[PinnedFile, ...]:
        files = _named_files(pins)
        unnamed = {p.key: p for p in pins if not p.wheels}
        if unnamed:
            pins_file = _pins_file(self._workdir, list(unnamed.values()))
            text = self._compile(
                pins_file, python, "Fetching the locked build environment", "--no-deps"
            )
            files += _wheels_of(text, {k: p.sha256 for k, p in unnamed.items()})
        return _check_locked(pins, files)

    def install(self, files: Sequence[PinnedFile], python: str) -> None:
        if not files:
            return
        lines = "".join(f"{f.name} @ {f.location} --hash=sha256:{f.sha256}\n" for f in files)
        req_name = _scratch_file(self._workdir, ".txt", lines)
        _run(
            [
                self._binary,
                "pip",
                "install",
                "--python",
                python,
                "--no-deps",
                "--require-hashes",
                "--quiet",
                "-r",
                req_name,
            ],
            "Installing the build environment",
            _INSTALL_HINT,
        )


def _wheels_of(text: str, allowed: dict[str, frozenset[str]] | None = None) -> list[PinnedFile]:
    """The chosen wheel of each package of a pylock.toml uv printed; with ``allowed``, only
    wheels whose sha256 is allowed for their (normalised) name are candidates."""
    try:
        packages = tomllib.loads(text).get("packages", [])
        return [
            _choose_wheel(
                p, None if allowed is None else allowed.get(str(canonicalize_name(p["name"])))
            )
            for p in packages
        ]
    except (tomllib.TOMLDecodeError, KeyError, TypeError) as exc:
        raise InfrastructureError(f"uv returned a lock chainproof cannot read: {exc}.") from exc


def _choose_wheel(package: dict[str, object], allowed: frozenset[str] | None = None) -> PinnedFile:
    """The wheel of one pylock package that this interpreter prefers (sys_tags order), among
    those whose sha256 is ``allowed`` when that is given."""

    # The build environment is a venv of this very interpreter, so its tags are ours.
    rank = {tag: index for index, tag in enumerate(sys_tags())}
    best: tuple[int, PinnedFile] | None = None
    wheels = package.get("wheels", [])
    if not isinstance(wheels, list):
        raise TypeError("wheels")
    for wheel in wheels:
        url = str(wheel.get("url") or wheel.get("path"))
        filename = str(wheel.get("name") or unquote(urlsplit(url).path).rsplit("/", 1)[-1])
        sha256 = wheel.get("hashes", {}).get("sha256")
        name, version, tags = _parse_wheel(filename)
        score = min((rank[t] for t in tags if t in rank), default=None)
        if score is None or not isinstance(sha256, str):
            continue
        if allowed is not None and sha256.lower() not in allowed:
            continue
        pinned = PinnedFile(
            name,
            version,
            filename,
            sha256.lower(),
            url,
            url if not url.startswith("file:") else None,
        )
        if best is None or score < best[0]:
            best = (score, pinned)
    if best is None and allowed is not None:
        raise InfrastructureError(
            f"The index serves no wheel of {package.get('name')} {package.get('version')} for "
            "this Python whose sha256 the build lock allows.",
            hint=_INSTALL_HINT,
        )
    if best is None:
        raise InfrastructureError(
            f"No wheel of {package.get('name')} {package.get('version')} fits this Python.",
            hint="Build requirements must be available as wheels with sha256 hashes.",
        )
    return best[1]


def find_uv() -> str | None:
    """The uv binary: the one installed with chainproof, else $UV, else uv on PATH."""
    try:
        import uv

        return str(uv.find_uv_bin())
    except (ImportError, FileNotFoundError):
        return shutil.which(os.environ.get("UV") or "uv")


def choose_installer(name: str, workdir: Path) -> Installer:
    """``auto`` means uv when its binary is found, pip otherwise."""
    if name not in INSTALLER_NAMES:
        raise InputError(f"Unknown installer {name!r}; use one of {', '.join(INSTALLER_NAMES)}.")
    if name in ("auto", "uv"):
        binary = find_uv()
        if binary is not None:
            return UvInstaller(binary, workdir)
        if name == "uv":
            raise InfrastructureError(
                "--installer uv was asked for but no uv binary was found.",
                hint="Install uv, or pass --installer pip.",
            )
    return PipInstaller(workdir)


class LockedInstaller:
    """An installer that resolves nothing: each set of requirements is checked against the
    build lock, and the environment is always the lock's files (fetched once per build)."""

    def __init__(self, inner: Installer, lock: BuildLock) -> None:
        self._inner = inner
        self.lock = lock
        self.name = inner.name
        self._files: tuple[PinnedFile, ...] | None = None

    def version(self) -> str:
        return self._inner.version()

    def resolve(self, requirements: Collection[str], python: str) -> tuple[PinnedFile, ...]:
        self.lock.check_satisfies(requirements, "build requirement")
        if self._files is None:
            self._files = self._inner.fetch(self.lock.pins, python)
        return self._files

    def install(self, files: Sequence[PinnedFile], python: str) -> None:
        self._inner.install(files, python)

    def fetch(self, pins: Sequence[LockedPin], python: str) -> tuple[PinnedFile, ...]:
        return self._inner.fetch(pins, python)
