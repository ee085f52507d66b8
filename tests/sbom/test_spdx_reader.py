"""Reading SPDX 2.3 JSON back: chainproof's own gives the inventory its CycloneDX gives; syft's
shape (document root, DEPENDENCY_OF, cpe references, files) reads as an inventory too."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from chainproof.errors import InputError
from chainproof.formats.cyclonedx.writer import render as render_cdx
from chainproof.formats.sbom_files import artifact_hashes, distribution_files, read_sbom_file
from chainproof.formats.sbom_plan import RenderOptions
from chainproof.formats.spdx.writer import render as render_spdx
from chainproof.models import SourceResult
from chainproof.progress import NullReporter
from chainproof.sbom.target import TargetPlatform
from chainproof.sbom.uvlock import UvLockSource
from tests.sbom.test_cyclonedx import small_result

ASSETS = Path(__file__).parent.parent / "assets" / "sbom"
SYFT = ASSETS / "syft-venv.spdx.json"


def _both(result: SourceResult, tmp_path: Path) -> tuple[SourceResult, SourceResult, Path, Path]:
    cdx, spdx = tmp_path / "sbom.cdx.json", tmp_path / "sbom.spdx.json"
    cdx.write_text(render_cdx(result, RenderOptions()).text)
    spdx.write_text(render_spdx(result, RenderOptions("2.3", "spdx-json")).text)
    return read_sbom_file(cdx), read_sbom_file(spdx), cdx, spdx


@pytest.mark.parametrize("name", ["small", "uv.lock"])
def test_chainproofs_spdx_reads_back_as_its_cyclonedx(name: str, tmp_path: Path) -> None:
    result = (
        small_result()
        if name == "small"
        else UvLockSource(ASSETS / "proj1-uv.lock").read(
            TargetPlatform.for_python("3.12", ["manylinux_2_28_x86_64"]), NullReporter()
        )
    )
    cdx, spdx, cdx_path, spdx_path = _both(result, tmp_path)
    assert spdx.inventory == cdx.inventory
    assert spdx.unchecked == cdx.unchecked
    assert spdx.sbom is not None
    assert cdx.sbom is not None
    assert (spdx.sbom.format, spdx.sbom.spec_version) == ("spdx", "2.3")
    assert spdx.sbom.subject == cdx.sbom.subject
    assert distribution_files(spdx.sbom, spdx_path) == distribution_files(cdx.sbom, cdx_path)
    assert artifact_hashes(spdx.sbom.data) == artifact_hashes(cdx.sbom.data)


def test_the_release_is_the_subject_not_a_component(tmp_path: Path) -> None:
    _, spdx, _, _ = _both(small_result(), tmp_path)
    assert spdx.sbom is not None
    subject = spdx.sbom.subject
    assert subject is not None
    assert (subject.name, subject.version) == ("release", "3.0")
    assert "release" not in {c.key for c in spdx.inventory.components}
    assert artifact_hashes(spdx.sbom.data) == {"e" * 64}
    assert {c.key for c in spdx.inventory.components if c.build_only} == {"hatchling"}


def test_a_syft_sbom_is_an_inventory() -> None:
    result = read_sbom_file(SYFT)
    found = {(c.name, c.version, c.direct) for c in result.inventory.components}
    assert found == {
        ("certifi", "2024.2.2", False),
        ("charset-normalizer", "3.3.2", False),
        ("idna", "3.6", False),
        ("urllib3", "2.2.1", False),
        ("requests", "2.31.0", True),
        ("pip", "24.0", True),
    }
    assert result.inventory.graph.dependencies_of("requests") == (
        "certifi",
        "charset-normalizer",
        "idna",
        "urllib3",
    )
    assert result.unchecked == (("python", "not a PyPI package (purl pkg:generic/python@3.11.9)"),)
    assert result.sbom is not None
    assert result.sbom.subject is None  # syft's document root is a directory, not a package
    files = distribution_files(result.sbom, SYFT)
    assert {(f.name, f.url, f.sha256) for f in files} >= {("requests", None, None)}


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ({"spdxVersion": "SPDX-2.1", "packages": []}, "is SPDX-2.1; chainproof reads SPDX 2.2"),
        ({"spdxVersion": "SPDX-2.3", "packages": [{"name": "x"}]}, "a package has no SPDXID"),
        (
            {"spdxVersion": "SPDX-2.3", "relationships": [{"spdxElementId": "a"}]},
            "a relationship is incomplete",
        ),
        (
            {"@context": "https://spdx.org/rdf/3.0.1/spdx-context.jsonld", "@graph": []},
            "is SPDX 3 JSON-LD; chainproof reads SPDX 2.2 and 2.3 JSON",
        ),
        ({"spdxVersion": "SPDX-2.3", "packages": 5}, "a package has no SPDXID"),
        ({"hello": 1}, 'nor an SPDX one (no "spdxVersion")'),
    ],
)
def test_bad_spdx_is_one_input_error(tmp_path: Path, document: object, message: str) -> None:
    path = tmp_path / "bad.spdx.json"
    path.write_text(json.dumps(document))
    with pytest.raises(InputError) as caught:
        read_sbom_file(path)
    assert message in caught.value.message
