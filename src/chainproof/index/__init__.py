"""Index layer: what package indexes serve, for the stages that check against them (audit:
each locked file's sha256 and the indexes that serve a name; sbom: the fast path).

- :mod:`chainproof.index.client`: ``IndexClient``, project pages (PEP 691 JSON or PEP 503
  HTML) and file digests over one HTTP session, concurrently; faults are exit 3.
- :mod:`chainproof.index.listing`: ``ProjectListing`` and ``IndexFile``, chainproof's own view
  of a project page.
- :mod:`chainproof.index.credentials`: credentials for an index URL from the URL, pip's and
  uv's settings, and netrc.
"""

from __future__ import annotations

from chainproof.lazy import submodule_loader

__all__: list[str] = []

__getattr__ = submodule_loader(__name__)  # submodules load on first use
