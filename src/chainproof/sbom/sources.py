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

from typing import Protocol

from chainproof.models import SourceResult
from chainproof.progress import Reporter
from chainproof.sbom.target import TargetPlatform

__all__ = ["InventorySource"]


class InventorySource(Protocol):
    """One input an inventory is read from (a build, a lock, an environment, an SBOM)."""

    @property
    def description(self) -> str: ...

    def read(self, target: TargetPlatform, reporter: Reporter) -> SourceResult: ...
