"""What an audit reads: a CycloneDX JSON SBOM (parsed here), or a pylock.toml, a hash-pinned
requirements file or an installed environment (through :mod:`chainproof.sbom.sources`).

Besides the inventory, an :class:`AuditTarget` carries the components that cannot be checked
(not a PyPI package, no version) and, where the input records them, the other packages'
requirements on each package (for upgrade proposals). Only an installed environment has
those (its Requires-Dist); an SBOM, a pylock.toml and a requirements file pin versions but do
not record specifiers, so ``requirements`` is None for them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from packaging.utils import canonicalize_name

from chainproof.audit.matching import version_key
from chainproof.errors import InputError
from chainproof.fileio import load_json
from chainproof.models import Component, DependencyGraph, Inventory
from chainproof.sbom.graph import root_cover

if TYPE_CHECKING:
    from chainproof.sbom.installed import InstalledEnvironment

__all__ = ["AuditTarget", "Requirement", "read_sbom", "read_target"]


@dataclass(frozen=True)
class Requirement:
    """``required_by`` (e.g. "requests 2.25.1") requires ``package`` with ``specifier``."""

    package: str  # normalised
    specifier: str
    required_by: str


@dataclass(frozen=True)
class AuditTarget:
    inventory: Inventory
    description: str  # what was read, for reports
    unchecked: tuple[tuple[str, str], ...] = ()  # (component, reason)
    requirements: tuple[Requirement, ...] | None = None  # None: the input records none
    bom_refs: dict[Component, str] = field(default_factory=dict)
    sbom: dict[str, Any] | None = None  # the input SBOM as read, for the VEX output
    spec_version: str = "1.6"


_PYPI_PURL = re.compile(r"pkg:pypi/([^@?#]+)(?:@([^?#]*))?(?:\?[^#]*)?(?:#.*)?", re.IGNORECASE)


def _pypi_purl(purl: str) -> tuple[str, str | None] | None:
    """(name, version) of a ``pkg:pypi/...`` purl; None for any other type.

    A regular expression rather than packageurl-python: this runs once per component and the
    library's general parser is the slowest step of reading a 1,000-component SBOM.
    """
    match = _PYPI_PURL.fullmatch(purl.strip())
    if match is None:
        return None
    return unquote(match.group(1)), unquote(match.group(2)) if match.group(2) else None


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


def read_sbom(path: Path) -> AuditTarget:
    """Components, purls, versions and the dependency graph of a CycloneDX JSON SBOM."""
    try:
        head = path.read_bytes()[:64].lstrip()
    except FileNotFoundError as exc:
        raise InputError(f"The SBOM {path} does not exist.") from exc
    except OSError as exc:
        raise InputError(f"Cannot read the SBOM {path}: {exc.strerror or exc}.") from exc
    if head.startswith(b"<"):
        raise InputError(
            f"The SBOM {path} is XML; chainproof audit reads CycloneDX JSON.",
            hint="Write the SBOM with `chainproof sbom --format json`.",
        )
    data = load_json(path, "SBOM")
    if not isinstance(data, dict) or data.get("bomFormat") != "CycloneDX":
        raise InputError(f'{path} is not a CycloneDX SBOM (no "bomFormat": "CycloneDX").')
    try:
        return _parse_sbom(data, path)
    except (AttributeError, TypeError, KeyError) as exc:
        raise InputError(
            f"{path} is not a valid CycloneDX SBOM ({type(exc).__name__}: {exc})."
        ) from exc


def _parse_sbom(data: dict[str, Any], path: Path) -> AuditTarget:
    components: list[Component] = []
    seen: set[Component] = set()
    unchecked: list[tuple[str, str]] = []
    refs: dict[str, str] = {}  # bom-ref -> key
    bom_refs: dict[Component, str] = {}
    for raw in _walk(data.get("components"), path):
        name, version, purl = raw.get("name"), raw.get("version"), raw.get("purl")
        label = f"{name or purl or raw.get('bom-ref') or '?'}"
        pypi = _pypi_purl(purl) if isinstance(purl, str) else None
        if pypi is None:
            why = f"purl {purl}" if isinstance(purl, str) else "no purl"
            unchecked.append((label, f"not a PyPI package ({why})"))
            continue
        if "/" in pypi[0]:
            unchecked.append((label, f"not a valid PyPI purl ({purl} has a namespace)"))
            continue
        # The purl is the package's PyPI identity; ``name`` is kept for display when it agrees.
        purl_name, purl_version = pypi
        agreed = not (isinstance(version, str) and version and purl_version) or (
            version_key(version) == version_key(purl_version)
        )
        if not agreed:
            unchecked.append(
                (label, f"its version {version} and its purl's version {purl_version} differ")
            )
            continue
        version = version if isinstance(version, str) and version else purl_version
        if not version:
            unchecked.append((label, "it has no version"))
            continue
        same = isinstance(name, str) and canonicalize_name(name) == canonicalize_name(purl_name)
        component = Component(
            name=str(name) if same else purl_name,
            version=version,
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
    root_ref = (data.get("metadata") or {}).get("component", {}).get("bom-ref")
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
    components = [
        Component(c.name, c.version, build_only=c.build_only, direct=c.key in roots)
        if c.key in roots
        else c
        for c in components
    ]
    bom_refs = _rekey(bom_refs, components)
    return AuditTarget(
        inventory=Inventory(root=None, components=tuple(components), graph=graph),
        description=str(path),
        unchecked=tuple(unchecked),
        bom_refs=bom_refs,
        sbom=data,
        spec_version=str(data.get("specVersion") or "1.6"),
    )


def _rekey(bom_refs: dict[Component, str], components: list[Component]) -> dict[Component, str]:
    by_identity = {(c.key, c.version): ref for c, ref in bom_refs.items()}
    return {
        c: by_identity[(c.key, c.version)] for c in components if (c.key, c.version) in by_identity
    }


def _environment_requirements(env: InstalledEnvironment) -> tuple[Requirement, ...]:
    from packaging.requirements import InvalidRequirement
    from packaging.requirements import Requirement as PackagingRequirement

    installed = {canonicalize_name(d.name) for d in env.distributions}
    found: list[Requirement] = []
    for dist in env.distributions:
        extras = ("", *dist.metadata.provides_extra)
        for text in dist.metadata.requires_dist:
            try:
                req = PackagingRequirement(text)
            except InvalidRequirement:
                continue
            # Markers are evaluated for that interpreter. Which extras were requested is not
            # recorded, so a requirement of any extra counts when its package is installed:
            # a proposal may be stricter than needed, never one that breaks an installed extra.
            if req.marker is not None and not any(
                req.marker.evaluate({**env.marker_environment, "extra": extra}) for extra in extras
            ):
                continue
            if req.marker is not None and canonicalize_name(req.name) not in installed:
                continue
            if str(req.specifier):
                found.append(
                    Requirement(
                        canonicalize_name(req.name),
                        str(req.specifier),
                        f"{dist.name} {dist.version}",
                    )
                )
    return tuple(sorted(set(found), key=lambda r: (r.package, r.required_by, r.specifier)))


def read_target(kind: str, value: str | Path) -> AuditTarget:
    """Read one input: ``kind`` is sbom, pylock, uv-lock, requirements or env."""
    if kind == "sbom":
        return read_sbom(Path(value))
    from chainproof.progress import NullReporter
    from chainproof.sbom import sources
    from chainproof.sbom.pylock import PylockSource
    from chainproof.sbom.requirements import RequirementsSource
    from chainproof.sbom.target import Target
    from chainproof.sbom.uvlock import UvLockSource

    # A lock is audited for every package it pins, not only those this machine would
    # install: a pin for another platform or Python version ships somewhere.
    lock: sources.InventorySource | None = None
    if kind == "pylock":
        lock = PylockSource(Path(value), every_package=True)
    elif kind == "uv-lock":
        lock = UvLockSource(Path(value), every_package=True)
    elif kind == "requirements":
        lock = RequirementsSource(Path(value), every_package=True)
    if lock is not None:
        return AuditTarget(lock.read(Target.current(), NullReporter()).inventory, str(value))
    if kind == "env":
        from chainproof.sbom.env_source import venv_interpreter
        from chainproof.sbom.installed import inspect_environment

        python = venv_interpreter(str(value))
        env = inspect_environment(python)  # one probe serves the inventory and requirements
        inventory = sources.read_environment(python, environment=env)
        return AuditTarget(
            inventory,
            f"environment of {value}",
            unchecked=tuple(
                (path, "its metadata has no readable name or version") for path in env.broken
            ),
            requirements=_environment_requirements(env),
        )
    raise InputError(f"Unknown input kind {kind!r}.")
