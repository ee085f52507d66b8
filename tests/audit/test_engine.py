from __future__ import annotations

from collections import defaultdict
from datetime import date
from pathlib import Path

import pytest

from chainproof.audit.db import AdvisoryDB
from chainproof.audit.engine import dependency_paths, run_audit
from chainproof.formats.audit_policy import AuditPolicy
from chainproof.models import DependencyGraph
from tests.audit.conftest import make_target

# Known-vulnerable pins and exactly the snapshot advisories whose ranges or version lists
# contain them (checked by hand against vulns/<package>/*.yaml).
EXPECTED = {
    ("requests", "2.2.1"): ["PYSEC-2014-13", "PYSEC-2014-14", "PYSEC-2015-17", "PYSEC-2018-28"],
    ("django", "4.2.14"): [
        "PYSEC-2024-102",
        "PYSEC-2024-67",
        "PYSEC-2024-68",
        "PYSEC-2024-69",
        "PYSEC-2024-70",
    ],
    ("jinja2", "2.10"): ["PYSEC-2019-217", "PYSEC-2021-66"],
    ("urllib3", "1.26.4"): ["PYSEC-2021-108", "PYSEC-2023-192", "PYSEC-2023-212"],
    ("pyyaml", "5.3"): ["PYSEC-2020-96", "PYSEC-2021-142"],
    ("pillow", "9.0.0"): ["PYSEC-2022-168", "PYSEC-2022-42979", "PYSEC-2023-175", "PYSEC-2023-227"],
    ("cryptography", "3.2"): ["PYSEC-2021-62", "PYSEC-2021-63", "PYSEC-2023-11", "PYSEC-2023-254"],
    ("flask", "0.12"): ["PYSEC-2018-66", "PYSEC-2019-179", "PYSEC-2023-62"],
    ("werkzeug", "2.1.0"): ["PYSEC-2022-203", "PYSEC-2023-221", "PYSEC-2023-57", "PYSEC-2023-58"],
    ("lxml", "4.6.2"): ["PYSEC-2021-19", "PYSEC-2021-852", "PYSEC-2022-230"],
    # PYSEC-2018-19's windows stop at 2.3.2 and PYSEC-2018-69's at 2.0.9: only one is left
    ("paramiko", "2.4.0"): ["PYSEC-2022-166"],
    ("numpy", "1.16.0"): ["PYSEC-2019-108", "PYSEC-2021-856", "PYSEC-2021-857"],
    # last_affected: 1.11.0 is the last affected release
    ("py", "1.11.0"): ["PYSEC-2022-42969"],
    # fixed in a post-release: 1.5.0 and 1.6.5 are still affected
    ("label-studio", "1.5.0"): ["PYSEC-2022-300"],
    ("beaker", "1.6.5"): ["PYSEC-2012-1", "PYSEC-2020-216"],
    # versions-only advisory (malicious release)
    ("gratient", "0.5"): ["PYSEC-2024-1"],
    # fixed in a pre-release
    ("invenio-previewer", "1.0.0a11"): ["PYSEC-2019-26"],
    ("setuptools", "65.5.0"): ["PYSEC-2022-43012"],
    ("pip", "21.0"): ["PYSEC-2021-437", "PYSEC-2023-228"],
    # PYSEC-2023-73 is withdrawn and never reported
    ("redis", "4.5.0"): ["PYSEC-2023-45", "PYSEC-2023-46"],
    ("aiohttp", "3.9.1"): ["PYSEC-2024-24", "PYSEC-2024-26"],
}

CLEAN = [
    ("requests", "2.32.3"),
    ("py", "1.11.1"),
    ("label-studio", "1.5.0.post0"),
    ("gratient", "0.6"),
    ("invenio-previewer", "1.0.0a12"),
    ("loguru", "0.5.3"),
    ("no-advisories-here", "1.0"),
]


