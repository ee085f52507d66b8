"""Inventory sources: one reader per input, all returning ``chainproof.models.Inventory``.

The plug point every input implements:

- ``InventorySource``: the plug point. ``read(target, reporter) -> SourceResult``.
- ``chainproof.models.SourceResult``: ``inventory`` (root, components, graph) plus
  per-component ``details`` (PEP 770 SBOMs, extra properties) and ``warnings`` for the CLI.
- The sources are opened by kind in :mod:`chainproof.sbom.inputs`, which also has
  convenience readers returning just the Inventory (``read_pylock`` and friends).

Semantics shared by all sources: components are keyed by PEP 503 name; the graph's edges come
from the lock when it records them (uv.lock ``dependencies``, pylock ``dependencies``,
requirements ``# via`` annotations), else from the packages' Requires-Dist with markers and
extras evaluated for the target. ``Component.hashes`` holds the sha256 of the one file the
target would install when the lock names its files; a requirements file lists hashes without
file names, so there every listed hash is kept (candidates) unless a resolution picked one.
Malformed input raises ``InputError`` (exit 2) with one sentence.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from chainproof.models import SourceResult
from chainproof.progress import Reporter
from chainproof.sbom.target import TargetPlatform

if TYPE_CHECKING:
    from chainproof.sbom.installed import InstalledEnvironment

__all__ = ["ClosureLock", "InventorySource", "SourceFactory", "SourceOptions"]


class InventorySource(Protocol):
    """One input an inventory is read from (a build, a lock, an environment, an SBOM)."""

    @property
    def description(self) -> str: ...

    def read(self, target: TargetPlatform, reporter: Reporter) -> SourceResult: ...


@dataclass(frozen=True)
class ClosureLock:
    """The lock a release's runtime closure is read from (``[sbom] lock``, chosen by
    :func:`chainproof.sbom.make.closure_lock`)."""

    path: Path
    kind: str  # "uv-lock" or "pylock"
    label: str  # how the SBOM names it: relative to the project when inside it, else its name
    note: str | None = None  # a warning about the choice (both default files exist)


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
    lock: ClosureLock | None = None  # dist: the runtime closure's lock; None: pip resolves it


class SourceFactory(Protocol):
    """What each source module offers the registry (``chainproof.sbom.inputs``): its source
    for one input, from the options that apply to it."""

    def __call__(self, value: str | Path, options: SourceOptions) -> InventorySource: ...
