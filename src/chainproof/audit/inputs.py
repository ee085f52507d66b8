"""What an audit reads: a CycloneDX JSON SBOM, a pylock.toml, a uv.lock, a hash-pinned
requirements file or an installed environment, each opened through the registry of inventory
sources (:mod:`chainproof.sbom.inputs`).

Besides the inventory, an :class:`AuditTarget` carries the components that cannot be checked
(not a PyPI package, no version) and, where the input records them, the other packages'
requirements on each package (for upgrade proposals). Only an installed environment has
those (its Requires-Dist); an SBOM, a pylock.toml and a requirements file pin versions but do
not record specifiers, so ``requirements`` is None for them.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from packaging.requirements import InvalidRequirement
from packaging.requirements import Requirement as PackagingRequirement
from packaging.utils import canonicalize_name

from chainproof.errors import InputError
from chainproof.models import Component, Inventory
from chainproof.progress import NullReporter
from chainproof.sbom.env_source import venv_interpreter
from chainproof.sbom.inputs import INPUT_KINDS, SourceOptions, open_source
from chainproof.sbom.installed import (
    InstalledDistribution,
    InstalledEnvironment,
    inspect_environment,
)
from chainproof.sbom.target import TargetPlatform

# Every input but a release directory, which is audited through its SBOM.
AUDIT_KINDS = tuple(kind for kind in INPUT_KINDS if kind != "dist")

__all__ = ["AuditTarget", "InstalledPins", "Requirement", "read_sbom", "read_target"]


@dataclass(frozen=True)
class Requirement:
    """``required_by`` (e.g. "requests 2.25.1") requires ``package`` with ``specifier``."""

    package: str  # normalised
    specifier: str
    required_by: str


@dataclass(frozen=True)
class InstalledPins:
    """What the resolver check of an environment's upgrade proposals starts from."""

    python: str  # the environment's interpreter
    python_version: str  # its python_full_version
    pins: tuple[tuple[str, str], ...]  # (normalised name, version): installed from an index
    # the applying requirements of distributions installed from a URL or a directory (an
    # editable project, a local wheel): no index serves their pins
    local: tuple[str, ...] = ()


@dataclass(frozen=True)
class AuditTarget:
    inventory: Inventory
    description: str  # what was read, for reports
    unchecked: tuple[tuple[str, str], ...] = ()  # (component, reason)
    requirements: tuple[Requirement, ...] | None = None  # None: the input records none
    bom_refs: dict[Component, str] = field(default_factory=dict)
    sbom: dict[str, Any] | None = None  # the input SBOM as read, for the VEX output
    spec_version: str = "1.6"
    installed: InstalledPins | None = None  # an environment's, for the resolver check


def _parsed_requirements(
    env: InstalledEnvironment,
) -> dict[str, tuple[InstalledDistribution, list[PackagingRequirement]]]:
    """Each installed distribution (by normalised name) with its readable Requires-Dist."""
    found: dict[str, tuple[InstalledDistribution, list[PackagingRequirement]]] = {}
    for dist in env.distributions:
        parsed = []
        for text in dist.metadata.requires_dist:
            try:
                parsed.append(PackagingRequirement(text))
            except InvalidRequirement:
                continue
        found[canonicalize_name(dist.name)] = (dist, parsed)
    return found


def _applies(req: PackagingRequirement, markers: dict[str, str], extras: set[str]) -> bool:
    """Whether ``req`` holds for this interpreter with its distribution's active ``extras``:
    no marker, or a marker true without an extra or with one of them."""
    if req.marker is None:
        return True
    return any(req.marker.evaluate({**markers, "extra": extra}) for extra in ("", *extras))


