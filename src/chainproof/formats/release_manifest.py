"""release.json: every file of a release directory with its sha256, size and role."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from chainproof.fileio import canonical_json

__all__ = ["MANIFEST_NAME", "RELEASE_SCHEMA", "ROLES", "ManifestEntry", "release_manifest"]

MANIFEST_NAME = "release.json"
RELEASE_SCHEMA = "https://chainproof.dev/release/v1"
ROLES = (
    "artifact",
    "build-record",
    "sbom",
    "signature",
    "provenance",
    "sbom-attestation",
    "pep740-attestation",
    "in-toto-link",
    "spdx-sbom",
    "spdx-sbom-attestation",
)
_WITH_SUBJECT = ("signature", "pep740-attestation")


@dataclass(frozen=True)
class ManifestEntry:
    name: str  # relative to the release directory
    sha256: str
    size: int
    role: str
    subject: str | None = None  # the file a signature or PEP 740 attestation covers

    @classmethod
    def of_bytes(
        cls, name: str, data: bytes, role: str, subject: str | None = None
    ) -> ManifestEntry:
        return cls(name, hashlib.sha256(data).hexdigest(), len(data), role, subject)

    def to_json(self) -> dict[str, Any]:
        if self.role not in ROLES:
            raise ValueError(f"unknown release file role {self.role!r}")
        data: dict[str, Any] = {
            "name": self.name,
            "sha256": self.sha256,
            "size": self.size,
            "role": self.role,
        }
        if self.role in _WITH_SUBJECT:
            data["subject"] = self.subject
        return data


def release_manifest(name: str, version: str, entries: Iterable[ManifestEntry]) -> str:
    """The canonical JSON text of release.json, files sorted by name."""
    files = [e.to_json() for e in sorted(entries, key=lambda e: e.name)]
    return canonical_json(
        {
            "schema": RELEASE_SCHEMA,
            "project": {"name": name, "version": version},
            "files": files,
        }
    )
