"""CycloneDX output: strict validity (the library's own validators), determinism, content."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator
from cyclonedx.validation.xml import XmlValidator

from chainproof.errors import InputError
from chainproof.formats.cyclonedx.writer import RenderOptions, purl_for, render
from chainproof.models import (
    Component,
    ComponentDetails,
    DependencyGraph,
    Digest,
    EmbeddedSbom,
    Inventory,
    SourceResult,
)
from chainproof.progress import NullReporter
from chainproof.redact import strip_credentials
from chainproof.sbom.target import TargetPlatform
from chainproof.sbom.uvlock import UvLockSource

ASSETS = Path(__file__).parent.parent / "assets" / "sbom"


def lib_valid(text: str, spec: str, fmt: str) -> None:
    version = SchemaVersion.from_version(spec)
    validator = JsonStrictValidator(version) if fmt == "json" else XmlValidator(version)
    assert validator.validate_str(text) is None


@pytest.fixture(scope="module")
def uv_result() -> SourceResult:
    return UvLockSource(ASSETS / "proj1-uv.lock").read(
        TargetPlatform.for_python("3.12", ["win_amd64"]), NullReporter()
    )


def small_result(**overrides: object) -> SourceResult:
    a = Component(
        "Foo_Bar",
        "1.0",
        (Digest.sha256("a" * 64),),
        "foo_bar-1.0-py3-none-any.whl",
        "https://user:token@example.invalid/foo_bar-1.0-py3-none-any.whl",
        license_expression="MIT",
        direct=True,
    )
    b = Component("zope.thing", "2.0", (Digest.sha256("b" * 64),), license_names=("Custom",))
    tool = Component("hatchling", "1.0", (Digest.sha256("c" * 64),), build_only=True)
    root = Component("release", "3.0", license_expression="Apache-2.0")
    graph = DependencyGraph(("foo-bar",), (("foo-bar", ("zope-thing",)), ("release", ("foo-bar",))))
    details = {a: ComponentDetails((EmbeddedSbom("x.whl#x-1.dist-info/sboms/a.json", "d" * 64),))}
    data: dict[str, object] = {
        "inventory": Inventory(root, (a, b, tool), graph),
        "details": details,
        "artifacts": (("release-3.0.tar.gz", "e" * 64),),
    }
    data.update(overrides)
    return SourceResult(**data)  # type: ignore[arg-type]


@pytest.mark.parametrize("spec", ["1.5", "1.6", "1.7"])
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_valid_for_the_library_and_byte_identical(
    uv_result: SourceResult, spec: str, fmt: str
) -> None:
    options = RenderOptions(spec, fmt, timestamp=1700000000)
    first = render(uv_result, options).text
    lib_valid(first, spec, fmt)
    assert render(uv_result, options).text == first
    small = render(small_result(), options).text
    lib_valid(small, spec, fmt)


def test_content_of_small_sbom() -> None:
    doc = json.loads(render(small_result(), RenderOptions(timestamp=1700000000)).text)
    assert doc["specVersion"] == "1.6"
    assert doc["metadata"]["timestamp"] == "2023-11-14T22:13:20+00:00"
    root = doc["metadata"]["component"]
    assert root["purl"] == "pkg:pypi/release@3.0"
    assert root["hashes"] == [{"alg": "SHA-256", "content": "e" * 64}]
    assert root["externalReferences"][0]["url"] == "release-3.0.tar.gz"
    assert root["licenses"] == [{"expression": "Apache-2.0"}]
    by_name = {c["name"]: c for c in doc["components"]}
    foo = by_name["Foo_Bar"]
    assert foo["purl"] == "pkg:pypi/foo-bar@1.0"
    assert foo["hashes"] == [{"alg": "SHA-256", "content": "a" * 64}]
    dist_ref, bom_ref = sorted(foo["externalReferences"], key=lambda r: r["type"], reverse=True)
    assert dist_ref == {
        "type": "distribution",
        "comment": "foo_bar-1.0-py3-none-any.whl",
        "url": "https://example.invalid/foo_bar-1.0-py3-none-any.whl",
        "hashes": [{"alg": "SHA-256", "content": "a" * 64}],
    }
    assert bom_ref["type"] == "bom"
    assert bom_ref["hashes"][0]["content"] == "d" * 64
    assert by_name["zope.thing"]["purl"] == "pkg:pypi/zope-thing@2.0"
    assert by_name["zope.thing"]["licenses"] == [{"license": {"name": "Custom"}}]
    tool = by_name["hatchling"]
    assert tool["scope"] == "excluded"
    assert tool["bom-ref"].startswith("build:")
    assert {"name": "chainproof:build-only", "value": "true"} in tool["properties"]
    deps = {d["ref"]: d.get("dependsOn", []) for d in doc["dependencies"]}
    assert deps["pkg:pypi/release@3.0"] == ["pkg:pypi/foo-bar@1.0"]
    assert deps["pkg:pypi/foo-bar@1.0"] == ["pkg:pypi/zope-thing@2.0"]
    assert [c["name"] for c in doc["components"]] == sorted(by_name)


def test_serial_number_follows_content() -> None:
    options = RenderOptions(timestamp=1700000000)
    serial = json.loads(render(small_result(), options).text)["serialNumber"]
    later = json.loads(render(small_result(), RenderOptions(timestamp=1800000000)).text)
    assert later["serialNumber"] == serial  # the timestamp is not content
    other = small_result(artifacts=(("release-3.0.tar.gz", "f" * 64),))
    assert json.loads(render(other, options).text)["serialNumber"] != serial


def test_missing_hash_fails_naming_components_or_is_marked() -> None:
    bare = Component("nohash", "1.0")
    result = SourceResult(Inventory(None, (bare,), DependencyGraph(("nohash",), ())))
    with pytest.raises(InputError, match=r"1 component\(s\) have no sha256: nohash 1\.0"):
        render(result, RenderOptions())
    rendered = render(result, RenderOptions(allow_missing_hashes=True, timestamp=0))
    assert rendered.warnings
    assert "nohash 1.0" in rendered.warnings[0]
    (component,) = json.loads(rendered.text)["components"]
    assert {"name": "chainproof:hash:missing", "value": "true"} in component["properties"]


def test_bad_options() -> None:
    with pytest.raises(InputError, match=r"1\.4 is not supported"):
        render(small_result(), RenderOptions(spec_version="1.4"))
    with pytest.raises(InputError, match="not json or xml"):
        render(small_result(), RenderOptions(output_format="yaml"))


def test_helpers() -> None:
    assert strip_credentials("https://u:p@example.invalid/x") == "https://example.invalid/x"
    assert strip_credentials("file:///tmp/x") == "file:///tmp/x"
    assert purl_for(Component("Typing_Extensions", "4.0")) == "pkg:pypi/typing-extensions@4.0"


def test_duplicate_build_packages_are_kept_apart() -> None:
    one = Component(
        "tool", "1.0", (Digest.sha256("1" * 64),), "tool-1.0-py3-none-any.whl", build_only=True
    )
    other = Component("tool", "1.0", (Digest.sha256("2" * 64),), "tool-1.0.tar.gz", build_only=True)
    result = SourceResult(Inventory(None, (one, one, other), DependencyGraph((), ())))
    text = render(result, RenderOptions(timestamp=0)).text
    lib_valid(text, "1.6", "json")
    refs = sorted(c["bom-ref"] for c in json.loads(text)["components"])
    assert refs == ["build:pkg:pypi/tool@1.0", f"build:pkg:pypi/tool@1.0#{'2' * 16}"]


@pytest.mark.parametrize("output_format", ["json", "xml"])
def test_a_release_without_runtime_dependencies_has_an_empty_graph_entry(
    output_format: str,
) -> None:
    """The root's dependsOn is empty because it has no runtime dependencies: a fact, so the
    library's "incomplete graph" warning does not apply and must not be raised."""
    import warnings

    root = Component("demo", "1.0")
    tool = Component("setuptools", "70.0", (Digest.sha256("a" * 64),), build_only=True)
    result = SourceResult(
        Inventory(root, (tool,), DependencyGraph((), ())),
        artifacts=(("demo-1.0-py3-none-any.whl", "b" * 64),),
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        text = render(result, RenderOptions(output_format=output_format, timestamp=0)).text
    if output_format == "json":
        entries = {d["ref"]: d.get("dependsOn") for d in json.loads(text)["dependencies"]}
        assert entries["pkg:pypi/demo@1.0"] in (None, [])
        assert "build:pkg:pypi/setuptools@70.0" in entries


def test_a_root_with_dependencies_lists_them() -> None:
    root = Component("demo", "1.0")
    dep = Component("idna", "3.7", (Digest.sha256("c" * 64),))
    result = SourceResult(Inventory(root, (dep,), DependencyGraph(("idna",), ())))
    document = json.loads(render(result, RenderOptions(timestamp=0)).text)
    entries = {d["ref"]: d.get("dependsOn") for d in document["dependencies"]}
    assert entries["pkg:pypi/demo@1.0"] == ["pkg:pypi/idna@3.7"]


@pytest.mark.parametrize("spec", ["1.5", "1.6", "1.7"])
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_package_at_runtime_and_build_only_with_different_licences(spec: str, fmt: str) -> None:
    """Same name, version, hash, file and URL; only the licence (None or not) and build_only
    differ: sorting the components once compared None with a str."""
    wheel = "packaging-26.3-py3-none-any.whl"
    fields = ((Digest.sha256("a" * 64),), wheel, f"https://example.invalid/{wheel}")
    runtime = Component("packaging", "26.3", *fields, "Apache-2.0 OR BSD-2-Clause", direct=True)
    build = Component("packaging", "26.3", *fields, build_only=True)
    graph = DependencyGraph(("packaging",), ())
    options = RenderOptions(spec, fmt, timestamp=0)
    first = render(SourceResult(Inventory(None, (runtime, build), graph)), options).text
    lib_valid(first, spec, fmt)
    assert render(SourceResult(Inventory(None, (build, runtime), graph)), options).text == first
    assert "build:pkg:pypi/packaging@26.3" in first


def test_build_only_files_sharing_a_first_hash_each_keep_their_own_bom_ref() -> None:
    """Three build-only entries of one name, version and first hash (other URLs): each keeps
    a distinct, content-derived bom-ref (a duplicate would be replaced by a random one)."""
    digest = Digest.sha256("b" * 64)
    builds = [
        Component(
            "packaging", "26.3", (digest,), url=f"https://example.invalid/{n}", build_only=True
        )
        for n in ("a", "b", "c")
    ]
    graph = DependencyGraph((), ())
    options = RenderOptions("1.6", "json", timestamp=0)
    first = render(SourceResult(Inventory(None, tuple(builds), graph)), options).text
    assert (
        render(SourceResult(Inventory(None, tuple(reversed(builds)), graph)), options).text == first
    )
    refs = [c["bom-ref"] for c in json.loads(first)["components"]]
    assert len(set(refs)) == 3
    assert not any(r.startswith("BomRef.") for r in refs)
