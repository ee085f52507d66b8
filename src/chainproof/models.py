"""Frozen dataclasses shared by the stages, and the wire form of build-record.json."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from packaging.utils import canonicalize_name, canonicalize_version
from packaging.version import InvalidVersion, Version

from chainproof.errors import InputError

__all__ = [
    "BUILD_RECORD_NAME",
    "BUILD_RECORD_SCHEMA",
    "SBOM_NAME",
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
    "SourceInfo",
    "SourceResult",
    "ToolVersions",
    "none_first",
    "parse_version",
    "root_cover",
    "version_key",
]

BUILD_RECORD_SCHEMA = "https://chainproof.dev/build-record/v1"
# File names of a release (DESIGN.md, "Files a release holds") that several stages use.
BUILD_RECORD_NAME = "build-record.json"
SBOM_NAME = "sbom.cdx.json"
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

    def to_json(self) -> dict[str, Any]:
        return {
            "schema": BUILD_RECORD_SCHEMA,
            "project": {"name": self.project_name, "version": self.project_version},
            "source": {
                "uri": self.source.uri,
                "commit": self.source.commit,
                "ref": self.source.ref,
                "dirty": self.source.dirty,
            },
            "source_date_epoch": self.source_date_epoch,
            "started": self.started,
            "finished": self.finished,
            "tools": {
                "chainproof": self.tools.chainproof,
                "python": self.tools.python,
                "platform": self.tools.platform,
                "installer": {
                    "name": self.tools.installer,
                    "version": self.tools.installer_version,
                },
                "build": self.tools.build,
            },
            "backend": {"build-backend": self.build_backend, "requires": list(self.build_requires)},
            "options": self.options,
            "build_lock": self.build_lock.to_json() if self.build_lock else None,
            "artifacts": [a.to_json() for a in sorted(self.artifacts, key=Artifact.sort_key)],
            "build_environment": [
                p.to_json() for p in sorted(self.build_environment, key=EnvironmentPackage.sort_key)
            ],
        }

    @classmethod
    def from_json(cls, data: Any, origin: str = BUILD_RECORD_NAME) -> BuildRecord:
        """Read the wire form; any missing or mistyped field is one InputError naming it."""
        record = _Fields(data, origin, "")
        schema = record.text("schema")
        if schema != BUILD_RECORD_SCHEMA:
            raise InputError(f"{origin} has an unknown schema {schema!r}.")
        project, source, tools = record.obj("project"), record.obj("source"), record.obj("tools")
        installer, backend = tools.obj("installer"), record.obj("backend")
        return cls(
            project_name=project.text("name"),
            project_version=project.text("version"),
            source=SourceInfo(
                uri=source.text("uri", optional=True),
                commit=source.text("commit"),
                ref=source.text("ref", optional=True),
                dirty=source.flag("dirty"),
            ),
            source_date_epoch=record.count("source_date_epoch"),
            started=record.text("started"),
            finished=record.text("finished"),
            tools=ToolVersions(
                chainproof=tools.text("chainproof"),
                python=tools.text("python"),
                platform=tools.text("platform"),
                installer=installer.text("name"),
                installer_version=installer.text("version"),
                build=tools.text("build"),
            ),
            build_backend=backend.text("build-backend"),
            build_requires=tuple(backend.texts("requires")),
            artifacts=tuple(
                Artifact(a.text("name"), a.text("kind"), a.sha256("sha256"), a.count("size"))
                for a in record.objs("artifacts")
            ),
            build_environment=tuple(
                EnvironmentPackage(
                    p.text("name"),
                    p.text("version"),
                    p.text("filename"),
                    p.sha256("sha256"),
                    p.text("url", optional=True),
                )
                for p in record.objs("build_environment")
            ),
            options=record.obj("options").data if "options" in record.data else {},
            build_lock=LockReference(lock.text("path"), lock.sha256("sha256"))
            if (lock := record.obj_or_none("build_lock")) is not None
            else None,
        )


class _Fields:
    """Typed reads from one JSON object of a build record; a wrong or missing field is an
    InputError that names its path (``artifacts[0].sha256``)."""

    def __init__(self, data: Any, origin: str, path: str) -> None:
        self.origin, self.path = origin, path
        if not isinstance(data, dict):
            raise self._bad(None, "an object")
        self.data: dict[str, Any] = data

    def _child(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key

    def _bad(self, key: str | None, kind: str) -> InputError:
        where = (self.path if key is None else self._child(key)) or "the record"
        return InputError(f"{self.origin} is not a valid build record: {where} must be {kind}.")

    def _get(self, key: str, kind: type | tuple[type, ...], what: str, optional: bool) -> Any:
        value = self.data.get(key)
        if value is None and optional:
            return None
        if not isinstance(value, kind) or isinstance(value, bool) != (kind is bool):
            raise self._bad(key, what)
        return value

    def text(self, key: str, optional: bool = False) -> Any:
        return self._get(key, str, "a string", optional)

    def flag(self, key: str) -> bool:
        return bool(self._get(key, bool, "true or false", False))

    def count(self, key: str) -> int:
        value = self._get(key, int, "a whole number", False)
        if value < 0:
            raise self._bad(key, "a whole number, not negative")
        return int(value)

    def sha256(self, key: str) -> str:
        value = self.text(key)
        if not re.fullmatch(r"[0-9a-f]{64}", value):
            raise self._bad(key, "64 lower-case hex digits")
        return str(value)

    def texts(self, key: str) -> list[str]:
        values = self._get(key, list, "a list of strings", False)
        if not all(isinstance(v, str) for v in values):
            raise self._bad(key, "a list of strings")
        return list(values)

    def obj(self, key: str) -> _Fields:
        return _Fields(self.data.get(key), self.origin, self._child(key))

    def obj_or_none(self, key: str) -> _Fields | None:
        return None if self.data.get(key) is None else self.obj(key)

    def objs(self, key: str) -> list[_Fields]:
        values = self._get(key, list, "a list", False)
        return [_Fields(v, self.origin, self._child(f"{key}[{i}]")) for i, v in enumerate(values)]


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
    """A CycloneDX SBOM as read: the document, its spec version and each component's bom-ref."""

    data: dict[str, Any]
    spec_version: str
    bom_refs: Mapping[Component, str]


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
