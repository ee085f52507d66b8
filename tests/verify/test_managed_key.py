"""Sigstore bundles of a managed key (cosign sign-blob/attest-blob --key): a public key, no
certificate, and a transparency log entry that is checked against the trusted root. Written
by the local instance's Rekor (the published test data of cli/cli, cosign, sigstore-python and
pypi-attestations holds none)."""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from tests.sigstore_local import LocalSigstore
from tests.verify.keyless import PROJECT
from tests.verify.release_helpers import failures, invoke
from tests.verify.relog import as_intoto, intoto_body

KEY = ec.generate_private_key(ec.SECP256R1())


def _public(path: Path, key: ec.EllipticCurvePrivateKey) -> Path:
    path.write_bytes(
        key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    return path


@pytest.fixture(scope="module")
def signed(
    local_sigstore: LocalSigstore, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Any]:
    """An artifact, its message-signature bundle and a DSSE attestation over it, as JSON."""
    data = b"a blob signed with a managed key\n"
    statement = {
        "_type": "https://in-toto.io/Statement/v1",
        "subject": [{"name": "blob.bin", "digest": {"sha256": hashlib.sha256(data).hexdigest()}}],
        "predicateType": "https://example.com/test-result/v1",
        "predicate": {"passed": True},
    }
    return {
        "data": data,
        "blob": local_sigstore.sign_with_key(KEY, data),
        "attestation": local_sigstore.attest_with_key(KEY, json.dumps(statement).encode()),
    }


def _verify(
    sigstore: LocalSigstore,
    tmp_path: Path,
    signed: dict[str, Any],
    kind: str = "blob",
    edit: Callable[[Any], None] | None = None,
    policy: list[str] | None = None,
) -> Any:
    artifact = tmp_path / "blob.bin"
    artifact.write_bytes(signed["data"])
    bundle = json.loads(json.dumps(signed[kind]))
    if edit is not None:
        edit(bundle)
    path = tmp_path / f"{kind}.sigstore.json"
    path.write_text(json.dumps(bundle))
    if policy is None:
        policy = ["--key", str(_public(tmp_path / "key.pub", KEY))]
    trust = ["--trusted-root", str(sigstore.trusted_root)]
    return invoke(["verify", str(artifact), "--bundle", str(path), *trust, *policy, "--json"])


@pytest.mark.parametrize("kind", ["blob", "attestation"])
def test_managed_key_bundle_passes_with_its_key(
    local_sigstore: LocalSigstore, tmp_path: Path, signed: dict[str, Any], kind: str
) -> None:
    result = _verify(local_sigstore, tmp_path, signed, kind)
    assert result.exit_code == 0, result.output
    (artifact,) = json.loads(result.stdout)["artifacts"]
    assert {"signature", "identity"} <= set(artifact["passed_checks"])


def test_digest_verifies_like_the_file(
    local_sigstore: LocalSigstore, tmp_path: Path, signed: dict[str, Any]
) -> None:
    path = tmp_path / "b.sigstore.json"
    path.write_text(json.dumps(signed["blob"]))
    digest = "sha256:" + hashlib.sha256(signed["data"]).hexdigest()
    key = str(_public(tmp_path / "key.pub", KEY))
    trust = ["--trusted-root", str(local_sigstore.trusted_root)]
    result = invoke(["verify", digest, "--bundle", str(path), "--key", key, *trust])
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("kind", ["blob", "attestation"])
def test_another_key_fails(
    local_sigstore: LocalSigstore, tmp_path: Path, signed: dict[str, Any], kind: str
) -> None:
    other = _public(tmp_path / "other.pub", ec.generate_private_key(ec.SECP256R1()))
    result = _verify(local_sigstore, tmp_path, signed, kind, policy=["--key", str(other)])
    assert result.exit_code == 1, result.output
    assert ("blob.bin", "signature") in failures(result)


def test_without_a_key_fails(
    local_sigstore: LocalSigstore, tmp_path: Path, signed: dict[str, Any]
) -> None:
    """An identity policy needs a certificate: a key's bundle fails it (exit 1, not 2)."""
    san = f"https://gitlab.com/{PROJECT}//.gitlab-ci.yml@refs/heads/main"
    policy = ["--identity", san, "--issuer", "https://gitlab.com"]
    result = _verify(local_sigstore, tmp_path, signed, policy=policy)
    assert result.exit_code == 1, result.output
    assert {c for _, c in failures(result)} == {"certificate"}
    nothing = _verify(local_sigstore, tmp_path, signed, policy=[])
    assert nothing.exit_code == 2  # no signer named: an empty policy
    assert "empty" in nothing.stderr


def _entry(bundle: Any) -> Any:
    return bundle["verificationMaterial"]["tlogEntries"][0]


def _flip(text: str) -> str:
    raw = bytearray(base64.b64decode(text))
    raw[len(raw) // 2] ^= 1
    return base64.b64encode(bytes(raw)).decode()


def _body(edit: Callable[[Any], None]) -> Callable[[Any], None]:
    def apply(bundle: Any) -> None:
        body = json.loads(base64.b64decode(_entry(bundle)["canonicalizedBody"]))
        edit(body)
        _entry(bundle)["canonicalizedBody"] = base64.b64encode(json.dumps(body).encode()).decode()

    return apply


def _drop_promise_and(edit: Callable[[Any], None]) -> Callable[[Any], None]:
    def apply(bundle: Any) -> None:
        del _entry(bundle)["inclusionPromise"]
        edit(_entry(bundle)["inclusionProof"])

    return apply


TAMPERED: dict[str, tuple[Callable[[Any], None], set[str]]] = {
    "signed entry timestamp": (
        lambda b: _entry(b)["inclusionPromise"].update(
            signedEntryTimestamp=_flip(_entry(b)["inclusionPromise"]["signedEntryTimestamp"])
        ),
        {"tlog-promise"},
    ),
    "integrated time": (
        lambda b: _entry(b).update(integratedTime=str(int(_entry(b)["integratedTime"]) - 60)),
        {"tlog-promise"},
    ),
    "log index": (
        lambda b: _entry(b).update(logIndex=str(int(_entry(b)["logIndex"]) + 1)),
        {"tlog-promise"},
    ),
    "log id": (
        lambda b: _entry(b)["logId"].update(keyId=_flip(_entry(b)["logId"]["keyId"])),
        {"tlog-entry"},
    ),
    "inclusion proof hash": (
        lambda b: _entry(b)["inclusionProof"].update(
            rootHash=_flip(_entry(b)["inclusionProof"]["rootHash"])
        ),
        {"tlog-proof"},
    ),
    "checkpoint signature, without a SET": (
        _drop_promise_and(
            lambda p: p["checkpoint"].update(
                envelope=p["checkpoint"]["envelope"].replace("local-rekor ", "local-rekor AAAA")
            )
        ),
        {"tlog-proof"},
    ),
    "neither checkpoint nor SET": (
        _drop_promise_and(lambda p: p.pop("checkpoint")),
        {"tlog-proof"},
    ),
    "entry of another signature": (
        _body(
            lambda body: body["spec"]["signature"].update(
                content=_flip(body["spec"]["signature"]["content"])
            )
        ),
        {"tlog-entry", "tlog-proof", "tlog-promise"},
    ),
    "entry of another digest": (
        _body(lambda body: body["spec"]["data"]["hash"].update(value="0" * 64)),
        {"tlog-entry", "tlog-proof", "tlog-promise"},
    ),
}


@pytest.mark.parametrize("name", sorted(TAMPERED))
def test_tampered_log_entry_fails(
    local_sigstore: LocalSigstore, tmp_path: Path, signed: dict[str, Any], name: str
) -> None:
    edit, expected = TAMPERED[name]
    result = _verify(local_sigstore, tmp_path, signed, edit=edit)
    assert result.exit_code == 1, result.output
    checks = {c for _, c in failures(result)}
    assert checks
    assert checks <= expected, checks


def test_log_not_in_the_trusted_root_fails(
    local_sigstore: LocalSigstore, tmp_path: Path, signed: dict[str, Any]
) -> None:
    """The same bundle against a root whose log is another: the entry proves nothing."""
    root = json.loads(local_sigstore.trusted_root.read_text())
    other = ec.generate_private_key(ec.SECP256R1()).public_key()
    der = other.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    root["tlogs"][0]["publicKey"]["rawBytes"] = base64.b64encode(der).decode()
    path = tmp_path / "root.json"
    path.write_text(json.dumps(root))
    artifact = tmp_path / "blob.bin"
    artifact.write_bytes(signed["data"])
    bundle = tmp_path / "b.sigstore.json"
    bundle.write_text(json.dumps(signed["blob"]))
    key = str(_public(tmp_path / "key.pub", KEY))
    args = ["verify", str(artifact), "--bundle", str(bundle), "--key", key]
    result = invoke([*args, "--trusted-root", str(path), "--json"])
    assert result.exit_code == 1, result.output
    assert {c for _, c in failures(result)} <= {"tlog-proof", "tlog-promise"}


def test_keyless_release_with_a_key_fails_without_a_trusted_root(
    release: Path, tmp_path: Path
) -> None:
    """Certificates, not the key: each bundle fails (exit 1) before any root is loaded (the
    public-good one would be fetched over TUF; no network here)."""
    key = str(_public(tmp_path / "key.pub", KEY))
    result = invoke(["verify", str(release), "--key", key, "--json"])
    assert result.exit_code == 1, result.output
    assert {c for _, c in failures(result)} <= {"signature", "provenance", "sbom"}
    details = " ".join(f["detail"] for f in json.loads(result.stdout)["failures"])
    assert "PEP 740 attestation is signed with a certificate" in details
    assert "signed with a certificate, not the managed key" in details


# --- an intoto 0.0.2 entry (cosign attest --key before Rekor's dsse type) -----------------


def _key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def _as_intoto(
    sigstore: LocalSigstore, edit: Callable[[Any], None] | None = None
) -> Callable[[Any], None]:
    """The attestation logged again as an intoto entry, its body changed by ``edit``."""

    def apply(bundle: Any) -> None:
        body = intoto_body(bundle, _key_pem(KEY))
        if edit is not None:
            edit(body)
        bundle.update(as_intoto(sigstore, bundle, body))

    return apply


def _logged_signature(body: Any) -> Any:
    return body["spec"]["content"]["envelope"]["signatures"][0]


def _flip_logged_sig(body: Any) -> None:
    sig = base64.b64decode(_logged_signature(body)["sig"]).decode()
    _logged_signature(body)["sig"] = base64.b64encode(_flip(sig).encode()).decode()


_INTOTO_EDITS: dict[str, Callable[[Any], None]] = {
    "payload type": lambda b: b["spec"]["content"]["envelope"].update(payloadType="text/plain"),
    "signature": _flip_logged_sig,
    "another key": lambda b: _logged_signature(b).update(
        publicKey=base64.b64encode(_key_pem(ec.generate_private_key(ec.SECP256R1()))).decode()
    ),
    "payload hash": lambda b: b["spec"]["content"]["payloadHash"].update(value="0" * 64),
    "malformed envelope hash": lambda b: b["spec"]["content"]["hash"].update(value="xyz"),
    "no signatures": lambda b: b["spec"]["content"]["envelope"].update(signatures=[]),
}


def test_an_intoto_entry_of_the_key_verifies(
    local_sigstore: LocalSigstore, tmp_path: Path, signed: dict[str, Any]
) -> None:
    result = _verify(
        local_sigstore, tmp_path, signed, "attestation", edit=_as_intoto(local_sigstore)
    )
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("name", sorted(_INTOTO_EDITS))
def test_an_intoto_entry_of_another_envelope_fails(
    local_sigstore: LocalSigstore, tmp_path: Path, signed: dict[str, Any], name: str
) -> None:
    edit = _as_intoto(local_sigstore, _INTOTO_EDITS[name])
    result = _verify(local_sigstore, tmp_path, signed, "attestation", edit=edit)
    assert result.exit_code == 1, result.output
    assert {c for _, c in failures(result)} == {"tlog-entry"}, result.output


@pytest.mark.parametrize("name", ["signed entry timestamp", "inclusion proof hash"])
def test_a_tampered_intoto_entry_fails(
    local_sigstore: LocalSigstore, tmp_path: Path, signed: dict[str, Any], name: str
) -> None:
    tamper, expected = TAMPERED[name]

    def edit(bundle: Any) -> None:
        _as_intoto(local_sigstore)(bundle)
        tamper(bundle)

    result = _verify(local_sigstore, tmp_path, signed, "attestation", edit=edit)
    assert result.exit_code == 1, result.output
    assert {c for _, c in failures(result)} == expected, result.output
