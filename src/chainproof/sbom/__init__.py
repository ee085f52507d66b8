"""SBOM stage: inventory sources (a build, lock files, an installed environment) → CycloneDX.

Public modules (stable names, reused by verify and audit):

- :mod:`chainproof.sbom.target`: the interpreter/platform a graph is evaluated for.
- :mod:`chainproof.sbom.sources`: the ``InventorySource`` protocol and one reader per source
  (``read_pylock``, ``read_uv_lock``, ``read_requirements``, ``read_environment``).
- :mod:`chainproof.sbom.installed`: installed-environment probe and RECORD verification
  (``inspect_environment``, ``verify_environment``).
- :mod:`chainproof.formats.cyclonedx`: CycloneDX assembly, validation and serialisation.

Nothing here imports a heavy library at module level.
"""

from __future__ import annotations

__all__: list[str] = []
