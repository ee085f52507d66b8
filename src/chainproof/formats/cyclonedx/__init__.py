"""CycloneDX: ``writer`` renders an inventory (cyclonedx-python-lib), ``schema`` validates
JSON and XML strictly before anything is written, ``reader`` reads an SBOM back."""

from chainproof.lazy import submodule_loader

__getattr__ = submodule_loader(__name__)  # submodules load on first use
