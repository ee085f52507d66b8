from __future__ import annotations

import json
from pathlib import Path

import pytest

from chainproof.audit.inputs import read_sbom
from chainproof.errors import InputError
from tests.audit.conftest import AUDIT_ASSETS

SBOM = AUDIT_ASSETS / "app.cdx.json"


def test_sbom_components_graph_and_unchecked() -> None:
    target = read_sbom(SBOM)
    components = {(c.key, c.version, c.direct, c.build_only) for c in target.inventory.components}
    assert components == {
        ("requests", "2.2.1", True, False),
        ("urllib3", "1.26.4", False, False),
        ("jinja2", "2.10", True, False),
        ("markupsafe", "2.1.5", False, False),
        ("setuptools", "65.5.0", False, True),
    }
    assert target.inventory.graph.roots == ("jinja2", "requests")
    assert target.inventory.graph.dependencies_of("requests") == ("urllib3",)
    assert dict(target.unchecked) == {
        "left-pad": "not a PyPI package (purl pkg:npm/left-pad@1.3.0)",
        "vendored-lib": "not a PyPI package (no purl)",
    }
    assert target.requirements is None
    refs = {c.key: ref for c, ref in target.bom_refs.items()}
    assert refs["jinja2"] == "pkg:pypi/jinja2@2.10"


def test_sbom_without_root_uses_undepended_components(tmp_path: Path) -> None:
    data = json.loads(SBOM.read_text())
    del data["metadata"]["component"]
    data["dependencies"] = [
        d for d in data["dependencies"] if d["ref"] != "pkg:pypi/demo-app@1.0.0"
    ]
    path = tmp_path / "noroot.json"
    path.write_text(json.dumps(data))
    roots = read_sbom(path).inventory.graph.roots
    assert roots == ("jinja2", "requests", "setuptools")


def test_version_from_purl_when_missing(tmp_path: Path) -> None:
    data = {
        "bomFormat": "CycloneDX",
        "specVersion": "1.6",
        "components": [
            {"type": "library", "name": "requests", "purl": "pkg:pypi/requests@2.2.1"},
            {"type": "library", "name": "idna", "purl": "pkg:pypi/idna"},
        ],
    }
    path = tmp_path / "s.json"
    path.write_text(json.dumps(data))
    target = read_sbom(path)
    assert [(c.key, c.version) for c in target.inventory.components] == [("requests", "2.2.1")]
    assert target.unchecked == (("idna", "it has no version"),)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "is not valid JSON"),
        ('{"bomFormat": "SPDX"}', "is not a CycloneDX SBOM"),
        ('<?xml version="1.0"?><bom/>', "is XML"),
        ('{"bomFormat": "CycloneDX", "components": {}}', "'components' is not a list"),
        ('{"bomFormat": "CycloneDX", "dependencies": [{"dependsOn": []}]}', "has no ref"),
    ],
)
def test_unreadable_sboms(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(content)
    with pytest.raises(InputError, match=message):
        read_sbom(path)


def test_missing_sbom(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="does not exist"):
        read_sbom(tmp_path / "nope.json")


@pytest.mark.parametrize(
    "content",
    [
        '{"bomFormat": "CycloneDX", "metadata": [1], "components": []}',
        '{"bomFormat": "CycloneDX", "components": [{"purl": 7}], "dependencies": [{"ref": "a", '
        '"dependsOn": 5}]}',
    ],
)
def test_malformed_structure_is_one_sentence(tmp_path: Path, content: str) -> None:
    path = tmp_path / "odd.json"
    path.write_text(content)
    with pytest.raises(InputError, match="is not a valid CycloneDX SBOM"):
        read_sbom(path)


def _sbom(tmp_path: Path, components: list[dict[str, str]]) -> Path:
    path = tmp_path / "sbom.json"
    data = {"bomFormat": "CycloneDX", "specVersion": "1.6", "components": components}
    path.write_text(json.dumps(data))
    return path


def test_the_purl_names_the_package_and_versions_must_agree(tmp_path: Path) -> None:
    path = _sbom(
        tmp_path,
        [
            {"type": "library", "name": "dateutil", "version": "2.8.0",
             "purl": "pkg:pypi/python-dateutil@2.8.0"},
            {"type": "library", "name": "Django", "version": "4.2.14",
             "purl": "pkg:pypi/django@4.2.14"},
            {"type": "library", "name": "Jinja2", "version": "2.10",
             "purl": "pkg:pypi/jinja2@2.11"},
        ],
    )  # fmt: skip
    target = read_sbom(path)
    assert [(c.name, c.key, c.version) for c in target.inventory.components] == [
        ("python-dateutil", "python-dateutil", "2.8.0"),
        ("Django", "django", "4.2.14"),
    ]
    assert dict(target.unchecked) == {
        "Jinja2": "its version 2.10 and its purl's version 2.11 differ"
    }


def test_a_cycle_without_a_root_entry_is_still_reached(tmp_path: Path) -> None:
    path = tmp_path / "sbom.json"
    components = [
        {"type": "library", "name": n, "version": "1.0", "purl": f"pkg:pypi/{n}@1.0", "bom-ref": n}
        for n in ("a", "b")
    ]
    dependencies = [{"ref": "a", "dependsOn": ["b"]}, {"ref": "b", "dependsOn": ["a"]}]
    path.write_text(
        json.dumps(
            {
                "bomFormat": "CycloneDX",
                "specVersion": "1.6",
                "components": components,
                "dependencies": dependencies,
            }
        )
    )
    graph = read_sbom(path).inventory.graph
    assert graph.roots == ("a",)
    assert graph.dependencies_of("a") == ("b",)


def test_one_package_listed_twice_is_audited_once(tmp_path: Path) -> None:
    """`chainproof sbom` keeps two build-environment files of one name and version apart by
    bom-ref; the audit must not report each vulnerability twice."""
    build = {"type": "library", "name": "setuptools", "version": "65.5.0", "scope": "excluded"}
    path = _sbom(
        tmp_path,
        [
            {**build, "purl": "pkg:pypi/setuptools@65.5.0", "bom-ref": "build:a#1"},
            {**build, "purl": "pkg:pypi/setuptools@65.5.0", "bom-ref": "build:a#2"},
        ],
    )
    target = read_sbom(path)
    assert [(c.key, c.build_only) for c in target.inventory.components] == [("setuptools", True)]


def test_a_pypi_purl_with_a_namespace_is_not_checked(tmp_path: Path) -> None:
    """PyPI purls have no namespace: "pkg:pypi/evil/requests" is not requests, and not a
    package the database could clear either."""
    path = _sbom(
        tmp_path,
        [{"type": "library", "name": "requests", "purl": "pkg:pypi/evil/requests@2.2.1"}],
    )
    target = read_sbom(path)
    assert target.inventory.components == ()
    assert dict(target.unchecked) == {
        "requests": "not a valid PyPI purl (pkg:pypi/evil/requests@2.2.1 has a namespace)"
    }
