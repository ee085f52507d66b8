"""The stand-in itself: the real sigstore client signs against it and the upstream CLI and
sigstore-python verify the results offline under its trust config."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import jwt
import pytest
import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from pypi_attestations import Attestation, Distribution, GitHubPublisher, GitLabPublisher
from sigstore import dsse
from sigstore.errors import VerificationError
from sigstore.models import ClientTrustConfig, TrustedRoot
from sigstore.oidc import IdentityToken
from sigstore.sign import SigningContext
from sigstore.verify import Verifier, policy

from tests.sigstore_local import LocalSigstore

GITLAB_SAN = "https://gitlab.com/group/project//.gitlab-ci.yml@refs/heads/main"


def _context(config: Path) -> SigningContext:
    return SigningContext.from_trust_config(ClientTrustConfig.from_json(config.read_text()))


def _extension(cert: x509.Certificate, suffix: int) -> bytes:
    oid = x509.ObjectIdentifier(f"1.3.6.1.4.1.57264.1.{suffix}")
    value = cert.extensions.get_extension_for_oid(oid).value
    assert isinstance(value, x509.UnrecognizedExtension)
    return value.value


def test_gitlab_artifact_round_trip_with_upstream_cli(
    local_sigstore: LocalSigstore, tmp_path: Path
) -> None:
    artifact = tmp_path / "demo-1.0.tar.gz"
    artifact.write_bytes(b"not really a tarball")
    token = IdentityToken(local_sigstore.gitlab_token())
    before = local_sigstore.rekor_entries
    with _context(local_sigstore.trust_config).signer(token) as signer:
        bundle = signer.sign_artifact(artifact.read_bytes())
    assert local_sigstore.rekor_entries == before + 1
    (tmp_path / "demo-1.0.tar.gz.sigstore.json").write_text(bundle.to_json())

    assert local_sigstore.cli_verify(artifact, GITLAB_SAN, "https://gitlab.com") == 0
    assert local_sigstore.cli_verify(artifact, GITLAB_SAN + "x", "https://gitlab.com") != 0
    assert local_sigstore.cli_verify(artifact, GITLAB_SAN, "https://github.com") != 0
    artifact.write_bytes(b"not really a tarball!")
    assert local_sigstore.cli_verify(artifact, GITLAB_SAN, "https://gitlab.com") != 0

    cert = bundle.signing_certificate
    assert _extension(cert, 1) == b"https://gitlab.com"
    assert _extension(cert, 8) == b"\x0c\x12https://gitlab.com"
    assert _extension(cert, 12).endswith(b"https://gitlab.com/group/project")
    assert _extension(cert, 14).endswith(b"refs/heads/main")
    assert _extension(cert, 18).endswith(GITLAB_SAN.encode())


def test_github_dsse_policies_on_repository_and_ref(local_sigstore: LocalSigstore) -> None:
    token = IdentityToken(local_sigstore.github_token("octo/demo", ref="refs/tags/v1.0"))
    statement = (
        dsse.StatementBuilder()
        .subjects([dsse.Subject(name="a", digest=dsse.DigestSet(root={"sha256": "00" * 32}))])
        .predicate_type("https://example.invalid/predicate")
        .predicate({"k": "v"})
        .build()
    )
    with _context(local_sigstore.trust_config).signer(token) as signer:
        bundle = signer.sign_dsse(statement)
    san = "https://github.com/octo/demo/.github/workflows/release.yml@refs/tags/v1.0"
    good = policy.AllOf(
        [
            policy.Identity(identity=san, issuer="https://token.actions.githubusercontent.com"),
            policy.OIDCSourceRepositoryURI("https://github.com/octo/demo"),
            policy.OIDCSourceRepositoryRef("refs/tags/v1.0"),
            policy.GitHubWorkflowRepository("octo/demo"),
        ]
    )
    payload_type, payload = local_sigstore.verifier().verify_dsse(bundle, good)
    alone = Verifier(trusted_root=TrustedRoot.from_file(str(local_sigstore.trusted_root)))
    assert alone.verify_dsse(bundle, good) == (payload_type, payload)
    assert payload_type == "application/vnd.in-toto+json"
    assert json.loads(payload)["predicate"] == {"k": "v"}
    with pytest.raises(VerificationError):
        local_sigstore.verifier().verify_dsse(
            bundle, policy.OIDCSourceRepositoryRef("refs/heads/main")
        )
    publisher = GitHubPublisher(repository="octo/demo", workflow="release.yml")
    local_sigstore.verifier().verify_dsse(bundle, publisher._as_policy())
    other = GitHubPublisher(repository="octo/demo", workflow="ci.yml")
    with pytest.raises(VerificationError):
        local_sigstore.verifier().verify_dsse(bundle, other._as_policy())


def test_pep740_attestation_with_gitlab_publisher_policy(
    local_sigstore: LocalSigstore, tmp_path: Path
) -> None:
    dist = tmp_path / "demo-1.0.tar.gz"
    dist.write_bytes(b"sdist bytes")
    token = IdentityToken(local_sigstore.gitlab_token("group/sub/demo"))
    with _context(local_sigstore.trust_config).signer(token) as signer:
        attestation = Attestation.sign(signer, Distribution.from_file(dist))
    publisher = GitLabPublisher(repository="group/sub/demo", workflow_filepath=".gitlab-ci.yml")
    # Attestation.verify only knows the public-good roots; check the same bundle and the
    # publisher's policy with a verifier on the local root.
    local_sigstore.verifier().verify_dsse(attestation.to_bundle(), publisher._as_policy())
    other = GitLabPublisher(repository="group/other", workflow_filepath=".gitlab-ci.yml")
    with pytest.raises(VerificationError):
        local_sigstore.verifier().verify_dsse(attestation.to_bundle(), other._as_policy())


def test_fulcio_checks_the_token_and_its_claims(local_sigstore: LocalSigstore) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    csr = (
        x509.CertificateSigningRequestBuilder()
        .subject_name(x509.Name([]))
        .sign(key, hashes.SHA256())
    )
    pem = csr.public_bytes(serialization.Encoding.PEM)
    body = {"certificateSigningRequest": base64.b64encode(pem).decode()}

    def status(token: str) -> int:
        return requests.post(
            f"{local_sigstore.fulcio_url}/api/v2/signingCert",
            json=body,
            headers={"Authorization": f"Bearer {token}"},
            timeout=10,
        ).status_code

    forged = jwt.encode(
        jwt.decode(local_sigstore.gitlab_token(), options={"verify_signature": False}),
        ec.generate_private_key(ec.SECP256R1()),
        algorithm="ES256",
    )
    assert status(local_sigstore.gitlab_token()) == 201
    assert status(local_sigstore.gitlab_token(expires_in=-30)) == 401
    assert status(local_sigstore.gitlab_token(audience="other")) == 401
    assert status(forged) == 401
    assert status(local_sigstore.token()) == 400  # a GitLab issuer without the CI claims
    email = local_sigstore.token(issuer="https://idp.example.invalid", claims={"email": "a@b.c"})
    assert status(email) == 201


@pytest.mark.parametrize("down", ["fulcio", "rekor"])
def test_unreachable_services_refuse_connections(local_sigstore: LocalSigstore, down: str) -> None:
    config = local_sigstore.unreachable_trust_config(**{down: True})
    data = json.loads(config.read_text())["signingConfig"]
    url = (data["caUrls"] if down == "fulcio" else data["rekorTlogUrls"])[0]["url"]
    with pytest.raises(requests.ConnectionError):
        requests.post(url, json={}, timeout=10)
