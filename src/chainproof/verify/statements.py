"""In-toto Statement v1 checks: subjects, predicate types, SLSA provenance and CycloneDX SBOM.

Everything here reads the payload exactly as signed (bytes from the verified DSSE envelope);
nothing is re-serialised. Raw dicts only at this wire boundary; checks return
``(check, detail)`` pairs, an empty list meaning the statement satisfies the policy.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from chainproof.formats.deploy_policy import Policy
from chainproof.verify.identity import SignerIdentity

__all__ = [
    "VSA_PREDICATE_TYPE",
    "ProvenanceFacts",
    "certificate_mismatches",
    "is_artifact_predicate",
    "provenance_facts",
    "provenance_failures",
    "slsa_predicate_failures",
]

# A verification summary is a verifier's verdict, signed even when it says FAILED (chainproof
# signs its VSA, as the deploy job): it vouches for its subjects only when it says PASSED.
# Every other predicate type attests its subjects (SBOMs, test results, custom predicates).
VSA_PREDICATE_TYPE = "https://slsa.dev/verification_summary/v1"
_VERDICT_PREDICATES = (
    VSA_PREDICATE_TYPE,
    "https://slsa.dev/verification_summary/v0.2",
)


def is_artifact_predicate(predicate_type: str, predicate: Any = None) -> bool:
    """Does a statement of this type (and predicate) attest its subjects?"""
    if predicate_type in _VERDICT_PREDICATES:
        return bool(_get(predicate, "verificationResult") == "PASSED")
    return True


@dataclass(frozen=True)
class ProvenanceFacts:
    """What a SLSA v1 predicate says about the build."""

    builder_id: str | None
    source_uri: str | None
    ref: str | None
    commit: str | None
    dirty: bool = False  # chainproof's buildType: the checkout had uncommitted changes
    finished_on: str | None = None  # runDetails.metadata.finishedOn, as signed

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
    finished = _get(predicate, "runDetails", "metadata", "finishedOn")
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
        finished_on=finished if isinstance(finished, str) else None,
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


def provenance_failures(policy: Policy, facts: ProvenanceFacts) -> list[tuple[str, str]]:
    """The predicate against the policy."""
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
    return failures


def certificate_mismatches(
    facts: ProvenanceFacts, signer: SignerIdentity | None
) -> list[tuple[str, str]]:
    """Where the provenance names another source repository, ref or commit than the
    certificate that signed it (nothing to compare for a key, which has no certificate)."""
    failures: list[tuple[str, str]] = []
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
