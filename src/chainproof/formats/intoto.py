"""In-toto Statement v1 documents: SLSA Provenance v1 over the dists, and the CycloneDX SBOM
as a predicate. Plain dicts: this is the wire boundary (in-toto JSON)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from chainproof import __version__
from chainproof.fileio import canonical_json
from chainproof.models import Artifact, BuildRecord, EnvironmentPackage

__all__ = [
    "BUILD_TYPE",
    "CYCLONEDX_BOM",
    "IN_TOTO_PAYLOAD_TYPE",
    "IN_TOTO_STATEMENT_V1",
    "SLSA_PROVENANCE_V1",
    "RunDetails",
    "provenance_statement",
    "sbom_statement",
    "statement_bytes",
    "subjects",
]

IN_TOTO_PAYLOAD_TYPE = "application/vnd.in-toto+json"
IN_TOTO_STATEMENT_V1 = "https://in-toto.io/Statement/v1"
SLSA_PROVENANCE_V1 = "https://slsa.dev/provenance/v1"
CYCLONEDX_BOM = "https://cyclonedx.org/bom"
# Documented in docs/signing.md: a Python sdist/wheel build by `chainproof build`.
BUILD_TYPE = "https://chainproof.dev/build-types/python-dist/v1"


@dataclass(frozen=True)
class RunDetails:
    """Who ran the build and which run it was (from the CI environment)."""

    builder_id: str
    invocation_id: str | None = None
    ci: str = "local"  # "gitlab" | "github" | "local"


def subjects(artifacts: Sequence[Artifact]) -> list[dict[str, Any]]:
    return [
        {"name": a.name, "digest": {"sha256": a.sha256}}
        for a in sorted(artifacts, key=Artifact.sort_key)
    ]


def _statement(
    artifacts: Sequence[Artifact], predicate_type: str, predicate: dict[str, Any]
) -> dict[str, Any]:
    return {
        "_type": IN_TOTO_STATEMENT_V1,
        "subject": subjects(artifacts),
        "predicateType": predicate_type,
        "predicate": predicate,
    }


def statement_bytes(statement: dict[str, Any]) -> bytes:
    """The exact bytes that get signed (deterministic JSON)."""
    return canonical_json(statement).encode("utf-8")


def _source_dependency(record: BuildRecord) -> dict[str, Any]:
    source = record.source
    descriptor: dict[str, Any] = {"digest": {"gitCommit": source.commit}}
    if source.uri:
        descriptor["uri"] = f"git+{source.uri}" + (f"@{source.ref}" if source.ref else "")
    else:
        descriptor["name"] = "source"
    return descriptor


def provenance_statement(
    artifacts: Sequence[Artifact], record: BuildRecord | None, run: RunDetails
) -> dict[str, Any]:
    """SLSA Provenance v1 with every dist as a subject.

    Without a build record only what the dists themselves show is claimed: no source, no
    build environment, no times.
    """
    external: dict[str, Any] = {}
    internal: dict[str, Any] = {}
    resolved: list[dict[str, Any]] = []
    metadata: dict[str, Any] = {}
    if record is not None:
        external = {
            "source": {
                "repository": record.source.uri,
                "ref": record.source.ref,
                "commit": record.source.commit,
                "dirty": record.source.dirty,
            },
            "project": {"name": record.project_name, "version": record.project_version},
            "options": record.options,
        }
        internal = {
            "buildBackend": record.build_backend,
            "buildRequires": list(record.build_requires),
            "sourceDateEpoch": record.source_date_epoch,
            "installer": {
                "name": record.tools.installer,
                "version": record.tools.installer_version,
            },
            "python": record.tools.python,
            "platform": record.tools.platform,
        }
        resolved.append(_source_dependency(record))
        for package in sorted(record.build_environment, key=EnvironmentPackage.sort_key):
            descriptor: dict[str, Any] = {
                "name": package.filename,
                "uri": f"pkg:pypi/{package.name.lower()}@{package.version}",
                "digest": {"sha256": package.sha256},
            }
            if package.url:
                descriptor["downloadLocation"] = package.url
            resolved.append(descriptor)
        metadata = {"startedOn": record.started, "finishedOn": record.finished}
    if run.invocation_id:
        metadata["invocationId"] = run.invocation_id
    build_definition: dict[str, Any] = {
        "buildType": BUILD_TYPE,
        "externalParameters": external,
        "internalParameters": internal,
        "resolvedDependencies": resolved,
    }
    builder: dict[str, Any] = {"id": run.builder_id, "version": {"chainproof": __version__}}
    if record is not None:
        builder["version"]["build"] = record.tools.build
    run_details: dict[str, Any] = {"builder": builder}
    if metadata:
        run_details["metadata"] = metadata
    predicate = {"buildDefinition": build_definition, "runDetails": run_details}
    return _statement(artifacts, SLSA_PROVENANCE_V1, predicate)


def sbom_statement(artifacts: Sequence[Artifact], sbom: dict[str, Any]) -> dict[str, Any]:
    """The CycloneDX document itself as the predicate, every dist as a subject."""
    return _statement(artifacts, CYCLONEDX_BOM, sbom)