def test_known_vulnerable_pins_match_the_ranges_exactly(snapshot: AdvisoryDB) -> None:
    report = run_audit(make_target([*EXPECTED, *CLEAN]), snapshot, AuditPolicy())
    found: dict[tuple[str, str], list[str]] = defaultdict(list)
    for finding in report.findings:
        found[(finding.component.name, finding.component.version)].append(finding.id)
    assert {k: sorted(v) for k, v in found.items()} == {k: sorted(v) for k, v in EXPECTED.items()}
    assert report.unchecked == ()
    assert report.checked == len(EXPECTED) + len(CLEAN)


def test_equivalent_spellings_of_a_version_match(snapshot: AdvisoryDB) -> None:
    report = run_audit(
        make_target([("gratient", "0.5.0"), ("Jinja2", "2.10.0"), ("requests", "2.3.0rc1")]),
        snapshot,
        AuditPolicy(),
    )
    ids = {(f.component.key, f.id) for f in report.findings}
    assert ("gratient", "PYSEC-2024-1") in ids
    assert ("jinja2", "PYSEC-2019-217") in ids
    # 2.3.0rc1 is before the 2.3.0 fix
    assert ("requests", "PYSEC-2014-13") in ids


def test_one_finding_per_vulnerability_with_every_id(combined: AdvisoryDB) -> None:
    report = run_audit(make_target([("requests", "2.2.1")]), combined, AuditPolicy())
    cve = [f for f in report.findings if "CVE-2014-1829" in f.ids]
    assert len(cve) == 1
    finding = cve[0]
    assert finding.id == "PYSEC-2014-13"
    assert set(finding.aliases) == {"CVE-2014-1829", "GHSA-cfj3-7x9c-4p3h"}
    # the GHSA record brings a CVSS v3 vector (7.5, high) and a database rating (moderate)
    assert (finding.rating.level, finding.rating.method, finding.rating.score) == (
        "high",
        "CVSSv31",
        7.5,
    )
    assert {r.method for r in finding.ratings} == {"CVSSv31", "database"}
    assert len(report.findings) == 4


def test_unrated_advisories_follow_the_policy(snapshot: AdvisoryDB) -> None:
    target = make_target([("requests", "2.2.1")])
    high = run_audit(target, snapshot, AuditPolicy())
    assert {(f.rating.level, f.rating.method) for f in high.findings} == {("high", "policy")}
    low = run_audit(target, snapshot, AuditPolicy(unrated="low", fail_on="medium"))
    assert {f.rating.level for f in low.findings} == {"low"}
    assert low.failure() is None


def test_cvss_v4_and_database_ratings(combined: AdvisoryDB) -> None:
    report = run_audit(
        make_target([("demo-pkg", "1.4.2"), ("Demo.Pkg", "2.0.0rc2")]), combined, AuditPolicy()
    )
    by_version = defaultdict(set)
    for f in report.findings:
        by_version[f.component.version].add((f.id, f.rating.level, f.rating.method))
    assert by_version["1.4.2"] == {
        ("GHSA-demo-v4v4-0001", "critical", "CVSSv4"),
        ("GHSA-demo-mod0-0002", "medium", "database"),
    }
    assert ("GHSA-demo-v4v4-0001", "critical", "CVSSv4") in by_version["2.0.0rc2"]


def test_packages_that_cannot_be_checked_are_reported(snapshot: AdvisoryDB) -> None:
    target = make_target([("steam", "1.0"), ("requests", "not-a-version"), ("flask", "")])
    report = run_audit(target, snapshot, AuditPolicy())
    reasons = {u.package: u.reason for u in report.unchecked}
    assert set(reasons) == {"steam", "requests", "flask"}
    assert reasons["steam"] == (
        "cannot be evaluated against PYSEC-2019-125 (a version or range is not PEP 440)"
    )
    assert "no version" in reasons["flask"]
    assert report.checked == 0
    assert report.failure() is None
    strict = run_audit(target, snapshot, AuditPolicy(unchecked="fail"))
    assert strict.failure() == "The audit failed: 3 package(s) could not be checked."


