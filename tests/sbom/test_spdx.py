"""SPDX output: the same components, versions, hashes and edges as CycloneDX for every kind of
inventory; each document valid for its validator and byte-identical on a second run."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from spdx_python_model import v3_0_1 as spdx3
from spdx_tools.spdx.parser.jsonlikedict.json_like_dict_parser import JsonLikeDictParser
from spdx_tools.spdx.validation.document_validator import validate_full_spdx_document

from chainproof.errors import InputError
from chainproof.formats.cyclonedx.writer import render as render_cdx
from chainproof.formats.sbom_plan import RenderOptions
from chainproof.formats.spdx.writer import render as render_spdx
from chainproof.models import EnvironmentPackage, SourceResult
from chainproof.progress import NullReporter
from chainproof.sbom.dist import DistSource
from chainproof.sbom.env_source import EnvironmentSource
from chainproof.sbom.pylock import PylockSource
from chainproof.sbom.requirements import RequirementsSource
from chainproof.sbom.target import TargetPlatform
from chainproof.sbom.uvlock import UvLockSource
from tests.sbom.helpers import make_dist, make_env
from tests.sbom.test_cyclonedx import small_result

ASSETS = Path(__file__).parent.parent / "assets" / "sbom"
LINUX = TargetPlatform.for_python("3.12", ["manylinux_2_28_x86_64"])
BUILD_ENV = (
    EnvironmentPackage(
        "hatchling",
        "1.27.0",
        "hatchling-1.27.0-py3-none-any.whl",
        "1" * 64,
        "https://example.invalid/hatchling-1.27.0-py3-none-any.whl",
    ),
)

Node = tuple[str, str, frozenset[str], bool]  # purl, version, sha256s, build-only
Graph = tuple[frozenset[Node], frozenset[tuple[Node, Node]]]


def cyclonedx_graph(doc: dict[str, Any]) -> Graph:
    def node(c: dict[str, Any]) -> Node:
        hashes = frozenset(h["content"] for h in c.get("hashes", []))
        return (c["purl"], c.get("version", ""), hashes, c.get("scope") == "excluded")

    nodes = {c["bom-ref"]: node(c) for c in doc["components"]}
    if "component" in doc["metadata"]:
        root = doc["metadata"]["component"]
        nodes[root["bom-ref"]] = node(root)
    edges = {
        (nodes[d["ref"]], nodes[t]) for d in doc["dependencies"] for t in d.get("dependsOn", [])
    }
    return frozenset(nodes.values()), frozenset(edges)


def spdx2_graph(doc: dict[str, Any]) -> Graph:
    build = {
        r["spdxElementId"]
        for r in doc["relationships"]
        if r["relationshipType"] == "BUILD_DEPENDENCY_OF"
    }

    def node(p: dict[str, Any]) -> Node:
        purl = next(
            r["referenceLocator"] for r in p["externalRefs"] if r["referenceType"] == "purl"
        )
        hashes = frozenset(c["checksumValue"] for c in p.get("checksums", []))
        return (purl, p.get("versionInfo", ""), hashes, p["SPDXID"] in build)

    nodes = {p["SPDXID"]: node(p) for p in doc["packages"]}
    edges = {
        (nodes[r["spdxElementId"]], nodes[r["relatedSpdxElement"]])
        for r in doc["relationships"]
        if r["relationshipType"] == "DEPENDS_ON" and r["relatedSpdxElement"] != "NONE"
    }
    return frozenset(nodes.values()), frozenset(edges)


def spdx3_graph(doc: dict[str, Any]) -> Graph:
    graph = doc["@graph"]
    build = {
        t
        for n in graph
        if n["type"] == "LifecycleScopedRelationship" and n["scope"] == "build"
        for t in n["to"]
    }
    nodes = {
        n["spdxId"]: (
            n["software_packageUrl"],
            n.get("software_packageVersion", ""),
            frozenset(h["hashValue"] for h in n.get("verifiedUsing", [])),
            n["spdxId"] in build,
        )
        for n in graph
        if n["type"] == "software_Package"
    }
    edges = {
        (nodes[n["from"]], nodes[t])
        for n in graph
        if n["type"] == "Relationship" and n["relationshipType"] == "dependsOn"
        for t in n["to"]
        if t in nodes  # not NoneElement
    }
    return frozenset(nodes.values()), frozenset(edges)


def valid_spdx2(text: str) -> None:
    document = JsonLikeDictParser().parse(json.loads(text))
    assert validate_full_spdx_document(document, "SPDX-2.3") == []


def valid_spdx3(text: str) -> None:
    objects = spdx3.SHACLObjectSet()
    spdx3.JSONLDDeserializer().read(io.BytesIO(text.encode()), objects)
    # every reference resolves, but the SPDX licence list's own IRI for the data licence
    assert objects.link() == {"https://spdx.org/licenses/CC0-1.0"}
    again = spdx3.JSONLDSerializer().serialize_data(objects)
    assert {n.get("spdxId") for n in again["@graph"]} == {
        n.get("spdxId") for n in json.loads(text)["@graph"]
    }


def _dist(tmp: Path, wheelhouse: Path, wheel: Path) -> SourceResult:
    dist = make_dist(tmp / "dist", wheel, "app", "0.1", BUILD_ENV)
    source = DistSource(dist, (), ("--no-index", "--find-links", str(wheelhouse)))
    return source.read(TargetPlatform.current(), NullReporter())


def _env(tmp: Path, wheelhouse: Path, wheel: Path) -> SourceResult:
    python = make_env(tmp / "venv", wheelhouse, "app")
    return EnvironmentSource(str(python)).read(TargetPlatform.current(), NullReporter())


def _lock(kind: str) -> Callable[[Path, Path, Path], SourceResult]:
    def read(tmp: Path, wheelhouse: Path, wheel: Path) -> SourceResult:
        if kind == "uv.lock":
            return UvLockSource(ASSETS / "proj1-uv.lock").read(LINUX, NullReporter())
        if kind == "pylock":
            return PylockSource(ASSETS / "proj1-pylock.toml").read(LINUX, NullReporter())
        source = RequirementsSource(ASSETS / "proj1-requirements.txt")
        return source.read(LINUX, NullReporter())

    return read


INVENTORIES: dict[str, Callable[[Path, Path, Path], SourceResult]] = {
    "dist": _dist,
    "uv.lock": _lock("uv.lock"),
    "pylock": _lock("pylock"),
    "requirements": _lock("requirements"),
    "env": _env,
    "small": lambda tmp, wheelhouse, wheel: small_result(),
}


@pytest.mark.parametrize("name", sorted(INVENTORIES))
def test_spdx_carries_what_cyclonedx_carries_valid_and_byte_identical(
    name: str, tmp_path: Path, wheelhouse: Path, app_wheel: Path
) -> None:
    result = INVENTORIES[name](tmp_path, wheelhouse, app_wheel)
    cdx = json.loads(render_cdx(result, RenderOptions()).text)
    expected = cyclonedx_graph(cdx)
    assert expected[0]
    assert expected[1]  # the edges are compared too
    for spec, graph_of, valid in (
        ("2.3", spdx2_graph, valid_spdx2),
        ("3.0.1", spdx3_graph, valid_spdx3),
    ):
        options = RenderOptions(spec, "spdx-json", False, 1700000000)
        text = render_spdx(result, options).text
        valid(text)
        assert render_spdx(result, options).text == text
        assert graph_of(json.loads(text)) == expected, spec


def test_document_details() -> None:
    doc = json.loads(render_spdx(small_result(), RenderOptions("2.3", "spdx-json", True, 0)).text)
    assert doc["creationInfo"]["created"] == "1970-01-01T00:00:00Z"
    assert doc["documentNamespace"].startswith("https://chainproof.dev/spdx/release-3.0-")
    described = [r for r in doc["relationships"] if r["relationshipType"] == "DESCRIBES"]
    assert [r["relatedSpdxElement"] for r in described] == ["SPDXRef-Release-release-3.0"]
    by_name = {p["name"]: p for p in doc["packages"]}
    assert by_name["release"]["checksums"] == [{"algorithm": "SHA256", "checksumValue": "e" * 64}]
    foo = by_name["Foo_Bar"]
    assert foo["downloadLocation"] == "https://example.invalid/foo_bar-1.0-py3-none-any.whl"
    assert foo["packageFileName"] == "foo_bar-1.0-py3-none-any.whl"
    assert foo["licenseDeclared"] == "MIT"
    custom = by_name["zope.thing"]["licenseDeclared"]
    assert doc["hasExtractedLicensingInfos"] == [
        {"extractedText": "Custom", "licenseId": custom, "name": "Custom"}
    ]


def test_namespace_follows_content_and_time_follows_the_epoch() -> None:
    def render(result: SourceResult, epoch: int, spec: str = "2.3") -> dict[str, Any]:
        options = RenderOptions(spec, "spdx-json", True, epoch)
        return dict(json.loads(render_spdx(result, options).text))

    one, later = render(small_result(), 0), render(small_result(), 1700000000)
    assert one["documentNamespace"] == later["documentNamespace"]
    assert later["creationInfo"]["created"] == "2023-11-14T22:13:20Z"
    other = render(small_result(artifacts=(("release-3.0.tar.gz", "f" * 64),)), 0)
    assert other["documentNamespace"] != one["documentNamespace"]
    v3 = render(small_result(), 0, "3.0.1")
    ids = {n["spdxId"].split("#")[0] for n in v3["@graph"] if "spdxId" in n}
    assert len(ids) == 1
    assert ids.pop().startswith("https://chainproof.dev/spdx/release-3.0-")


def test_bad_spec_version_and_missing_hashes() -> None:
    with pytest.raises(InputError, match=r"SPDX 1\.6 is not supported; use 2\.3, 3\.0\.1"):
        render_spdx(small_result(), RenderOptions("1.6", "spdx-json"))
    result = small_result()
    bare = SourceResult(
        type(result.inventory)(
            None,
            tuple(replace(c, hashes=()) for c in result.inventory.components),
            result.inventory.graph,
        )
    )
    with pytest.raises(InputError, match=r"have no sha256: Foo_Bar 1\.0, hatchling"):
        render_spdx(bare, RenderOptions("2.3", "spdx-json"))


def test_a_url_the_spdx_pattern_refuses_is_no_assertion() -> None:
    result = small_result()
    a = next(c for c in result.inventory.components if c.name == "Foo_Bar")
    local = type(a)(a.name, a.version, a.hashes, a.filename, "http://127.0.0.1:8080/f.whl")
    inventory = type(result.inventory)(
        result.inventory.root,
        tuple(local if c == a else c for c in result.inventory.components),
        result.inventory.graph,
    )
    text = render_spdx(
        SourceResult(inventory, artifacts=result.artifacts), RenderOptions("2.3", "spdx-json", True)
    ).text
    valid_spdx2(text)
    foo = next(p for p in json.loads(text)["packages"] if p["name"] == "Foo_Bar")
    assert foo["downloadLocation"] == "NOASSERTION"


@pytest.mark.parametrize(
    "expression",
    ["LicenseRef-Proprietary", "MIT AND LicenseRef-Foo", "MIT WITH Classpath-exception-2.0"],
)
def test_any_licence_expression_gives_a_valid_document(expression: str) -> None:
    result = small_result()
    components = tuple(
        replace(c, license_expression=expression, license_names=())
        for c in result.inventory.components
    )
    inventory = type(result.inventory)(result.inventory.root, components, result.inventory.graph)
    changed = SourceResult(inventory, artifacts=result.artifacts)
    valid_spdx2(render_spdx(changed, RenderOptions("2.3", "spdx-json")).text)
    valid_spdx3(render_spdx(changed, RenderOptions("3.0.1", "spdx-json")).text)
