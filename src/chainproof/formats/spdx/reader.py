"""Reading SPDX JSON SBOMs: the inventory of an SPDX 2.2 or 2.3 document (chainproof's, syft's,
any tool's; ``parse_spdx``), the files its runtime packages name (``distribution_files``) and
the artifact hashes of the package it describes (``artifact_hashes``, 2.3 and 3.0.1).

- a package is a PyPI component by its ``purl`` external reference (either spelling of the
  PACKAGE-MANAGER category), judged as CycloneDX's (``formats.pypi_purl``); others are
  ``unchecked``, with the reason;
- the subject: the one package the document DESCRIBES, when it depends on or contains others
  (chainproof's release, syft's scanned directory or image); it is no component. A document
  that describes several packages, or one with no relationships, describes components;
- edges: ``A DEPENDS_ON B`` (``NONE``: A depends on nothing), and ``A DEPENDENCY_OF B`` /
  ``RUNTIME_DEPENDENCY_OF B`` (syft writes those) as B → A; the subject's dependencies are
  the roots (else, as for CycloneDX, what nothing depends on); ``A BUILD_DEPENDENCY_OF B``:
  A is build-only.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

from chainproof.errors import InputError
from chainproof.formats.pypi_purl import pypi_identity
from chainproof.models import (
    Component,
    DependencyGraph,
    Inventory,
    SbomDocument,
    SbomFile,
    SourceResult,
    root_cover,
)

__all__ = ["READ_VERSIONS", "artifact_hashes", "distribution_files", "is_spdx", "parse_spdx"]

READ_VERSIONS = ("SPDX-2.2", "SPDX-2.3")
_DOCUMENT = "SPDXRef-DOCUMENT"
_FORWARD = {"DEPENDS_ON"}
_BACKWARD = {"DEPENDENCY_OF", "RUNTIME_DEPENDENCY_OF"}
_NO_LOCATION = {"NOASSERTION", "NONE"}


def is_spdx(data: Any) -> bool:
    """An SPDX 2 document (``spdxVersion``) or SPDX 3 JSON-LD (an spdx.org ``@context``)?"""
    if not isinstance(data, dict):
        return False
    context = data.get("@context")
    return "spdxVersion" in data or (isinstance(context, str) and "spdx.org" in context)


def _purl(package: dict[str, Any]) -> str | None:
    for ref in package.get("externalRefs") or []:
        if isinstance(ref, dict) and ref.get("referenceType") == "purl":
            locator = ref.get("referenceLocator")
            return locator if isinstance(locator, str) else None
    return None


def _relationships(data: dict[str, Any], path: Path) -> Iterator[tuple[str, str, str]]:
    for rel in data.get("relationships") or []:
        if not isinstance(rel, dict) or not all(
            isinstance(rel.get(k), str)
            for k in ("spdxElementId", "relationshipType", "relatedSpdxElement")
        ):
            raise InputError(f"{path} is not a valid SPDX SBOM: a relationship is incomplete.")
        yield rel["spdxElementId"], rel["relationshipType"], rel["relatedSpdxElement"]


class _Document:
    """An SPDX 2 document's packages and relationships, checked once."""

    def __init__(self, data: dict[str, Any], path: Path) -> None:
        version = data.get("spdxVersion")
        if version not in READ_VERSIONS:
            raise InputError(
                f"{path} is {version or 'an SPDX document without spdxVersion'}; chainproof "
                "reads SPDX 2.2 and 2.3 JSON SBOMs.",
                hint="Write SPDX 2.3 (`chainproof sbom --format spdx-json`) or CycloneDX.",
            )
        packages = data.get("packages") or []
        if not isinstance(packages, list) or not all(
            isinstance(p, dict) and isinstance(p.get("SPDXID"), str) for p in packages
        ):
            raise InputError(f"{path} is not a valid SPDX SBOM: a package has no SPDXID.")
        self.packages: dict[str, dict[str, Any]] = {p["SPDXID"]: p for p in packages}
        self.relationships = list(_relationships(data, path))
        described = {str(d) for d in data.get("documentDescribes") or []}
        for source, kind, target in self.relationships:
            if source == _DOCUMENT and kind == "DESCRIBES":
                described.add(target)
            elif target == _DOCUMENT and kind == "DESCRIBED_BY":
                described.add(source)
        self.described = sorted(d for d in described if d in self.packages)
        self.build = {s for s, k, _ in self.relationships if k == "BUILD_DEPENDENCY_OF"}
        self.edges: dict[str, set[str]] = {}
        for source, kind, target in self.relationships:
            if kind in _FORWARD and target == "NONE":  # known to depend on nothing
                self.edges.setdefault(source, set())
            elif kind in _FORWARD:
                self.edges.setdefault(source, set()).add(target)
            elif kind in _BACKWARD:
                self.edges.setdefault(target, set()).add(source)
        self.subject = self._subject()

    def _subject(self) -> str | None:
        if len(self.described) != 1:
            return None
        only = self.described[0]
        related = any(
            (s == only and k in (*_FORWARD, "CONTAINS"))
            or (t == only and k in (*_BACKWARD, "BUILD_DEPENDENCY_OF"))
            for s, k, t in self.relationships
        )
        return only if related else None

    def identities(self) -> Iterator[tuple[str, dict[str, Any], tuple[str, str] | str]]:
        """Each package but the subject: its id, the package, its identity or why none."""
        for spdx_id, package in self.packages.items():
            if spdx_id != self.subject:
                identity = pypi_identity(
                    package.get("name"), package.get("versionInfo"), _purl(package)
                )
                yield spdx_id, package, identity


