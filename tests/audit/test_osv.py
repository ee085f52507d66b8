from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from chainproof.errors import InputError
from chainproof.formats.osv import iter_source, parse_advisory
from tests.audit.conftest import EXTRA, SNAPSHOT


def test_yaml_keeps_timestamps_and_float_like_versions_as_written() -> None:
    docs = dict(iter_source(EXTRA))
    doc = docs[str(EXTRA / "PYSEC-0000-demo.yaml")]
    assert doc["modified"] == "2024-09-27T08:00:00Z"
    assert doc["affected"][0]["versions"] == ["1.10", "1.20"]
    advisory = parse_advisory(doc, "demo")
    assert advisory is not None
    assert advisory.affected[0].versions == ("1.10", "1.20")


def test_snapshot_tarball_is_read_member_by_member() -> None:
    origins = [origin for origin, _ in iter_source(SNAPSHOT)]
    assert len(origins) == 2661
    assert all(o.endswith(".yaml") for o in origins)


def test_record_for_another_ecosystem_only_is_skipped() -> None:
    doc = json.loads((EXTRA / "GHSA-demo-npm0-0003.json").read_text())
    assert parse_advisory(doc, "npm") is None


def test_names_are_normalised_and_severities_kept() -> None:
    doc = json.loads((EXTRA / "GHSA-demo-v4v4-0001.json").read_text())
    advisory = parse_advisory(doc, "v4")
    assert advisory is not None
    assert advisory.affected[0].package == "demo-pkg"
    assert advisory.severity[0][0] == "CVSS_V4"
    assert advisory.aliases == ("CVE-2099-0001",)


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        ([], "the document is not a mapping"),
        ({"modified": "2024-01-01T00:00:00Z"}, "no 'id'"),
        ({"id": "X-1", "modified": "2024-01-01T00:00:00Z", "affected": {}}, "not a list"),
        (
            {"id": "X-1", "modified": "2024-01-01T00:00:00Z", "affected": [{"ranges": []}]},
            "has no package",
        ),
    ],
)
def test_malformed_records_name_the_file(doc: object, message: str) -> None:
    with pytest.raises(InputError, match=message) as info:
        parse_advisory(doc, "vulns/x/X-1.json")
    assert "vulns/x/X-1.json" in info.value.message


def test_corrupt_json_and_yaml_give_one_sentence(tmp_path: Path) -> None:
    (tmp_path / "a.json").write_text('{"id": "X-1", ')
    with pytest.raises(InputError, match=r"a\.json is not valid JSON"):
        list(iter_source(tmp_path))
    (tmp_path / "a.json").unlink()
    (tmp_path / "b.yaml").write_text("id: [unclosed\n")
    with pytest.raises(InputError, match=r"b\.yaml is not valid YAML"):
        list(iter_source(tmp_path))


def test_zip_source_and_unreadable_archive(tmp_path: Path) -> None:
    archive = tmp_path / "all.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for path in sorted(EXTRA.glob("*.json")):
            zf.write(path, path.name)
        zf.writestr("notes.txt", "ignored")
    origins = [o for o, _ in iter_source(archive)]
    assert origins == [f"all.zip:{p.name}" for p in sorted(EXTRA.glob("*.json"))]
    garbage = tmp_path / "broken.zip"
    garbage.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(InputError, match=r"broken\.zip"):
        list(iter_source(garbage))
    with pytest.raises(InputError, match="does not exist"):
        list(iter_source(tmp_path / "missing"))


def test_no_range_and_no_versions_cannot_be_evaluated() -> None:
    doc = {
        "id": "X-2",
        "modified": "2024-01-01T00:00:00Z",
        "affected": [
            {
                "package": {"ecosystem": "PyPI", "name": "pkg"},
                "ranges": [
                    {
                        "type": "GIT",
                        "repo": "https://example.invalid/r.git",
                        "events": [{"introduced": "0"}, {"fixed": "abc123"}],
                    }
                ],
            }
        ],
    }
    advisory = parse_advisory(doc, "x")
    assert advisory is not None
    assert advisory.affected[0].unreadable == ("it has no ECOSYSTEM range and no versions list",)


@pytest.mark.parametrize(
    "doc",
    [
        {
            "id": "X",
            "modified": "m",
            "aliases": "CVE-1",
            "references": {"url": 1},
            "severity": {"type": "CVSS_V3"},
            "database_specific": [],
            "affected": [{"package": {"name": "p", "ecosystem": "PyPI"}, "ranges": "x"}],
        },
        {
            "id": "X",
            "modified": "m",
            "affected": [
                {
                    "package": {"name": "p", "ecosystem": "PyPI"},
                    "ranges": [
                        1,
                        {
                            "type": "ECOSYSTEM",
                            "events": [{"a": 1, "b": 2}, {"fixed": None}, {"weird": "1"}],
                        },
                    ],
                }
            ],
        },
        {"id": 5, "modified": 6, "affected": [{"package": {"name": 1, "ecosystem": "PyPI"}}]},
    ],
)
def test_odd_records_never_crash(doc: dict[str, object]) -> None:
    advisory = parse_advisory(doc, "odd")
    assert advisory is not None
    assert advisory.aliases == ()
    assert all(note for aff in advisory.affected for note in aff.unreadable)
