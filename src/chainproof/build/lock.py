"""A build lock: the hash-pinned build environment (``--build-lock``, ``[build] build-lock``).

A build lock is a hash-pinned requirements file or a PEP 751 pylock.toml. With one, nothing is
resolved: every pin that applies to this interpreter is installed into each build
environment, and every file is checked against the lock's sha256. What the backend asks for
must be satisfied by the lock, else the build stops (exit 2) before the backend builds.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from packaging.pylock import (
    PackageWheel,
    Pylock,
    PylockSelectError,
    PylockUnsupportedVersionError,
    PylockValidationError,
)
from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import InvalidWheelFilename, canonicalize_name, parse_wheel_filename

from chainproof.errors import InputError, first_line
from chainproof.fileio import filename_of, load_toml, sha256_file
from chainproof.formats.requirements import parse_requirements
from chainproof.models import LockReference

__all__ = [
    "BuildLock",
    "LockedFile",
    "LockedPin",
    "build_lock_for",
    "format_build_lock",
    "read_build_lock",
]

_HINT = "Regenerate it with `chainproof lock-build PROJECT_DIR -o FILE`."


@dataclass(frozen=True)
class LockedFile:
    """A wheel a pylock.toml names: where it is and its sha256."""

    filename: str
    location: str  # URL or local path
    sha256: str


@dataclass(frozen=True)
class LockedPin:
    """One pinned distribution: the hashes it may have, and the wheels when the lock names
    them (a pylock.toml; a requirements file names no files, the index is asked)."""

    name: str
    version: str
    sha256: frozenset[str]
    wheels: tuple[LockedFile, ...] = ()

    @property
    def key(self) -> str:
        return str(canonicalize_name(self.name))


@dataclass(frozen=True)
class BuildLock:
    path: Path
    sha256: str  # of the lock file, for the build record
    pins: tuple[LockedPin, ...]  # those that apply to this interpreter, sorted by key

    def reference(self, base: Path) -> LockReference:
        """What the build record says: the path relative to ``base`` (the project) when it
        is inside, and the file's sha256."""
        path = self.path.absolute()
        try:
            shown = path.relative_to(base.absolute()).as_posix()
        except ValueError:
            shown = str(self.path)
        return LockReference(shown, self.sha256)

    def check_satisfies(self, requirements: Iterable[str], what: str) -> None:
        """Raise InputError naming the first requirement that no pin satisfies."""
        pinned = {p.key: p for p in self.pins}
        for text in sorted(requirements):
            try:
                requirement = Requirement(text)
            except InvalidRequirement as exc:
                raise InputError(f"The {what} {text!r} is not valid: {first_line(exc)}.") from exc
            if requirement.marker is not None and not requirement.marker.evaluate():
                continue
            pin = pinned.get(str(canonicalize_name(requirement.name)))
            if pin is None or not requirement.specifier.contains(pin.version, prereleases=True):
                found = f"it pins {pin.name} {pin.version}" if pin else "it has no such pin"
                raise InputError(
                    f"The build lock {self.path} does not satisfy the {what} {text!r} ({found}).",
                    _HINT,
                )


def read_build_lock(path: Path) -> BuildLock:
    """Read a build lock; an unpinned or unhashed entry is an InputError naming it."""
    if not path.is_file():
        raise InputError(f"The build lock {path} does not exist.", _HINT)
    pins = _pylock_pins(path) if path.suffix == ".toml" else _requirements_pins(path)
    keys = [p.key for p in pins]
    if duplicates := sorted({k for k in keys if keys.count(k) > 1}):
        raise InputError(f"The build lock {path} pins {duplicates[0]} more than once.", _HINT)
    return BuildLock(path, sha256_file(path), tuple(sorted(pins, key=lambda p: p.key)))


def build_lock_for(path: Path, build_requires: Iterable[str]) -> BuildLock:
    """The build lock at ``path``, checked to satisfy the project's build-system requires
    (before anything is built)."""
    lock = read_build_lock(path)
    lock.check_satisfies(build_requires, "build-system requirement")
    return lock


def format_build_lock(pins: Iterable[tuple[str, str, str]], project: str, python: str) -> str:
    """A hash-pinned requirements file of ``(name, version, sha256)`` pins: what
    ``chainproof lock-build`` writes and ``--build-lock`` reads."""
    lines = [
        f"# The build environment of {project}, written by `chainproof lock-build` for Python",
        f"# {python}: the backend's requirements and what it adds to build the sdist and the",
        "# wheel, with the sha256 of each file. Use: `chainproof build --build-lock FILE`.",
    ]
    for name, version, sha256 in sorted(pins, key=lambda p: (canonicalize_name(p[0]), p[1])):
        lines += [f"{name}=={version} \\", f"    --hash=sha256:{sha256}"]
    return "\n".join(lines) + "\n"


def _requirements_pins(path: Path) -> list[LockedPin]:
    pins = []
    for pin in parse_requirements(path):
        requirement = pin.requirement
        if requirement.marker is not None and not requirement.marker.evaluate():
            continue
        if not pin.hashes:
            raise InputError(
                f"The build lock {path} has no --hash for {requirement.name}=={pin.version}, "
                "so the file it installs cannot be checked.",
                _HINT,
            )
        digests = set()
        for entry in pin.hashes:
            algorithm, _, value = entry.partition(":")
            if algorithm == "sha256":
                digests.add(value.lower())
        if not digests:
            raise InputError(
                f"The build lock {path} has no sha256 hash for {requirement.name}.", _HINT
            )
        wheels: tuple[LockedFile, ...] = ()
        if requirement.url:  # `name @ URL --hash`: the lock names the file
            filename = filename_of(requirement.url) or ""
            wheels = tuple(LockedFile(filename, requirement.url, h) for h in sorted(digests))
        pins.append(LockedPin(requirement.name, pin.version, frozenset(digests), wheels))
    return pins


def _pylock_pins(path: Path) -> list[LockedPin]:
    """The wheel pylock's own selection picks for this interpreter, for each package."""
    data = load_toml(path, "build lock")
    try:
        selected = list(Pylock.from_dict(data).select())
    except (PylockSelectError, PylockUnsupportedVersionError, PylockValidationError) as exc:
        raise InputError(f"The build lock {path} cannot be used: {first_line(exc)}.") from exc
    pins = []
    for package, dist in selected:
        sha256 = dist.hashes.get("sha256") if isinstance(dist, PackageWheel) else None
        location = dist.url or dist.path if isinstance(dist, PackageWheel) else None
        if not isinstance(dist, PackageWheel) or not sha256 or not location:
            raise InputError(
                f"The build lock {path} names no wheel with a sha256 for {package.name} on "
                "this Python; a build environment is installed from hashed wheels only.",
                _HINT,
            )
        if dist.path and not dist.url:  # a relative path is relative to the lock
            location = str((path.parent / dist.path).absolute())
        wheel = LockedFile(dist.filename, location, sha256.lower())
        version = str(package.version) if package.version else _wheel_version(dist.filename)
        pins.append(LockedPin(package.name, version, frozenset([wheel.sha256]), (wheel,)))
    return pins


def _wheel_version(filename: str) -> str:
    try:
        return str(parse_wheel_filename(filename)[1])
    except InvalidWheelFilename as exc:
        raise InputError(f"{filename!r} is not a wheel file name.") from exc
