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
from chainproof.sbom.installed import InstalledEnvironment, inspect_environment
from chainproof.sbom.target import TargetPlatform

# Every input but a release directory, which is audited through its SBOM.
AUDIT_KINDS = tuple(kind for kind in INPUT_KINDS if kind != "dist")

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


def _environment_requirements(env: InstalledEnvironment) -> tuple[Requirement, ...]:
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
        return AuditTarget(
            result.inventory,
            f"environment of {value}",
            unchecked=tuple(
                (path, "its metadata has no readable name or version") for path in env.broken
            ),
            requirements=_environment_requirements(env),
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
