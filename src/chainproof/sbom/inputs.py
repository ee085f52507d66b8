"""The registry of inventory sources: each input a package inventory is read from, by kind.

``chainproof sbom``, ``audit`` and ``verify-env`` open their input here, so a new input is
added once and every command reads it: a module with a source class (``description`` and
``read``, see :mod:`chainproof.sbom.sources`) and a factory ``(value, SourceOptions) ->
source``, and a line in ``_FACTORIES``.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import import_module
from pathlib import Path
from typing import TYPE_CHECKING, cast

from chainproof.errors import InputError
from chainproof.formats.sbom_files import read_sbom_file
from chainproof.models import Inventory, SourceResult
from chainproof.progress import NullReporter, Reporter
from chainproof.sbom.sources import InventorySource, SourceFactory, SourceOptions
from chainproof.sbom.target import TargetPlatform

if TYPE_CHECKING:
    from chainproof.sbom.installed import InstalledEnvironment

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

# Each kind's factory, loaded when that input is read: `chainproof sbom --help` (and every
# command that reads one kind of input) imports none of the other sources.
_FACTORIES = {
    "dist": "chainproof.sbom.dist:open_dist",
    "pylock": "chainproof.sbom.pylock:open_pylock",
    "uv-lock": "chainproof.sbom.uvlock:open_uv_lock",
    "requirements": "chainproof.sbom.requirements:open_requirements",
    "env": "chainproof.sbom.env_source:open_environment",
}
INPUT_KINDS = (*_FACTORIES, "sbom")


@dataclass(frozen=True)
class SbomSource:
    """A CycloneDX JSON or SPDX 2.3 JSON SBOM read back (:mod:`chainproof.formats.sbom_files`)."""

    path: Path

    @property
    def description(self) -> str:
        return str(self.path)

    def read(self, target: TargetPlatform, reporter: Reporter) -> SourceResult:
        return read_sbom_file(self.path)


def open_source(kind: str, value: str | Path, options: SourceOptions) -> InventorySource:
    """The source of ``kind`` (one of INPUT_KINDS) reading ``value`` (a path, or an
    interpreter or virtual environment for ``env``)."""
    if kind == "sbom":
        return SbomSource(Path(value))
    spec = _FACTORIES.get(kind)
    if spec is None:
        raise InputError(f"Unknown input kind {kind!r}.")
    module, _, name = spec.partition(":")
    factory = cast(SourceFactory, getattr(import_module(module), name))
    return factory(value, options)


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
