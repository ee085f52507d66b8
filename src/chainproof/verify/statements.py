"""In-toto Statement v1 checks: subjects, predicate types, SLSA provenance and CycloneDX SBOM.

Everything here reads the payload exactly as signed (bytes from the verified DSSE envelope);
nothing is re-serialised. Raw dicts only at this wire boundary; checks return
``(check, detail)`` pairs, an empty list meaning the statement satisfies the policy.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from chainproof.formats.deploy_policy import Policy
from chainproof.formats.intoto import (
    CYCLONEDX_BOM,
    IN_TOTO_PAYLOAD_TYPE,
    IN_TOTO_STATEMENT_V1,
    SLSA_PROVENANCE_V1,
)
from chainproof.verify.identity import SignerIdentity

__all__ = [
    "CYCLONEDX_BOM",
    "IN_TOTO_PAYLOAD_TYPE",
    "IN_TOTO_STATEMENT_V1",
    "SLSA_PROVENANCE_V1",
    "ProvenanceFacts",
    "Statement",
    "StatementError",
    "is_artifact_predicate",
    "parse_statement",
    "provenance_facts",
    "provenance_failures",
    "slsa_predicate_failures",
]


def is_artifact_predicate(predicate_type: str) -> bool:
    """Does a statement of this type attest artifacts: SLSA provenance, a CycloneDX SBOM, or
    PEP 740's publish attestation (whose URI pypi-attestations defines; loaded only here)?"""
    if predicate_type in (SLSA_PROVENANCE_V1, CYCLONEDX_BOM):
        return True
    from pypi_attestations import AttestationType

    return predicate_type == AttestationType.PYPI_PUBLISH_V1.value


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
    if not isinstance(data, dict) or data.get("_type") != IN_TOTO_STATEMENT_V1:
        kind = data.get("_type") if isinstance(data, dict) else type(data).__name__
        raise StatementError(
            "statement", f"the signed payload is not an in-toto Statement v1 (_type {kind!r})"
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


@dataclass(frozen=True)
class ProvenanceFacts:
    """What a SLSA v1 predicate says about the build."""

    builder_id: str | None
    source_uri: str | None
    ref: str | None
    commit: str | None
    dirty: bool = False  # chainproof's buildType: the checkout had uncommitted changes

    def to_json(self) -> dict[str, str | None]:
        return dict(self.__dict__)


def _get(data: Any, *path: str) -> Any:
    for key in path:
        if not isinstance(data, dict):
            return None
        data = data.get(key)
    return data


def _repo(uri: str) -> str:
    uri = uri.removeprefix("git+").rstrip("/")
    return uri.removesuffix(".git")


def provenance_facts(predicate: Any) -> ProvenanceFacts:
    """Builder id, source repository, ref and commit from a SLSA Provenance v1 predicate.

    The source comes from ``externalParameters.workflow`` (GitHub's and GitLab's workflow build
    types) or ``externalParameters.source``, else the first ``git+URI@REF`` in
    ``resolvedDependencies`` (the common convention, and chainproof's own).
    """
    builder = _get(predicate, "runDetails", "builder", "id")
    external = _get(predicate, "buildDefinition", "externalParameters")
    source = _get(external, "workflow") or _get(external, "source")
    uri = ref = commit = None
    dirty = isinstance(source, dict) and "dirty" in source and source["dirty"] is not False
    if isinstance(source, dict):  # a checkout without a remote still names its ref and commit
        ref, commit = source.get("ref"), source.get("commit")
        if isinstance(source.get("repository"), str):
            uri = _repo(source["repository"])
    dependencies = _get(predicate, "buildDefinition", "resolvedDependencies")
    for dep in dependencies if isinstance(dependencies, list) else []:
        dep_uri = dep.get("uri") if isinstance(dep, dict) else None
        if isinstance(dep_uri, str) and dep_uri.startswith("git+"):
            location, _, dep_ref = dep_uri.rpartition("@")
            if not location:
                location, dep_ref = dep_uri, ""
            if uri is None or _repo(location) == uri:
                uri, ref = uri or _repo(location), ref or dep_ref or None
                commit = commit or _get(dep, "digest", "gitCommit") or _get(dep, "digest", "sha1")
            break
    return ProvenanceFacts(
        builder_id=builder if isinstance(builder, str) else None,
        source_uri=uri,
        ref=ref if isinstance(ref, str) else None,
        commit=commit if isinstance(commit, str) else None,
        dirty=dirty,
    )


_SLSA_REQUIRED: tuple[tuple[tuple[str, ...], type], ...] = (
    (("buildDefinition", "buildType"), str),
    (("buildDefinition", "externalParameters"), dict),
    (("runDetails", "builder", "id"), str),
)


def slsa_predicate_failures(predicate: Any) -> list[tuple[str, str]]:
    """The fields SLSA Provenance v1 requires: without them a statement is not provenance,
    whatever its predicateType says (and checks on absent fields would have nothing to read)."""
    missing = [
        ".".join(path)
        for path, kind in _SLSA_REQUIRED
        if not isinstance(value := _get(predicate, *path), kind) or (kind is str and not value)
    ]
    if not missing:
        return []
    return [
        (
            "provenance-predicate",
            f"the predicate is not SLSA Provenance v1: no {', '.join(missing)}",
        )
    ]


def provenance_failures(
    policy: Policy, facts: ProvenanceFacts, signer: SignerIdentity | None
) -> list[tuple[str, str]]:
    """The predicate against the policy, and against the certificate that signed it."""
    failures: list[tuple[str, str]] = []
    if policy.builder_id is not None and facts.builder_id != policy.builder_id:
        failures.append(
            (
                "builder-id",
                f"the provenance's builder id is {facts.builder_id!r}, "
                f"expected {policy.builder_id!r}",
            )
        )
    if facts.dirty:
        failures.append(
            (
                "source-dirty",
                "the provenance says the source checkout had uncommitted changes "
                "(built with --allow-dirty): its commit does not describe what was built",
            )
        )
    expected = policy.expected_source
    if expected is not None and facts.source_uri != expected:
        failures.append(
            (
                "source-uri",
                f"the provenance's source is {facts.source_uri!r}, expected {expected!r}",
            )
        )
    if policy.ref is not None and facts.ref != policy.ref:
        failures.append(("ref", f"the provenance's ref is {facts.ref!r}, expected {policy.ref!r}"))
    if signer is not None:
        pairs = (
            ("source repository", _repo(signer.source_repository_uri or ""), facts.source_uri),
            ("ref", signer.source_repository_ref, facts.ref),
            (
                "commit",
                (signer.source_repository_digest or "").lower(),
                (facts.commit or "").lower(),
            ),
        )
        for what, cert_value, predicate_value in pairs:
            if cert_value and predicate_value and cert_value != predicate_value:
                failures.append(
                    (
                        "provenance-matches-certificate",
                        f"the certificate's {what} is {cert_value!r} but the provenance "
                        f"says {predicate_value!r}",
                    )
                )
    return failures
