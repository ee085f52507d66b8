"""An SBOM file of either format: read as an inventory (``read_sbom_file``), the files its
runtime packages name and the artifact hashes it lists, whichever format it is in."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from chainproof.errors import InputError
from chainproof.formats.cyclonedx import reader as cyclonedx
from chainproof.formats.spdx import reader as spdx
from chainproof.models import SbomDocument, SbomFile, SourceResult

__all__ = ["artifact_hashes", "distribution_files", "read_sbom_file"]


def read_sbom_file(path: Path) -> SourceResult:
    """Components, versions and the graph of a CycloneDX JSON or SPDX 2.2/2.3 JSON SBOM."""
    data = cyclonedx.load_sbom_json(path)
    if spdx.is_spdx(data):
        if "@context" in data:
            raise InputError(
                f"{path} is SPDX 3 JSON-LD; chainproof reads SPDX 2.2 and 2.3 JSON and "
                "CycloneDX JSON SBOMs.",
                hint="Write SPDX 2.3 (`--spec-version 2.3`) or CycloneDX for audit and verify-env.",
            )
        return spdx.parse_spdx(data, path)
    if isinstance(data, dict) and data.get("bomFormat") == "CycloneDX":
        return cyclonedx.parse_sbom(data, path)
    raise InputError(
        f'{path} is not a CycloneDX SBOM (no "bomFormat": "CycloneDX") nor an SPDX one '
        '(no "spdxVersion").'
    )


def distribution_files(document: SbomDocument, path: Path) -> list[SbomFile]:
    if document.format == "spdx":
        return spdx.distribution_files(document.data, path)
    return cyclonedx.distribution_files(document.data, path)


def artifact_hashes(data: Any) -> frozenset[str]:
    """The sha256 of every artifact the SBOM's subject lists (CycloneDX ``metadata.component``,
    the package an SPDX document describes)."""
    return spdx.artifact_hashes(data) if spdx.is_spdx(data) else cyclonedx.bom_artifact_hashes(data)
