"""Reproducible builds: sdist and wheel of a git checkout in fresh, isolated environments
whose every installed file is recorded in build-record.json.

Import from the submodules (``chainproof.build.project`` and friends); this package stays
empty so that importing it costs nothing.
"""

from __future__ import annotations

__all__: list[str] = []