def parse_spdx(data: dict[str, Any], path: Path) -> SourceResult:
    """The inventory of an SPDX 2.2/2.3 JSON document (``data``, read from ``path``)."""
    try:
        return _parse(_Document(data, path), data)
    except (AttributeError, TypeError, KeyError) as exc:
        raise InputError(f"{path} is not a valid SPDX SBOM ({type(exc).__name__}: {exc}).") from exc


def _licence(
    package: dict[str, Any], extracted: dict[str, str]
) -> tuple[str | None, tuple[str, ...]]:
    """(SPDX expression, licence names) of the declared licence, else the concluded one.
    ``LicenseRef-`` ids of extracted licensing infos joined by AND stand for licence names
    (as chainproof's writer puts names that are no SPDX expression); NOASSERTION and NONE say
    nothing."""
    for key in ("licenseDeclared", "licenseConcluded"):
        value = package.get(key)
        if not isinstance(value, str) or not value.strip() or value.strip() in _NO_LICENCE:
            continue
        refs = [part.strip() for part in value.split(" AND ")]
        if all(ref in extracted for ref in refs):
            return None, tuple(extracted[ref] for ref in refs)
        return value.strip(), ()
    return None, ()


_NO_LICENCE = ("NOASSERTION", "NONE")


def _parse(doc: _Document, data: dict[str, Any]) -> SourceResult:
    components: dict[Component, None] = {}
    keys: dict[str, str] = {}  # SPDXID → normalised name
    extracted = {
        str(info["licenseId"]): str(info.get("name") or info.get("extractedText") or "")
        for info in data.get("hasExtractedLicensingInfos") or []
        if isinstance(info, dict) and isinstance(info.get("licenseId"), str)
    }
    unchecked = []
    for spdx_id, package, identity in doc.identities():
        if isinstance(identity, str):
            unchecked.append((str(package.get("name") or spdx_id), identity))
            continue
        expression, names = _licence(package, extracted)
        component = Component(
            *identity,
            license_expression=expression,
            license_names=names,
            build_only=spdx_id in doc.build,
        )
        components.setdefault(component)  # two files of one release are one package to audit
        keys[spdx_id] = component.key
    edges: dict[str, set[str]] = {}
    for source, targets in doc.edges.items():
        if source in keys:
            edges.setdefault(keys[source], set()).update(keys[t] for t in targets if t in keys)
    subject_deps = doc.edges.get(doc.subject, set()) if doc.subject else set()
    roots = {keys[t] for t in subject_deps if t in keys} or set(
        root_cover(edges, (c.key for c in components))
    )
    graph = DependencyGraph(
        roots=tuple(sorted(roots)),
        edges=tuple(sorted((k, tuple(sorted(v))) for k, v in edges.items())),
    )
    found = tuple(replace(c, direct=True) if c.key in roots else c for c in components)
    subject = None
    if doc.subject is not None:
        package = doc.packages[doc.subject]
        identity = pypi_identity(package.get("name"), package.get("versionInfo"), _purl(package))
        subject = Component(*identity) if isinstance(identity, tuple) else None
    version = str(data.get("spdxVersion")).removeprefix("SPDX-")
    return SourceResult(
        inventory=Inventory(root=None, components=found, graph=graph),
        unchecked=tuple(unchecked),
        sbom=SbomDocument(data, version, {}, "spdx", subject),
    )


def _sha256(package: dict[str, Any]) -> list[str]:
    return [
        str(c.get("checksumValue", "")).lower()
        for c in package.get("checksums") or []
        if isinstance(c, dict) and c.get("algorithm") == "SHA256"
    ]


def distribution_files(data: dict[str, Any], path: Path) -> list[SbomFile]:
    """The file of every runtime PyPI package (the build environment left out)."""
    doc = _Document(data, path)
    found = []
    for spdx_id, package, identity in doc.identities():
        if isinstance(identity, str) or spdx_id in doc.build:
            continue
        location = package.get("downloadLocation")
        url = location if isinstance(location, str) and location not in _NO_LOCATION else None
        name = package.get("packageFileName")
        sha256 = _sha256(package)
        found.append(
            SbomFile(
                identity[0],
                identity[1],
                name if isinstance(name, str) else None,
                url,
                sha256[0] if sha256 else None,
            )
        )
    return found


def artifact_hashes(data: Any) -> frozenset[str]:
    """Every sha256 of the package(s) an SPDX 2.3 document describes, or of an SPDX 3.0.1
    SBOM's root elements: a release's artifacts."""
    if not isinstance(data, dict):
        return frozenset()
    if "@graph" in data:
        graph = [n for n in data["@graph"] if isinstance(n, dict)]
        roots = {
            r for n in graph if n.get("type") == "software_Sbom" for r in n.get("rootElement", [])
        }
        return frozenset(
            str(h.get("hashValue", "")).lower()
            for n in graph
            if n.get("spdxId") in roots
            for h in n.get("verifiedUsing") or []
            if isinstance(h, dict) and h.get("algorithm") == "sha256"
        )
    try:
        doc = _Document(data, Path("SBOM"))
    except InputError:
        return frozenset()
    return frozenset(sha for d in doc.described for sha in _sha256(doc.packages[d]))
