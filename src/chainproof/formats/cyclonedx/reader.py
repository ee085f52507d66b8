"""Reading CycloneDX JSON: the components, purls, versions and dependency graph of an SBOM
(``read_sbom``), and the artifact hashes its ``metadata.component`` lists
(``bom_artifact_hashes``). Components that are not PyPI packages, or have no version, are
returned as ``unchecked`` with the reason.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from packaging.utils import canonicalize_name

from chainproof.errors import InputError
from chainproof.fileio import load_json
from chainproof.formats.pypi_purl import pypi_identity, pypi_purl
from chainproof.models import (
    Component,
    DependencyGraph,
    Inventory,
    SbomDocument,
    SbomFile,
    SourceResult,
    root_cover,
)

__all__ = [
    "SbomFile",
    "bom_artifact_hashes",
    "distribution_files",
    "load_sbom_json",
    "parse_sbom",
    "read_sbom",
]


def _walk(components: Any, origin: Path) -> list[dict[str, Any]]:
    if components is None:
        return []
    if not isinstance(components, list):
        raise InputError(f"{origin} is not a valid CycloneDX SBOM: 'components' is not a list.")
    found: list[dict[str, Any]] = []
    for item in components:
        if not isinstance(item, dict):
            raise InputError(
                f"{origin} is not a valid CycloneDX SBOM: a component is not an object."
            )
        found.append(item)
        found.extend(_walk(item.get("components"), origin))
    return found


def _sha256_of(hashes: Any) -> str | None:
    for entry in hashes if isinstance(hashes, list) else []:
        if isinstance(entry, dict) and str(entry.get("alg", "")).upper() == "SHA-256":
            return str(entry.get("content", "")).lower() or None
    return None


def distribution_files(data: dict[str, Any], origin: Path) -> list[SbomFile]:
    """The file of every runtime PyPI component (``scope: excluded``, the build environment,
    left out), as the SBOM records it."""
    found = []
    for raw in _walk(data.get("components"), origin):
        pypi = pypi_purl(raw["purl"]) if isinstance(raw.get("purl"), str) else None
        if pypi is None or raw.get("scope") == "excluded":
            continue
        reference = next(
            (
                r
                for r in raw.get("externalReferences") or []
                if isinstance(r, dict) and r.get("type") == "distribution"
            ),
            {},
        )
        version = raw.get("version") if isinstance(raw.get("version"), str) else pypi[1]
        name = raw.get("name")
        same = isinstance(name, str) and canonicalize_name(name) == canonicalize_name(pypi[0])
        found.append(
            SbomFile(
                str(name) if same else pypi[0],
                version or None,
                str(reference["comment"]) if reference.get("comment") else None,
                str(reference["url"]) if reference.get("url") else None,
                _sha256_of(raw.get("hashes")) or _sha256_of(reference.get("hashes")),
            )
        )
    return found


def load_sbom_json(path: Path) -> Any:
    """The JSON of an SBOM file (CycloneDX or SPDX); a missing, unreadable, XML or malformed
    file is InputError."""
    try:
        head = path.read_bytes()[:64].lstrip()
    except FileNotFoundError as exc:
        raise InputError(f"The SBOM {path} does not exist.") from exc
    except OSError as exc:
        raise InputError(f"Cannot read the SBOM {path}: {exc.strerror or exc}.") from exc
    if head.startswith(b"<"):
        raise InputError(
            f"The SBOM {path} is XML; chainproof reads CycloneDX and SPDX JSON.",
            hint="Write the SBOM with `chainproof sbom --format json`.",
        )
    return load_json(path, "SBOM")


def read_sbom(path: Path) -> SourceResult:
    """Components, purls, versions and the dependency graph of a CycloneDX JSON SBOM."""
    data = load_sbom_json(path)
    if not isinstance(data, dict) or data.get("bomFormat") != "CycloneDX":
        raise InputError(f'{path} is not a CycloneDX SBOM (no "bomFormat": "CycloneDX").')
    return parse_sbom(data, path)


def parse_sbom(data: dict[str, Any], path: Path) -> SourceResult:
    """The inventory of a CycloneDX JSON document (``data``, read from ``path``)."""
    try:
        return _parse_sbom(data, path)
    except (AttributeError, TypeError, KeyError) as exc:
        raise InputError(
            f"{path} is not a valid CycloneDX SBOM ({type(exc).__name__}: {exc})."
        ) from exc


def _parse_sbom(data: dict[str, Any], path: Path) -> SourceResult:
    components: list[Component] = []
    seen: set[Component] = set()
    unchecked: list[tuple[str, str]] = []
    refs: dict[str, str] = {}  # bom-ref -> key
    bom_refs: dict[Component, str] = {}
    for raw in _walk(data.get("components"), path):
        name, version, purl = raw.get("name"), raw.get("version"), raw.get("purl")
        label = f"{name or purl or raw.get('bom-ref') or '?'}"
        identity = pypi_identity(name, version, purl)
        if isinstance(identity, str):
            unchecked.append((label, identity))
            continue
        expression, licence_names = _licences(raw.get("licenses"))
        component = Component(
            *identity,
            license_expression=expression,
            license_names=licence_names,
            build_only=raw.get("scope") == "excluded",
        )
        if component not in seen:  # two files of one release are one package to audit
            seen.add(component)
            components.append(component)
        ref = raw.get("bom-ref")
        if isinstance(ref, str):
            refs[ref] = component.key
            bom_refs.setdefault(component, ref)
    edges: dict[str, set[str]] = {}
    root = (data.get("metadata") or {}).get("component") or {}
    root_ref = root.get("bom-ref")
    roots: set[str] = set()
    for dep in data.get("dependencies") or []:
        if not isinstance(dep, dict) or not isinstance(dep.get("ref"), str):
            raise InputError(f"{path} is not a valid CycloneDX SBOM: a dependency has no ref.")
        targets = {refs[t] for t in dep.get("dependsOn") or [] if t in refs}
        if dep["ref"] == root_ref:
            roots |= targets
        elif dep["ref"] in refs:
            edges.setdefault(refs[dep["ref"]], set()).update(targets)
    if not roots:  # no root entry: the direct requirements are what nothing depends on
        roots = set(root_cover(edges, (c.key for c in components)))
    graph = DependencyGraph(
        roots=tuple(sorted(roots)),
        edges=tuple(sorted((k, tuple(sorted(v))) for k, v in edges.items())),
    )
    components = [replace(c, direct=True) if c.key in roots else c for c in components]
    bom_refs = _rekey(bom_refs, components)
    subject = pypi_identity(*(root.get(k) for k in ("name", "version", "purl")))
    return SourceResult(
        inventory=Inventory(root=None, components=tuple(components), graph=graph),
        unchecked=tuple(unchecked),
        sbom=SbomDocument(
            data,
            str(data.get("specVersion") or "1.6"),
            bom_refs,
            "cyclonedx",
            Component(*subject) if isinstance(subject, tuple) else None,
        ),
    )


def _licences(raw: Any) -> tuple[str | None, tuple[str, ...]]:
    """(SPDX expression, licence names) of a component's ``licenses``: an ``expression``, else
    its licence ids joined with AND (CycloneDX does not say how several combine: AND is the
    reading no licence policy can be fooled by), and the names given without an id."""
    entries = [e for e in raw if isinstance(e, dict)] if isinstance(raw, list) else []
    for entry in entries:
        if isinstance(entry.get("expression"), str) and entry["expression"].strip():
            return entry["expression"].strip(), ()
    ids: list[str] = []
    names: list[str] = []
    for entry in entries:
        licence = entry.get("license")
        if not isinstance(licence, dict):
            continue
        if isinstance(licence.get("id"), str) and licence["id"].strip():
            ids.append(licence["id"].strip())
        elif isinstance(licence.get("name"), str) and licence["name"].strip():
            names.append(licence["name"].strip())
    if ids and not names:
        return " AND ".join(dict.fromkeys(ids)), ()
    return None, tuple(dict.fromkeys(ids + names))


def _rekey(bom_refs: dict[Component, str], components: list[Component]) -> dict[Component, str]:
    by_identity = {(c.key, c.version): ref for c, ref in bom_refs.items()}
    return {
        c: by_identity[(c.key, c.version)] for c in components if (c.key, c.version) in by_identity
    }


def bom_artifact_hashes(bom: Any) -> frozenset[str]:
    """Every sha256 the SBOM's ``metadata.component`` (and its nested components) lists."""
    found: set[str] = set()
    metadata = bom.get("metadata") if isinstance(bom, dict) else None
    stack = [metadata.get("component") if isinstance(metadata, dict) else None]
    while stack:
        component = stack.pop()
        if not isinstance(component, dict):
            continue
        hashes = component.get("hashes")
        for entry in hashes if isinstance(hashes, list) else []:
            if (
                isinstance(entry, dict)
                and entry.get("alg") == "SHA-256"
                and isinstance(entry.get("content"), str)
            ):
                found.add(entry["content"].lower())
        nested = component.get("components")
        stack.extend(nested if isinstance(nested, list) else [])
    return frozenset(found)
