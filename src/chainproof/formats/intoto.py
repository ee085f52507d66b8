"""In-toto Statement v1 documents: writing SLSA Provenance v1 over the dists and the CycloneDX
SBOM as a predicate, and parsing a signed statement back (``parse_statement``) exactly as
signed. Plain dicts: this is the wire boundary (in-toto JSON).

Why not in-toto-attestation's models (protobuf): they would change the signed bytes, since a
predicate is a ``google.protobuf.Struct``, whose numbers are doubles (the SBOM's ``version: 1``
and ``sourceDateEpoch`` would come back as ``1.0`` and ``1700000000.0``, and integers beyond
2**53 lose digits); importing them adds ~30 ms to a process that has loaded this module
(~65 ms on their own; protobuf's descriptor pool), a sixth of ``chainproof --help``
(~180 ms), so they could only be loaded inside functions; and what their ``validate()``
checks (the type, at least one subject, each with a digest, a predicate type, a non-empty
predicate) holds by construction here. So they are a test dependency only (requirements/dev.in):
tests/signing/test_statements.py and tests/cli/test_sign.py parse and validate what is
written here with them, as an independent judge."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from packaging.utils import canonicalize_name

from chainproof import __version__
from chainproof.fileio import canonical_json
from chainproof.models import Artifact, BuildRecord, EnvironmentPackage

__all__ = [
    "BUILD_TYPE",
    "CYCLONEDX_BOM",
    "IN_TOTO_PAYLOAD_TYPE",
    "IN_TOTO_STATEMENT_V1",
    "SLSA_PROVENANCE_V1",
    "SPDX_DOCUMENT",
    "RunDetails",
    "Statement",
    "StatementError",
    "parse_statement",
    "provenance_statement",
    "sbom_statement",
    "spdx_statement",
    "statement_bytes",
    "subjects",
]

IN_TOTO_PAYLOAD_TYPE = "application/vnd.in-toto+json"
IN_TOTO_STATEMENT_V1 = "https://in-toto.io/Statement/v1"
# v0.1 has the same subject/predicateType/predicate shape; cosign and npm still write it
_STATEMENT_TYPES = (IN_TOTO_STATEMENT_V1, "https://in-toto.io/Statement/v0.1")
SLSA_PROVENANCE_V1 = "https://slsa.dev/provenance/v1"
CYCLONEDX_BOM = "https://cyclonedx.org/bom"
SPDX_DOCUMENT = "https://spdx.dev/Document"
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
                # The PEP 503 name, as in the SBOM's purls (Component.purl).
                "uri": f"pkg:pypi/{canonicalize_name(package.name)}@{package.version}",
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


def spdx_statement(artifacts: Sequence[Artifact], sbom: dict[str, Any]) -> dict[str, Any]:
    """The SPDX document itself as the predicate, every dist as a subject."""
    return _statement(artifacts, SPDX_DOCUMENT, sbom)


class StatementError(Exception):
    """The signed payload is not a usable in-toto Statement; ``check`` names what failed."""

    def __init__(self, check: str, detail: str) -> None:
        super().__init__(detail)
        self.check = check
        self.detail = detail


@dataclass(frozen=True)
class Statement:
    """An in-toto Statement v1 as signed. ``subjects`` are (name, sha256 or None) pairs."""

    predicate_type: str
    subjects: tuple[tuple[str, str | None], ...]
    predicate: Any

    @property
    def digests(self) -> frozenset[str]:
        return frozenset(d for _, d in self.subjects if d is not None)


class _DuplicateKey(ValueError):
    pass


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """JSON parsers disagree on repeated keys (first or last wins); a signed statement with
    one could mean one thing here and another to the next tool, so it is refused."""
    seen: set[str] = set()
    for key, _ in pairs:
        if key in seen:
            raise _DuplicateKey(key)
        seen.add(key)
    return dict(pairs)


def parse_statement(payload_type: str, payload: bytes) -> Statement:
    """Parse the signed payload; a wrong type or shape raises StatementError."""
    if payload_type != IN_TOTO_PAYLOAD_TYPE:
        raise StatementError(
            "payload-type",
            f"the DSSE payload type is {payload_type!r}, expected {IN_TOTO_PAYLOAD_TYPE!r}",
        )
    try:
        data = json.loads(payload, object_pairs_hook=_unique_keys)
    except _DuplicateKey as exc:
        raise StatementError(
            "statement", f"the signed payload repeats the key {exc.args[0]!r}"
        ) from exc
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise StatementError("statement", f"the signed payload is not JSON: {exc}") from exc
    if not isinstance(data, dict) or data.get("_type") not in _STATEMENT_TYPES:
        kind = data.get("_type") if isinstance(data, dict) else type(data).__name__
        raise StatementError(
            "statement", f"the signed payload is not an in-toto Statement (_type {kind!r})"
        )
    predicate_type, raw_subjects = data.get("predicateType"), data.get("subject")
    if (
        not isinstance(predicate_type, str)
        or not isinstance(raw_subjects, list)
        or not (raw_subjects)
    ):
        raise StatementError("statement", "the statement has no predicateType or no subjects")
    subjects: list[tuple[str, str | None]] = []
    for item in raw_subjects:
        digest = item.get("digest") if isinstance(item, dict) else None
        if not isinstance(digest, dict):
            raise StatementError("statement", f"the statement has a malformed subject {item!r}")
        sha256 = digest.get("sha256")
        subjects.append(
            (str(item.get("name", "")), sha256.lower() if isinstance(sha256, str) else None)
        )
    return Statement(predicate_type, tuple(subjects), data.get("predicate"))