def test_dependency_paths_from_the_graph(snapshot: AdvisoryDB) -> None:
    target = make_target(
        [("myapp-lib", "1.0"), ("requests", "2.19.0"), ("urllib3", "1.26.4"), ("idna", "2.7")],
        edges=[("myapp-lib", ("requests",)), ("requests", ("idna", "urllib3"))],
    )
    report = run_audit(target, snapshot, AuditPolicy())
    paths = {f.component.key: f.path for f in report.findings}
    assert paths["urllib3"] == ("myapp-lib", "requests", "urllib3")
    assert paths["requests"] == ("myapp-lib", "requests")


def test_dependency_path_unreachable() -> None:
    graph = DependencyGraph(roots=("a",), edges=(("a", ("b",)), ("c", ("d",))))
    paths = dependency_paths(graph)
    assert paths["b"] == ("a", "b")
    assert paths["a"] == ("a",)
    assert "d" not in paths


def test_withdrawn_advisories_are_stored_but_never_reported(snapshot: AdvisoryDB) -> None:
    stored = {a.id: a for a, _ in snapshot.advisories_for(["redis", "loguru"])["redis"]}
    assert stored["PYSEC-2023-73"].withdrawn == "2023-06-06T10:37:00Z"
    loguru = {a.id: a for a, _ in snapshot.advisories_for(["loguru"])["loguru"]}
    assert loguru["PYSEC-2022-15"].withdrawn is not None
    # redis 1.34 is listed by the withdrawn PYSEC-2023-73 only; loguru 0.5.3 is in the
    # withdrawn PYSEC-2022-15's window (no ranges: all versions) and in no live advisory
    report = run_audit(
        make_target([("redis", "1.34"), ("loguru", "0.5.3")]), snapshot, AuditPolicy()
    )
    assert "PYSEC-2023-73" not in {f.id for f in report.findings}
    assert "PYSEC-2022-15" not in {f.id for f in report.findings}


def test_names_match_in_any_pep503_spelling(tmp_path: Path, snapshot: AdvisoryDB) -> None:
    """Component, advisory and exception each spell the package differently."""
    import json

    from chainproof.audit.db import build_database
    from chainproof.formats.audit_policy import AuditException
    from chainproof.formats.osv import iter_source

    source = tmp_path / "osv"
    source.mkdir()
    (source / "X-1.json").write_text(
        json.dumps(
            {
                "id": "X-1",
                "modified": "2024-01-01T00:00:00Z",
                "affected": [
                    {
                        "package": {"name": "Python_DateUtil", "ecosystem": "PyPI"},
                        "versions": ["2.8.0"],
                    }
                ],
            }
        )
    )
    path = tmp_path / "db.sqlite3"
    build_database(iter_source(source), path, "test")
    exception = AuditException("x-1", "python-dateutil", "r", "a", date(2099, 1, 1))
    with AdvisoryDB(path) as db:
        for spelling in ("python-dateutil", "python_dateutil", "Python.Dateutil"):
            report = run_audit(
                make_target([(spelling, "2.8.0")]), db, AuditPolicy(exceptions=(exception,))
            )
            assert [(f.id, f.suppressed) for f in report.findings] == [("X-1", True)], spelling
    report = run_audit(
        make_target([("DJANGO", "4.2.14"), ("JINJA2", "2.10")]), snapshot, AuditPolicy()
    )
    assert {f.component.key for f in report.findings} == {"django", "jinja2"}


def test_a_malformed_source_date_epoch_is_bad_usage(
    snapshot: AdvisoryDB, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As for `chainproof sbom`: one parser, one sentence, never silently the current time."""
    from chainproof.errors import UsageError

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "yesterday")
    with pytest.raises(UsageError, match="SOURCE_DATE_EPOCH"):
        run_audit(make_target([("idna", "3.10")]), snapshot, AuditPolicy())
