"""Inventory sources: one reader per input, all returning ``chainproof.models.Inventory``.

Stable public API (verify and audit reuse it; names do not change):

- ``InventorySource``: the plug point. ``read(target, reporter) -> SourceResult``.
- ``SourceResult``: ``inventory`` (root, components, graph) plus per-component ``details``
  (PEP 770 SBOMs, extra properties) and ``warnings`` for the CLI to show.
- Convenience readers returning just the Inventory, evaluated for ``target`` (default: the
  running interpreter, ``Target.current()``):
  ``read_pylock(path)``, ``read_uv_lock(path)``, ``read_requirements(path)``,
  ``read_environment(python)`` (``Target`` of that interpreter; RECORD checks are in
  :mod:`chainproof.sbom.installed`).

Semantics shared by all sources: components are keyed by PEP 503 name; the graph's edges come
from the lock when it records them (uv.lock ``dependencies``, pylock ``dependencies``,
requirements ``# via`` annotations), else from the packages' Requires-Dist with markers and
extras evaluated for the target. ``Component.hashes`` holds the sha256 of the one file the
target would install when the lock names its files; a requirements file lists hashes without
file names, so there every listed hash is kept (candidates) unless a resolution picked one.
Malformed input raises ``InputError`` (exit 2) with one sentence.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from chainproof.models import Component, Inventory
from chainproof.progress import NullReporter, Reporter
from chainproof.sbom.target import Target

if TYPE_CHECKING:
    from chainproof.sbom.installed import InstalledEnvironment

__all__ = [
    "ComponentDetails",
    "EmbeddedSbom",
    "InventorySource",
    "SourceResult",
    "read_environment",
    "read_pylock",
    "read_requirements",
    "read_uv_lock",
]


@dataclass(frozen=True, order=True)
class EmbeddedSbom:
    """A PEP 770 SBOM shipped in a distribution's ``.dist-info/sboms/``."""

    location: str  # "<wheel file>#<member>" or an absolute path in an environment
    sha256: str


@dataclass(frozen=True)
class ComponentDetails:
    embedded_sboms: tuple[EmbeddedSbom, ...] = ()
    properties: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class SourceResult:
    inventory: Inventory
    details: Mapping[Component, ComponentDetails] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()
    # Artifacts of the release (file name → sha256), for --dist only.
    artifacts: tuple[tuple[str, str], ...] = ()
    # Installed files checked against RECORD, for --env only (None: not verified).
    files_verified: int | None = None


class InventorySource(Protocol):
    """One input the SBOM can be made from."""

    @property
    def description(self) -> str: ...

    def read(self, target: Target, reporter: Reporter) -> SourceResult: ...


def read_pylock(path: Path, target: Target | None = None) -> Inventory:
    from chainproof.sbom.pylock import PylockSource

    return PylockSource(path).read(target or Target.current(), NullReporter()).inventory


def read_uv_lock(path: Path, target: Target | None = None) -> Inventory:
    from chainproof.sbom.uvlock import UvLockSource

    return UvLockSource(path).read(target or Target.current(), NullReporter()).inventory


def read_requirements(path: Path, target: Target | None = None) -> Inventory:
    from chainproof.sbom.requirements import RequirementsSource

    return RequirementsSource(path).read(target or Target.current(), NullReporter()).inventory


def read_environment(
    python: str | Path, verify: bool = False, environment: InstalledEnvironment | None = None
) -> Inventory:
    """Every distribution of the environment of ``python`` with its graph for that interpreter.

    With ``verify`` the RECORD check runs too and a problem raises VerificationFailed.
    ``environment``: the result of ``inspect_environment(python)`` when the caller has it,
    so the interpreter is probed once.
    """
    from chainproof.sbom.env_source import EnvironmentSource

    source = EnvironmentSource(str(python), verify, allow_modified=False, environment=environment)
    return source.read(Target.current(), NullReporter()).inventory
