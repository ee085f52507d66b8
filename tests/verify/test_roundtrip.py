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

from tests.signing.demo import SOURCE_URI
from tests.sigstore_local import LocalSigstore
from tests.verify.keyless import BUILDER, PROJECT, REF, edit_json, resign, verify
from tests.verify.release_helpers import SDIST, WHEEL, failures, flip_byte, invoke


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
    bundle = str(release / f"{WHEEL}.sigstore.json")
    by_digest = verify(local_sigstore, digest, "--bundle", bundle, require=None)
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


def _edit_payload(path: Path, edit: Callable[[Any], None]) -> None:
    """Change the signed statement inside a DSSE bundle (its signature then no longer holds)."""

    def change(bundle: Any) -> None:
        statement = json.loads(base64.b64decode(bundle["dsseEnvelope"]["payload"]))
        edit(statement)
        bundle["dsseEnvelope"]["payload"] = base64.b64encode(
            json.dumps(statement).encode()
        ).decode()

    edit_json(path, change)


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
        lambda _, d: edit_json(d / f"{WHEEL}.sigstore.json", _flip_signature),
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
        lambda s, d: resign(s, d / PROVENANCE, _change_subject_digest),
        {(WHEEL, "provenance-subject")},
    ),
    "predicate type": (
        lambda s, d: resign(s, d / PROVENANCE, _change_predicate_type),
        {(WHEEL, "predicate-type"), (SDIST, "predicate-type")},
    ),
    "artifact missing from the provenance": (
        lambda s, d: resign(s, d / PROVENANCE, _drop_subject),
        {(SDIST, "provenance-subject")},
    ),
    "provenance source differs from the certificate": (
        lambda s, d: resign(
            s,
            d / PROVENANCE,
            lambda st: st["predicate"]["buildDefinition"]["externalParameters"]["source"].update(
                commit="f" * 40
            ),
        ),
        {(WHEEL, "provenance-matches-certificate")},
    ),
    "SBOM file hash": (
        lambda _, d: edit_json(
            d / "sbom.cdx.json",
            lambda s: s["metadata"]["component"]["hashes"][0].update(content="0" * 64),
        ),
        {(WHEEL, "sbom-content"), (SDIST, "sbom-content"), ("sbom.cdx.json", "manifest-digest")},
    ),
    "SBOM hash in the attested SBOM": (
        lambda s, d: resign(
            s,
            d / SBOM_ATTESTATION,
            lambda st: st["predicate"]["metadata"]["component"].update(hashes=[]),
        ),
        {(WHEEL, "sbom-digest"), (SDIST, "sbom-digest")},
    ),
    "artifact missing from the SBOM attestation": (
        lambda s, d: resign(s, d / SBOM_ATTESTATION, _drop_subject),
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
