"""The verification run: each artifact's bundles, then the release's provenance and SBOM.

Checks an artifact must pass (``required``): ``signature`` and ``identity`` (its bundles),
plus ``provenance`` and ``sbom`` when the policy requires them. Provenance and SBOM
attestations present in a release are verified even when not required: a tampered release
does not deploy. Failures about an artifact name it; the detail names the file and the step.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from chainproof.errors import UsageError, VerificationFailed
from chainproof.fileio import load_json, sha256_file
from chainproof.formats.cyclonedx.reader import bom_artifact_hashes
from chainproof.formats.deploy_policy import Policy
from chainproof.formats.intoto import CYCLONEDX_BOM, SLSA_PROVENANCE_V1, SPDX_DOCUMENT, Statement
from chainproof.formats.spdx.reader import artifact_hashes as spdx_artifact_hashes
from chainproof.models import SPDX_SBOM_NAME
from chainproof.progress import NullReporter, Reporter
from chainproof.verify.bundles import (
    BundleOutcome,
    is_key_envelope,
    is_sigstore_bundle,
)
from chainproof.verify.identity import SignerIdentity
from chainproof.verify.layout import inspection_names, layout_products
from chainproof.verify.report import ArtifactResult, Failure, Report
from chainproof.verify.rollback import age_failures, version_failures
from chainproof.verify.statements import (
    VSA_PREDICATE_TYPE,
    certificate_mismatches,
    is_artifact_predicate,
    provenance_facts,
    provenance_failures,
    slsa_predicate_failures,
)
from chainproof.verify.targets import BUNDLE_SUFFIXES, ArtifactToVerify, Release
from chainproof.verify.trust import trust_description
from chainproof.verify.verifiers import KeyVerifier, SignatureVerifier

__all__ = ["verify_targets"]

# Each SBOM's predicate type and where its subject lists the artifacts' sha256
_CYCLONEDX = (CYCLONEDX_BOM, bom_artifact_hashes)
_SPDX = (SPDX_DOCUMENT, spdx_artifact_hashes)

_KEY_PROVENANCE = f"provenance{KeyVerifier.statement_suffix}"
_KEY_SIGNED = (
    "no Sigstore signature: this release is key-signed (plain DSSE envelopes), "
    "verify it with --key PUBKEY"
)


@dataclass
class _Artifact:
    target: ArtifactToVerify
    signer: SignerIdentity | None = None
    passed: set[str] = field(default_factory=set)
    failures: list[Failure] = field(default_factory=list)
    own_provenance: tuple[str, Statement, SignerIdentity] | None = None
    predicate_types: set[str] = field(default_factory=set)
    signed_names: set[str] = field(default_factory=set)  # what verified statements call it
    warnings: list[str] = field(default_factory=list)
    needs_provenance: bool = False  # a key's: no bundle of its own signs the file

    def fail(self, check: str, detail: str) -> None:
        self.failures.append(Failure(self.target.name, check, detail))

    def saw(self, statement: Statement) -> None:
        """A verified statement names this artifact: keep its type and the names it gives."""
        self.predicate_types.add(statement.predicate_type)
        self.signed_names |= {n for n, sha in statement.subjects if sha == self.target.sha256}


def _binding_failures(
    statement: Statement, target: ArtifactToVerify, pep740: bool
) -> list[tuple[str, str]]:
    """Does a verified DSSE statement actually sign this artifact?"""
    failures = []
    if target.sha256 not in statement.digests:
        failures.append(
            ("subject-digest", f"sha256 {target.sha256} is not a subject of the signed statement")
        )
    if not is_artifact_predicate(statement.predicate_type, statement.predicate):
        failures.append(
            (
                "predicate-type",
                f"the predicate type {statement.predicate_type!r} is a verifier's verdict "
                "that does not say PASSED",
            )
        )
    if pep740:
        names = [name for name, _ in statement.subjects]
        if len(names) != 1:
            failures.append(("subject-name", "a PEP 740 attestation must have one subject"))
        elif target.path is not None and names[0] != target.name:
            failures.append(
                ("subject-name", f"the attestation is for {names[0]!r}, not {target.name!r}")
            )
    return failures


def _key_signed(release: Release | None) -> bool:
    """Are the release's statements plain DSSE envelopes of a managed key (``sign --signer
    key``), read by manifest or by name?"""
    if release is None:
        return False
    paths = (release.provenance, release.sbom_attestation, release.directory / _KEY_PROVENANCE)
    return any(p is not None and p.is_file() and is_key_envelope(p) for p in paths)


class _Run:
    def __init__(self, policy: Policy, verifier: SignatureVerifier | None) -> None:
        if verifier is None and policy.has_signer:  # only a library caller can forget it
            raise UsageError("verify_targets needs a verifier for a policy naming a signer.")
        self.policy = policy
        self._verifier = verifier
        self.evidence: dict[str, str] = {}

    @property
    def verifier(self) -> SignatureVerifier:
        assert self._verifier is not None  # checked in __init__ for every policy with a signer
        return self._verifier

    def bundle(self, path: Path, sha256: str | None = None) -> BundleOutcome:
        """Verify one bundle or envelope with the policy's verifier."""
        self.evidence[path.name] = sha256_file(path)
        return self.verifier.verify(path, sha256)

    def artifact(self, target: ArtifactToVerify, key_signed: bool) -> _Artifact:
        art = _Artifact(target)
        if not self.policy.has_signer:
            return art  # a layout alone: the in-toto chain is the only evidence (see layout())
        keyed = not self.verifier.signs_files
        bundles = list(target.bundles)
        if keyed:
            # A managed key signs a file through the file's own Sigstore bundle (cosign
            # sign-blob --key), or else a statement the file is a subject of: the release's
            # provenance, or a plain envelope given with --bundle (see provenance()).
            art.needs_provenance = not any(is_sigstore_bundle(p) for p in bundles)
        elif not bundles:
            looked = ", ".join(target.name + s for s in BUNDLE_SUFFIXES)
            art.fail(
                "signature",
                _KEY_SIGNED if key_signed else f"no Sigstore bundle found (looked for {looked})",
            )
            return art
        for path in bundles:
            pep740 = path.name.endswith(".publish.attestation")
            plain = keyed and not is_sigstore_bundle(path)
            outcome = self.bundle(path, None if plain else target.sha256)
            art.signer = art.signer or outcome.signer
            problems = list(outcome.failures)
            if outcome.statement is not None:
                problems += _binding_failures(outcome.statement, target, pep740)
                art.saw(outcome.statement)
                if not problems and outcome.statement.predicate_type == SLSA_PROVENANCE_V1:
                    art.own_provenance = (path.name, outcome.statement, outcome.signer)
                elif not problems and outcome.statement.predicate_type == VSA_PREDICATE_TYPE:
                    art.needs_provenance = False  # a key's PASSED verdict over the file
            for check, detail in problems:
                art.fail(check, f"{path.name}: {detail}")
        if not art.failures and not art.needs_provenance:
            art.passed |= {"signature", "identity"}
        return art

    def provenance(self, path: Path | None, arts: list[_Artifact]) -> None:
        required = "provenance" in self.policy.require
        if path is None:
            for art in arts:
                if art.own_provenance is not None:
                    self._check_provenance(*art.own_provenance, [art])
                elif required or art.needs_provenance:
                    beside = f"provenance{self.verifier.statement_suffix}"
                    art.fail(
                        "provenance",
                        f"no provenance found ({beside} beside it, or an SLSA provenance bundle)",
                    )
            return
        outcome = self._statement(path, arts)
        self._check_provenance(path.name, outcome.statement, outcome.signer, arts)

    def _statement(self, path: Path, arts: list[_Artifact]) -> BundleOutcome:
        outcome = self.bundle(path)
        for check, detail in outcome.failures:
            for art in arts:
                art.fail(check, f"{path.name}: {detail}")
        return outcome

    def _check_provenance(
        self, name: str, statement: Statement | None, signer: SignerIdentity, arts: list[_Artifact]
    ) -> None:
        if statement is None:
            return
        if statement.predicate_type != SLSA_PROVENANCE_V1:
            for art in arts:
                art.fail(
                    "predicate-type",
                    f"{name}: the predicate type is "
                    f"{statement.predicate_type!r}, expected "
                    f"{SLSA_PROVENANCE_V1!r}",
                )
            return
        facts = provenance_facts(statement.predicate)
        mismatches = certificate_mismatches(facts, signer if self.verifier.signs_files else None)
        if self.policy.checks_provenance:
            problems = slsa_predicate_failures(statement.predicate) or [
                *provenance_failures(self.policy, facts),
                *age_failures(self.policy, facts),
                *mismatches,
            ]
        else:  # an identity-only policy: shown, not judged, but a dirty build never deploys
            problems = provenance_failures(self.policy, facts)  # (nothing else to compare)
        for art in arts:
            art.saw(statement)
            if not self.policy.checks_provenance:
                art.warnings += [f"{name}: {detail}" for _, detail in mismatches]
            for check, detail in problems:
                art.fail(check, f"{name}: {detail}")
            if art.target.sha256 not in statement.digests:
                art.fail(
                    "provenance-subject", f"sha256 {art.target.sha256} is not a subject of {name}"
                )
            elif not problems and self.policy.checks_provenance:
                art.passed.add("provenance")
                if not self.verifier.signs_files:
                    # a key has no certificate to name the source: the provenance it signed
                    # does (what the report shows; the policy checked the same facts)
                    art.signer = replace(
                        signer,
                        source_repository_uri=facts.source_uri,
                        source_repository_ref=facts.ref,
                    )
                    art.passed |= {"signature", "identity"}

    def sbom(self, release: Release | None, arts: list[_Artifact]) -> None:
        """The CycloneDX SBOM's attestation (required by ``--require sbom``), and the SPDX
        SBOM's when the release has one: each checked the same way."""
        if release is None or release.sbom_attestation is None:
            if "sbom" in self.policy.require:
                expected = f"sbom.intoto{self.verifier.statement_suffix}"
                for art in arts:
                    art.fail("sbom", f"no SBOM attestation found ({expected})")
        else:
            self._sbom(
                release.sbom_attestation, release.sbom, release.sbom_bundles, _CYCLONEDX, arts
            )
        if release is None or (release.spdx is None and release.spdx_attestation is None):
            return
        if release.spdx_attestation is None:
            expected = f"sbom.spdx.intoto{self.verifier.statement_suffix}"
            for art in arts:
                art.fail("sbom", f"{SPDX_SBOM_NAME} has no attestation ({expected})")
            return
        self._sbom(release.spdx_attestation, release.spdx, release.spdx_bundles, _SPDX, arts)

    def _sbom(
        self,
        path: Path,
        sbom: Path | None,
        bundles: tuple[Path, ...],
        kind: tuple[str, Callable[[Any], frozenset[str]]],
        arts: list[_Artifact],
    ) -> None:
        predicate_type, listed_in = kind
        statement = self._statement(path, arts).statement
        if statement is None:
            return
        problems = []
        if statement.predicate_type != predicate_type:
            problems.append(
                (
                    "predicate-type",
                    f"{path.name}: the predicate type is "
                    f"{statement.predicate_type!r}, expected "
                    f"{predicate_type!r}",
                )
            )
        if sbom is not None:
            if load_json(sbom, "SBOM") != statement.predicate:
                problems.append(
                    ("sbom-content", f"{sbom.name} differs from the SBOM signed in {path.name}")
                )
            sbom_sha = sha256_file(sbom)
            for bundle in bundles:
                problems += [
                    (c, f"{bundle.name}: {d}") for c, d in self.bundle(bundle, sbom_sha).failures
                ]
        listed = listed_in(statement.predicate)
        for art in arts:
            art.saw(statement)
            for check, detail in problems:
                art.fail(check, detail)
            if art.target.sha256 not in statement.digests:
                art.fail(
                    "sbom-subject", f"sha256 {art.target.sha256} is not a subject of {path.name}"
                )
            elif art.target.sha256 not in listed:
                art.fail(
                    "sbom-digest",
                    f"the SBOM's subject ({path.name}) does not list sha256 {art.target.sha256}",
                )
            elif not problems:
                art.passed.add("sbom")

    def layout(self, layout: Path, layout_key: Path, links: Path, arts: list[_Artifact]) -> None:
        name = layout.name
        files = [a.target.path for a in arts if a.target.path is not None]
        inspections = inspection_names(layout)
        if inspections and len(files) < len(arts):  # fail closed: nothing to inspect
            for art in (a for a in arts if a.target.path is None):
                art.fail(
                    "layout",
                    f"{name}: inspection {inspections[0]!r} runs on the artifact's file, and "
                    "a digest alone has none; verify the file",
                )
        try:  # the layout's inspections run over copies of the artifacts being verified
            products = layout_products(layout, layout_key, links, files)
        except VerificationFailed as exc:
            for art in arts:
                art.fail("layout", f"{name}: {exc.message.rstrip('.')}")
            return
        self.evidence[name] = sha256_file(layout)
        for art in arts:
            if art.target.sha256 in products:
                art.passed.add("layout")
            else:
                art.fail(
                    "layout-subject",
                    f"sha256 {art.target.sha256} is not a product of the last step of {name}",
                )


