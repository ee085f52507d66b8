"""Frozen dataclasses shared by the stages, and the wire form of build-record.json."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from chainproof.errors import InputError

__all__ = [
    "BUILD_RECORD_NAME",
    "BUILD_RECORD_SCHEMA",
    "SBOM_NAME",
    "Artifact",
    "BuildRecord",
    "Component",
    "DependencyGraph",
    "Digest",
    "EnvironmentPackage",
    "Inventory",
    "LockReference",
    "SourceInfo",
    "ToolVersions",
    "none_first",
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
        """Read the wire form, checked against formats/schemas/build-record.schema.json: any
        missing or mistyped field is one InputError naming it."""
        from chainproof.formats.schema import validate

        validate(data, "build-record", origin)
        project, source, tools = data["project"], data["source"], data["tools"]
        installer, backend, lock = tools["installer"], data["backend"], data.get("build_lock")
        return cls(
            project_name=project["name"],
            project_version=project["version"],
            source=SourceInfo(
                uri=source.get("uri"),
                commit=source["commit"],
                ref=source.get("ref"),
                dirty=source["dirty"],
            ),
            source_date_epoch=data["source_date_epoch"],
            started=data["started"],
            finished=data["finished"],
            tools=ToolVersions(
                chainproof=tools["chainproof"],
                python=tools["python"],
                platform=tools["platform"],
                installer=installer["name"],
                installer_version=installer["version"],
                build=tools["build"],
            ),
            build_backend=backend["build-backend"],
            build_requires=tuple(backend["requires"]),
            artifacts=tuple(
                Artifact(a["name"], a["kind"], a["sha256"], a["size"]) for a in data["artifacts"]
            ),
            build_environment=tuple(
                EnvironmentPackage(
                    p["name"], p["version"], p["filename"], p["sha256"], p.get("url")
                )
                for p in data["build_environment"]
            ),
            options=data.get("options", {}),
            build_lock=None if lock is None else LockReference(lock["path"], lock["sha256"]),
        )


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
        return re.sub(r"[-_.]+", "-", self.name).lower()

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
