"""Round trip: `chainproof sign` (keyless, against the local Sigstore instance) then
`chainproof verify DIR --require provenance,sbom`; each tampering of the release fails with its
own reason. The managed-key round trip is in test_roundtrip_key.py."""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import Result

from tests.signing.demo import COMMIT, SOURCE_URI, build_demo_release
from tests.sigstore_local import LocalSigstore
from tests.verify.release_helpers import (
    SDIST,
    WHEEL,
    failures,
    flip_byte,
    invoke,
    sbom_with_artifact_hashes,
)

PROJECT = "group/project"
REF = "refs/heads/main"
GITLAB_ENV = {
    "GITLAB_CI": "true",
    "CI_SERVER_URL": "https://gitlab.com",
    "CI_PROJECT_PATH": PROJECT,
    "CI_RUNNER_ID": "12345",
    "CI_JOB_URL": f"https://gitlab.com/{PROJECT}/-/jobs/678",
}
BUILDER = f"https://gitlab.com/{PROJECT}/-/runners/12345"


@pytest.fixture(scope="module")
def keyless_release(
    tmp_path_factory: pytest.TempPathFactory, local_sigstore: LocalSigstore
) -> Path:
    directory = build_demo_release(tmp_path_factory.mktemp("keyless") / "dist")
    sbom_with_artifact_hashes(directory)
    token = local_sigstore.gitlab_token(project=PROJECT, ref=REF, claims={"sha": COMMIT})
    result = invoke(
        [
            "sign",
            str(directory),
            "--trust-config",
            str(local_sigstore.trust_config),
            "--identity-token",
            token,
        ],
        env=GITLAB_ENV,
    )
    assert result.exit_code == 0, result.output
    return directory