def verify_targets(
    targets: list[ArtifactToVerify],
    release: Release | None,
    policy: Policy,
    verifier: SignatureVerifier | None,
    reporter: Reporter | None = None,
) -> Report:
    """Verify every target under ``policy`` with ``verifier`` (``verifier_for(policy)``);
    returns the Report (never raises for a failed check; malformed input raises
    InputError)."""
    progress = reporter or NullReporter()
    run = _Run(policy, verifier)
    progress.step("Verifying artifacts", total=len(targets))
    arts = []
    key_signed = verifier is not None and verifier.signs_files and _key_signed(release)
    for target in targets:
        arts.append(run.artifact(target, key_signed))
        progress.advance()
    if policy.has_signer:
        # A layout alone names no signer, so the release's statements cannot be verified (the
        # policy refuses --require without one): the in-toto chain decides, see layout().
        run.provenance(release.provenance if release else None, arts)
        run.sbom(release, arts)
    if policy.layout is not None and policy.layout_key is not None and policy.links is not None:
        run.layout(policy.layout, policy.layout_key, policy.links, arts)
    if policy.min_version is not None:
        for art in arts:
            names = [art.target.name, *sorted(art.signed_names)]
            problems = version_failures(policy, names)
            for check, detail in problems:
                art.fail(check, detail)
            if not problems:
                art.passed.add("min-version")
    required = (
        *(("signature", "identity") if policy.has_signer else ()),
        *(("layout",) if policy.layout is not None else ()),
        *sorted(policy.require),
        *(("min-version",) if policy.min_version is not None else ()),
    )
    release_failures = tuple(Failure(*f) for f in release.failures) if release else ()
    return Report(
        policy=policy,
        trust=trust_description(policy),
        artifacts=tuple(
            ArtifactResult(
                a.target.name,
                a.target.sha256,
                a.signer,
                (*required, "provenance")
                if a.needs_provenance and "provenance" not in required
                else required,
                tuple(sorted(a.passed)),
                tuple(a.failures),
                tuple(sorted(a.predicate_types)),
                tuple(a.warnings),
            )
            for a in arts
        ),
        failures=release_failures,
        evidence=tuple(sorted(run.evidence.items())),
    )
