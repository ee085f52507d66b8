"""SPDX: ``writer`` renders an inventory as SPDX 2.3 JSON (``v2``, spdx-tools) or SPDX 3.0.1
JSON-LD (``v3``, spdx-python-model), validated before anything is written; ``reader`` reads an
SPDX 2.3 JSON SBOM back (chainproof's, syft's)."""

from chainproof.lazy import submodule_loader

__getattr__ = submodule_loader(__name__)  # submodules load on first use
