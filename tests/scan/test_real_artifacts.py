"""False positives on real artifacts: the wheels and sdists of the 20 most-downloaded
projects, pinned (tests/scan/real_artifacts.py), through the release scan; and the wheels the
content check must pass without a high finding. Marked ``registry``: they download."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from chainproof.audit.checks.content import ContentCheck
from chainproof.audit.content_rules import scan_distribution
from chainproof.formats.scan_policy import ScanPolicy
from chainproof.scan.run import ScanRequest, scan_artifacts
from tests.scan.real_artifacts import CONTENT_WHEELS, MOST_DOWNLOADED, download

pytestmark = pytest.mark.registry

# Real private keys that urllib3's sdist ships for its test server (dummyserver/certs): a
# release scan of urllib3 rightly stops on them until its maintainers except them.
KNOWN = {
    ("secrets.private-key", "urllib3-2.3.0.tar.gz", "urllib3-2.3.0/dummyserver/certs/cacert.key"),
    ("secrets.private-key", "urllib3-2.3.0.tar.gz", "urllib3-2.3.0/dummyserver/certs/server.key"),
}


@pytest.fixture(scope="module")
def artifacts(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    root = tmp_path_factory.mktemp("real")
    return [p for name, version in MOST_DOWNLOADED for p in download(name, version, root / name)]


def test_the_release_scan_of_the_most_downloaded_projects(artifacts: list[Path]) -> None:
    assert len(artifacts) == 2 * len(MOST_DOWNLOADED)
    report = scan_artifacts(ScanRequest(tuple(artifacts)), policy=ScanPolicy(stray=False))
    counts = Counter(
        (f.id, "wheel" if f.archive.endswith(".whl") else "sdist", f.severity)
        for f in report.findings
    )
    print("findings per detector (id, archive kind, severity):", sorted(counts.items()))
    over = {(f.id, f.archive, f.member) for f in report.over_threshold}
    assert over == KNOWN
    assert not [f for f in report.findings if f.archive.endswith(".whl")]


def test_the_content_check_passes_the_common_wheels(artifacts: list[Path]) -> None:
    severity = {r.id: r.severity for r in ContentCheck.rules}
    wanted = {f"{n.replace('-', '_')}-{v}-" for n, v in CONTENT_WHEELS}
    wheels = [p for p in artifacts if p.suffix == ".whl" and p.name.startswith(tuple(wanted))]
    assert len(wheels) == len(CONTENT_WHEELS)
    for wheel in wheels:
        hits = scan_distribution(wheel)
        print(wheel.name, sorted(Counter(h.rule for h in hits).items()))
        high = [h for h in hits if severity[f"content.{h.rule}"] in ("high", "critical")]
        assert high == [], wheel.name
