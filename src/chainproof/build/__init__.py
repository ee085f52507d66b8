"""Reproducible builds: sdist and wheel of a git checkout in fresh, isolated environments
whose every installed file is recorded in build-record.json.

Import from the submodules (``chainproof.build.project`` and friends); this package stays
empty so that importing it costs nothing (the CLI reaches submodules as attributes, loaded on
first use: chainproof.lazy).
"""

from __future__ import annotations

from chainproof.lazy import submodule_loader

__all__: list[str] = []

__getattr__ = submodule_loader(__name__)  # submodules load on first use
