"""Audit stage: an offline OSV advisory database and dependency audits against it.

Public modules (the OSV records and the ``[audit]`` policy are read in
:mod:`chainproof.formats.osv` and :mod:`chainproof.formats.audit_policy`):

- :mod:`chainproof.audit.run`: the entry point of ``chainproof audit`` and of the gate.
- :mod:`chainproof.audit.gate`: the release's audit stage.
- :mod:`chainproof.audit.source`: ``AdvisorySource``, where advisories come from.
- :mod:`chainproof.audit.db`: the SQLite database (``build_database``, ``AdvisoryDB``).
- :mod:`chainproof.audit.update`: downloading OSV's PyPI export.
- :mod:`chainproof.audit.matching`: OSV range semantics with PEP 440 ordering.
- :mod:`chainproof.audit.severity`: CVSS and database ratings.
- :mod:`chainproof.audit.inputs`: what is audited (SBOM, lock, requirements, environment).
- :mod:`chainproof.audit.remediation`: upgrade proposals.
- :mod:`chainproof.audit.engine`: ``run_audit`` → :mod:`chainproof.audit.report`.
- :mod:`chainproof.audit.formats`: the output formats (``chainproof.rendering.OutputFormat``).
- :mod:`chainproof.audit.fix`: ``audit --fix``, from findings to a tested lock upgrade.
"""

from __future__ import annotations

from chainproof.lazy import submodule_loader

__all__: list[str] = []

__getattr__ = submodule_loader(__name__)  # submodules load on first use