def _active_extras(
    dists: dict[str, tuple[InstalledDistribution, list[PackagingRequirement]]],
    markers: dict[str, str],
) -> dict[str, set[str]]:
    """The extras of each installed distribution that some installed distribution asks for:
    a fixpoint, since a requirement ``foo[bar]`` counts only when its own marker applies with
    the extras active on the distribution that requires it. Extras asked for on the command
    line (``pip install foo[bar]``) are recorded nowhere, so they are not known."""
    active: dict[str, set[str]] = {name: set() for name in dists}
    changed = True
    while changed:
        changed = False
        for name, (_, requirements) in dists.items():
            for req in requirements:
                wanted = active.get(canonicalize_name(req.name))
                if wanted is None or not req.extras:
                    continue
                extras = {canonicalize_name(e) for e in req.extras}
                if not extras <= wanted and _applies(req, markers, active[name]):
                    wanted |= extras
                    changed = True
    return active


def _environment_requirements(env: InstalledEnvironment) -> tuple[Requirement, ...]:
    """Every version specifier an installed distribution puts on another that applies: its
    marker holds for that interpreter, and a requirement of an extra counts only when that
    extra is active (:func:`_active_extras`)."""
    return _read_environment(env)[0]


def _read_environment(env: InstalledEnvironment) -> tuple[tuple[Requirement, ...], InstalledPins]:
    dists = _parsed_requirements(env)
    active = _active_extras(dists, env.marker_environment)
    found: list[Requirement] = []
    pins: list[tuple[str, str]] = []
    local: list[str] = []
    for name, (dist, declared) in sorted(dists.items()):
        applying = [r for r in declared if _applies(r, env.marker_environment, active[name])]
        if dist.direct_url is None:
            pins.append((name, dist.version))
        else:  # not on an index: what it requires stands in for its pin
            local += [_without_marker(r) for r in applying]
        found += [
            Requirement(canonicalize_name(r.name), str(r.specifier), f"{dist.name} {dist.version}")
            for r in applying
            if str(r.specifier)
        ]
    requirements = tuple(sorted(set(found), key=lambda r: (r.package, r.required_by, r.specifier)))
    python = env.marker_environment.get("python_full_version", "")
    return requirements, InstalledPins(env.executable, python, tuple(pins), tuple(local))


def _without_marker(req: PackagingRequirement) -> str:
    extras = f"[{','.join(sorted(req.extras))}]" if req.extras else ""
    return f"{canonicalize_name(req.name)}{extras}{req.specifier}"


def read_sbom(path: Path) -> AuditTarget:
    """Components, purls, versions and the dependency graph of a CycloneDX or SPDX 2.3 JSON
    SBOM."""
    return read_target("sbom", path)


def read_target(kind: str, value: str | Path) -> AuditTarget:
    """Read one input: ``kind`` is sbom, pylock, uv-lock, requirements or env."""
    if kind not in AUDIT_KINDS:
        raise InputError(f"Unknown input kind {kind!r}.")
    # A lock is audited for every package it pins, not only those this machine would
    # install: a pin for another platform or Python version ships somewhere.
    options = SourceOptions(offline=True, every_package=True, verify_record=False)
    env = None
    if kind == "env":
        env = inspect_environment(venv_interpreter(str(value)))  # one probe for both reads
        options = replace(options, environment=env)
    result = open_source(kind, value, options).read(TargetPlatform.current(), NullReporter())
    if env is not None:
        requirements, installed = _read_environment(env)
        return AuditTarget(
            result.inventory,
            f"environment of {value}",
            unchecked=tuple(
                (path, "its metadata has no readable name or version") for path in env.broken
            ),
            requirements=requirements,
            installed=installed,
        )
    sbom = result.sbom
    return AuditTarget(
        result.inventory,
        str(value),
        unchecked=result.unchecked,
        bom_refs=dict(sbom.bom_refs) if sbom else {},
        # the SBOM a CycloneDX VEX is written against (an SPDX SBOM: VEX of its inventory)
        sbom=sbom.data if sbom and sbom.format == "cyclonedx" else None,
        spec_version=sbom.spec_version if sbom else "1.6",
    )
