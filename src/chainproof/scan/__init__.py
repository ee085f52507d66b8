"""Scan stage: secrets, credential files and stray files in the wheels and sdists we ship.

- :mod:`chainproof.scan.run`: ``scan_artifacts``, the entry point of ``chainproof scan`` and
  of the release's scan stage (``ScanRequest`` → ``ScanReport``).
- :mod:`chainproof.scan.secrets`: the secret detectors.
- :mod:`chainproof.scan.files`: credential files and stray files, by member name.
- :mod:`chainproof.scan.report`: ``ScanFinding``, ``ScanReport``, exceptions by fingerprint.
- :mod:`chainproof.scan.formats`: the output formats.
"""

from __future__ import annotations

from chainproof.lazy import submodule_loader

__all__: list[str] = []

__getattr__ = submodule_loader(__name__)  # submodules load on first use
