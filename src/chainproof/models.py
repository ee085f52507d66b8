"""Frozen dataclasses shared by the stages, and the wire form of build-record.json."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from packaging.utils import canonicalize_name, canonicalize_version
from packaging.version import InvalidVersion, Version

from chainproof.errors import InputError

__all__ = [
    "BUILD_RECORD_NAME",
    "BUILD_RECORD_SCHEMA",
    "SBOM_NAME",
    "SPDX_SBOM_NAME",
    "Artifact",
    "BuildRecord",
    "Component",
    "ComponentDetails",
    "DependencyGraph",
    "Digest",
    "EmbeddedSbom",
    "EnvironmentPackage",
    "Inventory",
    "LockReference",
    "SbomDocument",
    "SbomFile",
    "SourceInfo",
    "SourceResult",
    "ToolVersions",
    "none_first",
    "parse_version",
    "root_cover",
    "version_key",
]

BUILD_RECORD_SCHEMA = "https://chainproof.dev/build-record/v1"
# File names of a release (docs/formats.md) that several stages use.
BUILD_RECORD_NAME = "build-record.json"
SBOM_NAME = "sbom.cdx.json"
SPDX_SBOM_NAME = "sbom.spdx.json"
_HEX = {"sha256": 64, "sha384": 96, "sha512": 128}

# Model classes with optional fields are not ``order=True`` (None and str do not compare):
# sort them by their explicit, total ``sort_key`` instead.
_Opt = tuple[bool, str]  # an optional field in a sort key


def none_first(value: str | None) -> _Opt:
    """A sort key part for an optional field: None sorts before every string."""
    return (value is not None, value or "")


@dataclass(frozen=True, order=True)
class Digest:
    """A content digest; ``value`` is lower-case hex."""

    algorithm: str
    value: str

    def __post_init__(self) -> None:
        size = _HEX.get(self.algorithm)
        if size is None or not re.fullmatch(rf"[0-9a-f]{{{size}}}", self.value):
            raise InputError(f"{self.algorithm}:{self.value} is not a valid digest.")

    @classmethod
    def sha256(cls, value: str) -> Digest:
        return cls("sha256", value.lower())

    @classmethod
    def parse(cls, text: str) -> Digest:
        """Parse ``sha256:HEX``."""
        algorithm, sep, value = text.partition(":")
        if not sep:
            raise InputError(f"{text!r} is not a digest of the form sha256:HEX.")
        return cls(algorithm.lower(), value.lower())

    def __str__(self) -> str:
        return f"{self.algorithm}:{self.value}"


@dataclass(frozen=True)
class Artifact:
    """A file produced by a build: a wheel or an sdist."""

    name: str
    kind: str  # "wheel" | "sdist"
    sha256: str
    size: int

    def sort_key(self) -> tuple[str, str, str, int]:
        return (self.name, self.kind, self.sha256, self.size)

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "kind": self.kind, "sha256": self.sha256, "size": self.size}


@dataclass(frozen=True)
class EnvironmentPackage:
    """A distribution installed into an (isolated) build environment, from the exact file."""

    name: str
    version: str
    filename: str
    sha256: str
    url: str | None = None

    def sort_key(self) -> tuple[str, str, str, str, _Opt]:
        return (self.name, self.version, self.filename, self.sha256, none_first(self.url))

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "name": self.name,
            "version": self.version,
            "filename": self.filename,
            "sha256": self.sha256,
        }
        if self.url is not None:
            data["url"] = self.url
        return data


@dataclass(frozen=True)
class SourceInfo:
    """Where the build came from. ``uri`` never carries credentials."""

    uri: str | None
    commit: str
    ref: str | None
    dirty: bool


@dataclass(frozen=True)
class LockReference:
    """The build lock a build environment was installed from: its path (relative to the
    project when inside it) and the sha256 of the file."""

    path: str
    sha256: str

    def to_json(self) -> dict[str, str]:
        return {"path": self.path, "sha256": self.sha256}


@dataclass(frozen=True)
class ToolVersions:
    chainproof: str
    python: str
    platform: str
    installer: str  # "uv" | "pip"
    installer_version: str
    build: str


@dataclass(frozen=True)
class BuildRecord:
    """Everything ``chainproof build`` saw; serialised as build-record.json."""

    project_name: str
    project_version: str
    source: SourceInfo
    source_date_epoch: int
    started: str  # RFC 3339, UTC
    finished: str
    tools: ToolVersions
    build_backend: str
    build_requires: tuple[str, ...]
    artifacts: tuple[Artifact, ...]
    build_environment: tuple[EnvironmentPackage, ...]
    options: dict[str, Any] = field(default_factory=dict)
    build_lock: LockReference | None = None  # None: the environment was resolved


@dataclass(frozen=True)
class Component:
    """One Python distribution in an inventory (SBOM, lock file, environment)."""

    name: str  # as published
    version: str
    hashes: tuple[Digest, ...] = ()
    filename: str | None = None
    url: str | None = None
    license_expression: str | None = None
    license_names: tuple[str, ...] = ()
    build_only: bool = False
    direct: bool = False

    @property
    def key(self) -> str:
        """PEP 503 normalised name, the identity used in graphs."""
        return canonicalize_name(self.name)

    @property
    def purl(self) -> str:
        return f"pkg:pypi/{self.key}@{self.version}"

    def sort_key(
        self,
    ) -> tuple[str, str, bool, str, tuple[Digest, ...], _Opt, _Opt, _Opt, tuple[str, ...], bool]:
        """Identity first (normalised name, version, build-only), then every other field."""
        return (
            self.key,
            self.version,
            self.build_only,
            self.name,
            self.hashes,
            none_first(self.filename),
            none_first(self.url),
            none_first(self.license_expression),
            self.license_names,
            self.direct,
        )


@dataclass(frozen=True)
class DependencyGraph:
    """Edges between components by normalised name; ``roots`` are the direct requirements."""

    roots: tuple[str, ...]
    edges: tuple[tuple[str, tuple[str, ...]], ...]

    def dependencies_of(self, key: str) -> tuple[str, ...]:
        return dict(self.edges).get(key, ())


@dataclass(frozen=True)
class Inventory:
    """What an inventory source yields: the subject (if known), its components and graph."""

    root: Component | None
    components: tuple[Component, ...]
    graph: DependencyGraph


@dataclass(frozen=True, order=True)
class EmbeddedSbom:
    """A PEP 770 SBOM shipped in a distribution's ``.dist-info/sboms/``."""

    location: str  # "<wheel file>#<member>" or an absolute path in an environment
    sha256: str


