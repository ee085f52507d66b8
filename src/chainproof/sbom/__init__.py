"""SBOM stage: an inventory from a build, a lock file, an installed environment or an SBOM,
rendered as CycloneDX (:mod:`chainproof.formats.cyclonedx`).

- :mod:`chainproof.sbom.make`: the use case behind ``chainproof sbom`` (``write_sbom``).
- :mod:`chainproof.sbom.inputs`: the registry of inventory sources, used by sbom, audit and
  verify-env; :mod:`chainproof.sbom.sources`: their protocol.
- sources: ``dist`` (a release), ``pylock``, ``uvlock``, ``requirements``, ``env_source``;
  :mod:`chainproof.sbom.closure`: a release's runtime closure from its project's lock.
- :mod:`chainproof.sbom.target`: the interpreter/platform a graph is evaluated for.
- :mod:`chainproof.sbom.installed`: installed-environment probe and RECORD verification.
- :mod:`chainproof.sbom.graph`, ``resolve``, ``index_metadata``, ``metadata``: edges,
  resolution through pip, PEP 658 metadata, licences.
"""

from __future__ import annotations

from chainproof.lazy import submodule_loader

__all__: list[str] = []

__getattr__ = submodule_loader(__name__)  # submodules load on first use
