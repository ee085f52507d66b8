"""The registry of inventory sources: each input a package inventory is read from, by kind.

``chainproof sbom``, ``audit`` and ``verify-env`` open their input here, so a new input is
added once (a class with ``description`` and ``read``, see :mod:`chainproof.sbom.sources`,
and a line in ``open_source``) and every command reads it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from chainproof.errors import InputError
from chainproof.formats.cyclonedx.reader import read_sbom
from chainproof.models import Inventory, SourceResult
from chainproof.progress import NullReporter, Reporter
from chainproof.sbom.dist import DistSource
from chainproof.sbom.env_source import EnvironmentSource, venv_interpreter
from chainproof.sbom.index_metadata import IndexMetadata
from chainproof.sbom.installed import InstalledEnvironment
from chainproof.sbom.pylock import PylockSource
from chainproof.sbom.requirements import RequirementsSource
from chainproof.sbom.sources import InventorySource
from chainproof.sbom.target import TargetPlatform
from chainproof.sbom.uvlock import UvLockSource

__all__ = [
    "INPUT_KINDS",
    "SbomSource",
    "SourceOptions",
    "open_source",
    "read_environment",
    "read_pylock",
    "read_requirements",
    "read_uv_lock",
]

INPUT_KINDS = ("dist", "pylock", "uv-lock", "requirements", "env", "sbom")


@dataclass(frozen=True)
class SourceOptions:
    """How an input is read; each source uses the options that apply to it (``chainproof
    sbom`` refuses the others before it opens the source)."""

    extras: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()
    offline: bool = False  # no package index: pins and hashes from the input only
    allow_modified: bool = False  # env: RECORD mismatches are warnings, not errors
    with_metadata: bool = False  # locks: licences from the index
    index_args: tuple[str, ...] = ()
    # Every package a lock pins, whatever its markers (an audit: each pin ships somewhere).
    every_package: bool = False
    verify_record: bool = True  # env: check every installed file against RECORD
    environment: InstalledEnvironment | None = None  # env: an environment already probed


@dataclass(frozen=True)
class SbomSource:
    """A CycloneDX JSON SBOM read back (:mod:`chainproof.formats.cyclonedx.reader`)."""

    path: Path

    @property
    def description(self) -> str:
        return str(self.path)

    def read(self, target: TargetPlatform, reporter: Reporter) -> SourceResult:
        return read_sbom(self.path)


def open_source(kind: str, value: str | Path, options: SourceOptions) -> InventorySource:
    """The source of ``kind`` (one of INPUT_KINDS) reading ``value`` (a path, or an
    interpreter or virtual environment for ``env``)."""
    path = Path(value)
    if kind == "pylock":
        # Locks name each file: its metadata comes from the index in parallel (PEP 658),
        # pip only reads what that cannot serve (index_metadata.py says why).
        return PylockSource(
            path,
            options.extras,
            options.groups or None,
            None if options.offline else IndexMetadata(options.index_args),
            licenses=options.with_metadata,
            every_package=options.every_package,
        )
    if kind == "uv-lock":
        metadata = IndexMetadata(options.index_args) if options.with_metadata else None
        return UvLockSource(
            path, options.extras, options.groups, metadata, every_package=options.every_package
        )
    if kind == "requirements":
        return RequirementsSource(
            path, not options.offline, options.index_args, every_package=options.every_package
        )
    if kind == "env":
        return EnvironmentSource(
            venv_interpreter(str(value)),
            options.verify_record,
            options.allow_modified,
            environment=options.environment,
        )
    if kind == "dist":
        no_index = ("--no-index",) if options.offline else ()
        return DistSource(path, options.extras, (*options.index_args, *no_index))
    if kind == "sbom":
        return SbomSource(path)
    raise InputError(f"Unknown input kind {kind!r}.")


def _inventory(
    kind: str, value: str | Path, target: TargetPlatform | None, options: SourceOptions
) -> Inventory:
    source = open_source(kind, value, options)
    return source.read(target or TargetPlatform.current(), NullReporter()).inventory


def read_pylock(path: Path, target: TargetPlatform | None = None) -> Inventory:
    """The packages of a pylock.toml that ``target`` installs (default: this interpreter)."""
    return _inventory("pylock", path, target, SourceOptions(offline=True))


def read_uv_lock(path: Path, target: TargetPlatform | None = None) -> Inventory:
    return _inventory("uv-lock", path, target, SourceOptions(offline=True))


def read_requirements(path: Path, target: TargetPlatform | None = None) -> Inventory:
    return _inventory("requirements", path, target, SourceOptions(offline=True))


def read_environment(
    python: str | Path, verify: bool = False, environment: InstalledEnvironment | None = None
) -> Inventory:
    """Every distribution of the environment of ``python`` with its graph for that interpreter.

    With ``verify`` the RECORD check runs too and a problem raises VerificationFailed.
    ``environment``: the result of ``inspect_environment(python)`` when the caller has it,
    so the interpreter is probed once.
    """
    options = SourceOptions(offline=True, verify_record=verify, environment=environment)
    return _inventory("env", python, None, options)