@dataclass(frozen=True)
class ComponentDetails:
    embedded_sboms: tuple[EmbeddedSbom, ...] = ()
    properties: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class SbomDocument:
    """An SBOM as read: the document, its spec version, each component's bom-ref (CycloneDX),
    its format (``cyclonedx`` or ``spdx``) and the PyPI package it describes, if any."""

    data: dict[str, Any]
    spec_version: str
    bom_refs: Mapping[Component, str]
    format: str = "cyclonedx"
    subject: Component | None = None


@dataclass(frozen=True)
class SbomFile:
    """What an SBOM says about one runtime PyPI component's file: its sha256, URL and name."""

    name: str
    version: str | None
    filename: str | None
    url: str | None
    sha256: str | None


@dataclass(frozen=True)
class SourceResult:
    """What an inventory source read: the inventory, per-component details (PEP 770 SBOMs,
    extra properties) and warnings for the CLI to show."""

    inventory: Inventory
    details: Mapping[Component, ComponentDetails] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()
    # Artifacts of the release (file name → sha256), for --dist only.
    artifacts: tuple[tuple[str, str], ...] = ()
    # Installed files checked against RECORD, for --env only (None: not verified).
    files_verified: int | None = None
    # Components that cannot be checked (not a PyPI package, no version), with the reason.
    unchecked: tuple[tuple[str, str], ...] = ()
    # The SBOM itself, when the inventory was read from one.
    sbom: SbomDocument | None = None
    # Properties of the SBOM's metadata, e.g. where a release's runtime closure came from
    # (``chainproof:closure``, --dist only).
    properties: tuple[tuple[str, str], ...] = ()


def root_cover(edges: Mapping[str, Iterable[str]], nodes: Iterable[str]) -> list[str]:
    """Roots for a graph without given ones: the nodes nothing requires, plus the first node
    (by name) of each cycle nothing outside it requires, so every node is reached from a root.
    """
    nodes = sorted(set(nodes))
    pointed = {d for deps in edges.values() for d in deps}
    roots = [n for n in nodes if n not in pointed]
    reached: set[str] = set()
    chosen: list[str] = []
    for start in [*roots, *nodes]:
        if start in reached:
            continue
        chosen.append(start)
        todo = [start]
        while todo:
            node = todo.pop()
            if node not in reached:
                reached.add(node)
                todo.extend(edges.get(node, ()))
    return sorted(chosen)


@lru_cache(maxsize=1 << 16)
def parse_timestamp(text: str | None) -> datetime | None:
    """An RFC 3339 / ISO 8601 time (``Z`` or ``z`` for UTC), UTC when it has no offset; None
    when empty or not a time."""
    if not text:
        return None
    try:
        parsed = datetime.fromisoformat(text.strip().replace("z", "Z"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def parse_version(text: str) -> Version | None:
    """A PEP 440 version, or None when ``text`` is not one."""
    try:
        return Version(text)
    except InvalidVersion:
        return None


@lru_cache(maxsize=1 << 16)
def version_key(text: str) -> str:
    """The canonical public form used to compare versions (``0.12.01`` == ``0.12.1``)."""
    parsed = parse_version(text)
    if parsed is None:
        return text.strip().lower()
    return canonicalize_version(parsed.public)
