"""build-record.json: what ``chainproof build`` built, from what and with which tools; every
file of the build environment with its sha256. Written by the build, read by ``sbom --dist``,
``sign`` and the release. The format is the JSON Schema
``formats/schemas/build-record.schema.json`` (reference: docs/formats.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from chainproof.fileio import load_json
from chainproof.formats.schema import validate
from chainproof.models import (
    BUILD_RECORD_NAME,
    BUILD_RECORD_SCHEMA,
    Artifact,
    BuildRecord,
    EnvironmentPackage,
    LockReference,
    SourceInfo,
    ToolVersions,
)

__all__ = ["from_json", "read_build_record", "to_json"]


def to_json(record: BuildRecord) -> dict[str, Any]:
    """The wire form of build-record.json."""
    return {
        "schema": BUILD_RECORD_SCHEMA,
        "project": {"name": record.project_name, "version": record.project_version},
        "source": {
            "uri": record.source.uri,
            "commit": record.source.commit,
            "ref": record.source.ref,
            "dirty": record.source.dirty,
        },
        "source_date_epoch": record.source_date_epoch,
        "started": record.started,
        "finished": record.finished,
        "tools": {
            "chainproof": record.tools.chainproof,
            "python": record.tools.python,
            "platform": record.tools.platform,
            "installer": {
                "name": record.tools.installer,
                "version": record.tools.installer_version,
            },
            "build": record.tools.build,
        },
        "backend": {"build-backend": record.build_backend, "requires": list(record.build_requires)},
        "options": record.options,
        "build_lock": record.build_lock.to_json() if record.build_lock else None,
        "artifacts": [a.to_json() for a in sorted(record.artifacts, key=Artifact.sort_key)],
        "build_environment": [
            p.to_json() for p in sorted(record.build_environment, key=EnvironmentPackage.sort_key)
        ],
    }


def from_json(data: Any, origin: str = BUILD_RECORD_NAME) -> BuildRecord:
    """Read the wire form, checked against formats/schemas/build-record.schema.json: any
    missing or mistyped field is one InputError naming it."""
    validate(data, "build-record", origin)
    project, source, tools = data["project"], data["source"], data["tools"]
    installer, backend, lock = tools["installer"], data["backend"], data.get("build_lock")
    return BuildRecord(
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
            EnvironmentPackage(p["name"], p["version"], p["filename"], p["sha256"], p.get("url"))
            for p in data["build_environment"]
        ),
        options=data.get("options", {}),
        build_lock=None if lock is None else LockReference(lock["path"], lock["sha256"]),
    )


def read_build_record(path: Path) -> BuildRecord:
    """The build record at ``path``; a missing, unreadable or invalid file is InputError."""
    return from_json(load_json(path, "build record"), str(path))