@pytest.fixture
def release(keyless_release: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "release"
    shutil.copytree(keyless_release, copy)
    return copy


def verify(local_sigstore: LocalSigstore, directory: Path, *extra: str) -> Result:
    return invoke(
        [
            "verify",
            str(directory),
            "--trust-config",
            str(local_sigstore.trust_config),
            "--gitlab",
            PROJECT,
            "--ref",
            REF,
            "--require",
            "provenance,sbom",
            "--json",
            *extra,
        ]
    )


def test_signed_release_verifies(local_sigstore: LocalSigstore, release: Path) -> None:
    result = verify(local_sigstore, release, "--builder-id", BUILDER, "--source-uri", SOURCE_URI)
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["passed"] is True
    assert sorted(a["name"] for a in report["artifacts"]) == sorted([SDIST, WHEEL])
    for artifact in report["artifacts"]:
        assert artifact["passed_checks"] == ["identity", "provenance", "sbom", "signature"]
        assert artifact["signer"]["source_repository_uri"] == SOURCE_URI
    evidence = {e["name"] for e in report["evidence"]}
    assert {
        "provenance.sigstore.json",
        "sbom.intoto.sigstore.json",
        f"{WHEEL}.sigstore.json",
        f"{WHEEL}.publish.attestation",
    } <= evidence


def test_single_file_and_digest_verify_with_the_release_evidence(
    local_sigstore: LocalSigstore, release: Path
) -> None:
    assert verify(local_sigstore, release / WHEEL).exit_code == 0
    digest = "sha256:" + hashlib.sha256((release / WHEEL).read_bytes()).hexdigest()
    by_digest = invoke(
        [
            "verify",
            digest,
            "--bundle",
            str(release / f"{WHEEL}.sigstore.json"),
            "--trust-config",
            str(local_sigstore.trust_config),
            "--gitlab",
            PROJECT,
            "--ref",
            REF,
            "--json",
        ]
    )
    assert by_digest.exit_code == 0, by_digest.output


def test_wrong_policies_fail(local_sigstore: LocalSigstore, release: Path) -> None:
    assert failures(verify(local_sigstore, release, "--builder-id", "https://evil")) >= {
        (WHEEL, "builder-id"),
        (SDIST, "builder-id"),
    }
    other = invoke(
        [
            "verify",
            str(release),
            "--trust-config",
            str(local_sigstore.trust_config),
            "--gitlab",
            "group/other",
            "--json",
        ]
    )
    assert other.exit_code == 1
    assert (WHEEL, "repository") in failures(other)


def _edit_json(path: Path, edit: Callable[[Any], None]) -> None:
    data = json.loads(path.read_text())
    edit(data)
    path.write_text(json.dumps(data))


def _edit_payload(path: Path, edit: Callable[[Any], None]) -> None:
    """Change the signed statement inside a DSSE bundle (its signature then no longer holds)."""

    def change(bundle: Any) -> None:
        statement = json.loads(base64.b64decode(bundle["dsseEnvelope"]["payload"]))
        edit(statement)
        bundle["dsseEnvelope"]["payload"] = base64.b64encode(
            json.dumps(statement).encode()
        ).decode()

    _edit_json(path, change)


def _resign(sigstore: LocalSigstore, path: Path, edit: Callable[[Any], None]) -> None:
    """Replace a DSSE bundle by a VALID one, same identity, over an edited statement: the
    checks on the statement itself must catch it (a compromised or buggy pipeline)."""
    from sigstore import dsse
    from sigstore.models import ClientTrustConfig
    from sigstore.oidc import IdentityToken
    from sigstore.sign import SigningContext

    bundle = json.loads(path.read_text())
    statement = json.loads(base64.b64decode(bundle["dsseEnvelope"]["payload"]))
    edit(statement)
    config = ClientTrustConfig.from_json(sigstore.trust_config.read_text())
    token = sigstore.gitlab_token(project=PROJECT, ref=REF, claims={"sha": COMMIT})
    with SigningContext.from_trust_config(config).signer(IdentityToken(token)) as signer:
        signed = signer.sign_dsse(dsse.Statement(json.dumps(statement).encode()))
    path.write_text(signed.to_json())


def _flip_signature(bundle: Any) -> None:
    raw = bytearray(base64.b64decode(bundle["messageSignature"]["signature"]))
    raw[8] ^= 0x01
    bundle["messageSignature"]["signature"] = base64.b64encode(bytes(raw)).decode()


def _swap(directory: Path) -> None:
    a, b = directory / f"{WHEEL}.sigstore.json", directory / f"{SDIST}.sigstore.json"
    data_a, data_b = a.read_bytes(), b.read_bytes()
    a.write_bytes(data_b)
    b.write_bytes(data_a)


def _drop_subject(statement: Any) -> None:
    statement["subject"] = [s for s in statement["subject"] if s["name"] != SDIST]


def _change_subject_digest(statement: Any) -> None:
    (wheel,) = (s for s in statement["subject"] if s["name"] == WHEEL)
    wheel["digest"]["sha256"] = "0" * 64


def _change_predicate_type(statement: Any) -> None:
    statement["predicateType"] = "https://slsa.dev/provenance/v0.2"


PROVENANCE = "provenance.sigstore.json"
SBOM_ATTESTATION = "sbom.intoto.sigstore.json"
Tamper = Callable[[LocalSigstore, Path], object]
TAMPERINGS: dict[str, tuple[Tamper, set[tuple[str, str]]]] = {
    "artifact byte": (
        lambda _, d: flip_byte(d / WHEEL),
        {(WHEEL, "artifact-digest"), (WHEEL, "manifest-digest")},
    ),
    "bundle signature": (
        lambda _, d: _edit_json(d / f"{WHEEL}.sigstore.json", _flip_signature),
        {(WHEEL, "signature")},
    ),
    "swapped bundles": (
        lambda _, d: _swap(d),
        {(WHEEL, "artifact-digest"), (SDIST, "artifact-digest")},
    ),
    "provenance payload edited": (
        lambda _, d: _edit_payload(d / PROVENANCE, _change_subject_digest),
        {(WHEEL, "signature"), (SDIST, "signature")},
    ),
    "provenance subject digest": (
        lambda s, d: _resign(s, d / PROVENANCE, _change_subject_digest),
        {(WHEEL, "provenance-subject")},
    ),
    "predicate type": (
        lambda s, d: _resign(s, d / PROVENANCE, _change_predicate_type),
        {(WHEEL, "predicate-type"), (SDIST, "predicate-type")},
    ),
    "artifact missing from the provenance": (
        lambda s, d: _resign(s, d / PROVENANCE, _drop_subject),
        {(SDIST, "provenance-subject")},
    ),
    "provenance source differs from the certificate": (
        lambda s, d: _resign(
            s,
            d / PROVENANCE,
            lambda st: st["predicate"]["buildDefinition"]["externalParameters"]["source"].update(
                commit="f" * 40
            ),
        ),
        {(WHEEL, "provenance-matches-certificate")},
    ),
    "SBOM file hash": (
        lambda _, d: _edit_json(
            d / "sbom.cdx.json",
            lambda s: s["metadata"]["component"]["hashes"][0].update(content="0" * 64),
        ),
        {(WHEEL, "sbom-content"), (SDIST, "sbom-content"), ("sbom.cdx.json", "manifest-digest")},
    ),
    "SBOM hash in the attested SBOM": (
        lambda s, d: _resign(
            s,
            d / SBOM_ATTESTATION,
            lambda st: st["predicate"]["metadata"]["component"].update(hashes=[]),
        ),
        {(WHEEL, "sbom-digest"), (SDIST, "sbom-digest")},
    ),
    "artifact missing from the SBOM attestation": (
        lambda s, d: _resign(s, d / SBOM_ATTESTATION, _drop_subject),
        {(SDIST, "sbom-subject")},
    ),
    "PEP 740 attestation of another file": (
        lambda _, d: shutil.copy(
            d / f"{SDIST}.publish.attestation", d / f"{WHEEL}.publish.attestation"
        ),
        {(WHEEL, "subject-digest")},
    ),
}


@pytest.mark.parametrize("name", sorted(TAMPERINGS))
def test_tampering_fails_with_its_reason(
    local_sigstore: LocalSigstore, release: Path, name: str
) -> None:
    tamper, expected = TAMPERINGS[name]
    tamper(local_sigstore, release)
    result = verify(local_sigstore, release)
    assert result.exit_code == 1, result.output
    found = failures(result)
    assert expected <= found, found


def test_pinned_trusted_root(local_sigstore: LocalSigstore, release: Path, tmp_path: Path) -> None:
    args = ["verify", str(release), "--gitlab", PROJECT, "--ref", REF]
    pinned = invoke([*args, "--trusted-root", str(local_sigstore.trusted_root)])
    assert pinned.exit_code == 0, pinned.output
    # Sigstore's public root does not vouch for the local instance's certificates
    public = invoke([*args, "--offline", "--json"])
    assert public.exit_code == 1
    assert (WHEEL, "certificate-chain") in failures(public)
    broken = tmp_path / "root.json"
    broken.write_text('{"mediaType": "nope"}')
    bad = invoke([*args, "--trusted-root", str(broken)])
    assert bad.exit_code == 2
    assert "not a usable Sigstore trusted root" in bad.stderr


def test_manifest_mismatches_fail(local_sigstore: LocalSigstore, release: Path) -> None:
    shutil.copy(release / WHEEL, release / "cp_demo-9.9.9-py3-none-any.whl")
    (release / f"{SDIST}.publish.attestation").unlink()
    found = failures(verify(local_sigstore, release))
    assert ("cp_demo-9.9.9-py3-none-any.whl", "manifest") in found
    assert (f"{SDIST}.publish.attestation", "manifest") in found


def test_release_without_manifest_is_read_by_name(
    local_sigstore: LocalSigstore, release: Path
) -> None:
    (release / "release.json").unlink()
    result = verify(local_sigstore, release)
    assert result.exit_code == 0, result.output
    assert len(json.loads(result.stdout)["artifacts"]) == 2
