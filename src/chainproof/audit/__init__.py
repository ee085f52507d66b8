"""Audit stage: an offline OSV advisory database and dependency audits against it.

Public modules:

- :mod:`chainproof.formats.osv`: OSV records (JSON or YAML) → ``Advisory``; reading sources.
- :mod:`chainproof.audit.db`: the SQLite database (``build_database``, ``AdvisoryDB``).
- :mod:`chainproof.audit.update`: downloading OSV's PyPI export.
- :mod:`chainproof.audit.matching`: OSV range semantics with PEP 440 ordering.
- :mod:`chainproof.audit.severity`: CVSS and database ratings.
- :mod:`chainproof.formats.audit_policy`: ``[audit]`` policy and exceptions.
- :mod:`chainproof.audit.inputs`: what is audited (SBOM, lock, requirements, environment).
- :mod:`chainproof.audit.remediation`: upgrade proposals.
- :mod:`chainproof.audit.engine`: ``run_audit`` → :mod:`chainproof.audit.report`.
- :mod:`chainproof.audit.formats`: the ``OutputFormat`` protocol and its implementations.
"""

from __future__ import annotations

from chainproof.lazy import submodule_loader

__all__: list[str] = []

__getattr__ = submodule_loader(__name__)  # submodules load on first use
