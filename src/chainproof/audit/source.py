"""The plug point for advisory data: ``run_audit`` reads advisories through an
``AdvisorySource``; the offline SQLite database (:class:`chainproof.audit.db.AdvisoryDB`) is
one. Another source (a live OSV query, a vendor feed) implements the same two members."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Protocol

from chainproof.audit.db import DbStatus
from chainproof.formats.osv import Advisory, AffectedPackage

__all__ = ["AdvisorySource"]


class AdvisorySource(Protocol):
    @property
    def status(self) -> DbStatus:
        """Where the advisories come from and how fresh they are."""
        ...

    def advisories_for(
        self, packages: Iterable[str]
    ) -> Mapping[str, Sequence[tuple[Advisory, AffectedPackage]]]:
        """Every advisory (withdrawn ones included) for each normalised package name."""
        ...
