"""audit.run: the one entry point of an audit reads advisories through the AdvisorySource
it is given, and gives the same report as through the database itself."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from chainproof.audit.db import AdvisoryDB, DbStatus
from chainproof.audit.run import AuditRequest, audit
from chainproof.formats.osv import Advisory, AffectedPackage
from tests.audit.conftest import AUDIT_ASSETS

SBOM = AUDIT_ASSETS / "app.cdx.json"


class RecordingSource:
    """An AdvisorySource over another one that records what was asked of it."""

    def __init__(self, inner: AdvisoryDB) -> None:
        self.inner = inner
        self.asked: list[str] = []

    @property
    def status(self) -> DbStatus:
        return self.inner.status

    def advisories_for(
        self, packages: Iterable[str]
    ) -> Mapping[str, Sequence[tuple[Advisory, AffectedPackage]]]:
        names = sorted(packages)
        self.asked += names
        return self.inner.advisories_for(names)


def test_an_advisory_source_serves_the_audit(snapshot_db: Path, tmp_path: Path) -> None:
    request = AuditRequest("sbom", SBOM, db=snapshot_db, max_db_age=100_000)
    with AdvisoryDB(snapshot_db) as database:
        source = RecordingSource(database)
        through_source = audit(
            AuditRequest("sbom", SBOM, max_db_age=100_000, advisories=source)
        ).report
        assert source.asked, "the audit asked the source for the SBOM's packages"
    through_db = audit(request).report
    assert [f.id for f in through_source.findings] == [f.id for f in through_db.findings]
    assert through_source.findings
