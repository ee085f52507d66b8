"""Frozen dataclasses shared by the stages, and the wire form of build-record.json."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from chainproof.errors import InputError

__all__ = [
    "BUILD_RECORD_SCHEMA",
    "Artifact",
    "BuildRecord",
    "Component",
    "DependencyGraph",
    "Digest",
    "EnvironmentPackage",
    "Inventory",
    "SourceInfo",
    "ToolVersions",
]

BUILD_RECORD_SCHEMA = "https://chainproof.dev/build-record/v1"
_HEX = {"sha256": 64, "sha384": 96, "sha512": 128}


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


@dataclass(frozen=True, order=True)
class Artifact:
    """A file produced by a build: a wheel or an sdist."""

    name: str
    kind: str  # "wheel" | "sdist"
    sha256: str
    size: int

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "kind": self.kind, "sha256": self.sha256, "size": self.size}


@dataclass(frozen=True, order=True)
class EnvironmentPackage:
    """A distribution installed into an (isolated) build environment, from the exact file."""

    name: str
    version: str
    filename: str
    sha256: str
    url: str | None = None

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
            "artifacts": [a.to_json() for a in sorted(self.artifacts)],
            "build_environment": [p.to_json() for p in sorted(self.build_environment)],
        }

    @classmethod
    def from_json(cls, data: Any, origin: str = "build-record.json") -> BuildRecord:
        """Read the wire form; any missing or mistyped field is one clear InputError."""
        try:
            if data["schema"] != BUILD_RECORD_SCHEMA:
                raise InputError(f"{origin} has an unknown schema {data['schema']!r}.")
            source, tools = data["source"], data["tools"]
            return cls(
                project_name=str(data["project"]["name"]),
                project_version=str(data["project"]["version"]),
                source=SourceInfo(
                    uri=source["uri"],
                    commit=str(source["commit"]),
                    ref=source["ref"],
                    dirty=bool(source["dirty"]),
                ),
                source_date_epoch=int(data["source_date_epoch"]),
                started=str(data["started"]),
                finished=str(data["finished"]),
                tools=ToolVersions(
                    chainproof=str(tools["chainproof"]),
                    python=str(tools["python"]),
                    platform=str(tools["platform"]),
                    installer=str(tools["installer"]["name"]),
                    installer_version=str(tools["installer"]["version"]),
                    build=str(tools["build"]),
                ),
                build_backend=str(data["backend"]["build-backend"]),
                build_requires=tuple(str(r) for r in data["backend"]["requires"]),
                artifacts=tuple(
                    Artifact(str(a["name"]), str(a["kind"]), str(a["sha256"]), int(a["size"]))
                    for a in data["artifacts"]
                ),
                build_environment=tuple(
                    EnvironmentPackage(
                        str(p["name"]),
                        str(p["version"]),
                        str(p["filename"]),
                        str(p["sha256"]),
                        p.get("url"),
                    )
                    for p in data["build_environment"]
                ),
                options=dict(data.get("options", {})),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise InputError(
                f"{origin} is not a valid build record (bad or missing {exc})."
            ) from exc


@dataclass(frozen=True, order=True)
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
