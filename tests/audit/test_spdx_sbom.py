"""audit of an SPDX SBOM: the same findings as of the CycloneDX SBOM of the same inventory;
a syft SBOM is audited too."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from chainproof.audit.run import AuditRequest, audit
from chainproof.formats.cyclonedx.writer import render as render_cdx
from chainproof.formats.sbom_plan import RenderOptions
from chainproof.formats.spdx.writer import render as render_spdx
from chainproof.models import Component, DependencyGraph, Digest, Inventory, SourceResult

SYFT = Path(__file__).parent.parent / "assets" / "sbom" / "syft-venv.spdx.json"
PINS = (("requests", "2.31.0"), ("urllib3", "2.2.1"), ("idna", "3.6"), ("certifi", "2024.2.2"))


def _inventory() -> SourceResult:
    runtime = tuple(
        Component(
            name,
            version,
            (Digest.sha256(f"{index:x}" * 64),),
            f"{name}-{version}-py3-none-any.whl",
            f"https://example.invalid/packages/{name}-{version}-py3-none-any.whl",
            license_expression="MPL-2.0" if name == "certifi" else "MIT",
        )
        for index, (name, version) in enumerate(PINS, start=1)
    )
    components = (
        *runtime,
        Component("setuptools", "65.5.0", (Digest.sha256("9" * 64),), build_only=True),
    )
    graph = DependencyGraph(("requests",), (("requests", ("certifi", "idna", "urllib3")),))
    root = Component("acme-app", "1.0")
    return SourceResult(
        Inventory(root, components, graph), artifacts=(("acme_app-1.0-py3-none-any.whl", "e" * 64),)
    )


def _findings(path: Path, db: Path, policy: Path | None = None) -> list[dict[str, Any]]:
    request = AuditRequest("sbom", path, db=db, policy=policy, max_db_age=100_000, offline=True)
    report = audit(request).report
    found = []
    for finding in report.findings:
        data = finding.to_json()
        data.pop("bom_ref", None)  # CycloneDX only: the component's bom-ref in that SBOM
        found.append(json.loads(json.dumps(data).replace(str(path), "SBOM")))
    assert report.checked
    return found


def test_spdx_and_cyclonedx_of_one_inventory_give_the_same_findings(
    snapshot_db: Path, tmp_path: Path
) -> None:
    result = _inventory()
    cdx, spdx = tmp_path / "sbom.cdx.json", tmp_path / "sbom.spdx.json"
    cdx.write_text(render_cdx(result, RenderOptions()).text)
    spdx.write_text(render_spdx(result, RenderOptions("2.3", "spdx-json")).text)
    policy = tmp_path / "chainproof.toml"
    policy.write_text('[audit.licenses]\ndeny = ["MPL-2.0"]\n', encoding="utf-8")
    from_cdx, from_spdx = _findings(cdx, snapshot_db, policy), _findings(spdx, snapshot_db, policy)
    assert from_spdx == from_cdx
    assert [f["package"] for f in from_cdx if f["id"] == "licenses.denied"] == ["certifi"]
    assert "idna" in {f["package"] for f in from_cdx}
    setuptools = [f for f in from_cdx if f["package"] == "setuptools"]
    assert setuptools  # the build environment is audited in both


def test_a_syft_sbom_is_audited(snapshot_db: Path) -> None:
    report = audit(AuditRequest("sbom", SYFT, db=snapshot_db, max_db_age=100_000, offline=True))
    names = {f.component.name for f in report.report.findings if f.check == "vulnerabilities"}
    assert "idna" in names  # PYSEC-2024-60
    unchecked = {(u.package, u.reason) for u in report.report.unchecked}
    assert ("python", "not a PyPI package (purl pkg:generic/python@3.11.9)") in unchecked
