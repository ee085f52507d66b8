"""Bundles of a Rekor ``intoto`` 0.0.2 entry (cosign ``attest``'s, older clients'), which
sigstore-python 4.5.1 refuses outright ("Integrated time only supported for dsse/hashedrekord
0.0.1 types"): the fast keyless path verifies them (verify.fast_keyless), with the local
instance's custom root, and every other body, proof or SET is refused, naming the check.

The entries are the release's own DSSE bundles logged again in the local Rekor as intoto
entries (tests/verify/relog.py: the body Rekor's intoto 0.0.2 type stores for the envelope).
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from chainproof.verify.fast_keyless import _intoto_body_problem
from chainproof.verify.keyless_bundle import DsseParts, read_keyless_bundle
from chainproof.verify.strict_json import Unsupported
from tests.conftest import ASSETS
from tests.sigstore_local import LocalSigstore
from tests.verify.keyless import PROJECT, REF, edit_json, resign_payload, verify
from tests.verify.release_helpers import failures, invoke
from tests.verify.relog import as_intoto, intoto_body

_BUNDLE = "provenance.sigstore.json"


def _write(path: Path, bundle: Any) -> None:
    """Write the bundle, and its new digest in the release's manifest."""
    path.write_text(json.dumps(bundle))

    def record(manifest: Any) -> None:
        (entry,) = (f for f in manifest["files"] if f["name"] == path.name)
        entry.update(sha256=hashlib.sha256(path.read_bytes()).hexdigest(), size=path.stat().st_size)

    edit_json(path.parent / "release.json", record)


def _intoto(sigstore: LocalSigstore, path: Path, edit: Callable[[Any], None] | None = None) -> None:
    """The DSSE bundle at ``path`` logged as an intoto entry, its body changed by ``edit``."""
    bundle = json.loads(path.read_text())
    body = intoto_body(bundle)
    if edit is not None:
        edit(body)
    _write(path, as_intoto(sigstore, bundle, body))


def _checks(result: Any) -> set[str]:
    return {check for _, check in failures(result)}


def test_an_intoto_entry_verifies_with_the_custom_root(
    local_sigstore: LocalSigstore, release: Path
) -> None:
    _intoto(local_sigstore, release / _BUNDLE)
    kinds = json.loads((release / _BUNDLE).read_text())["verificationMaterial"]["tlogEntries"]
    assert kinds[0]["kindVersion"] == {"kind": "intoto", "version": "0.0.2"}
    result = verify(local_sigstore, release)
    assert result.exit_code == 0, result.output


def test_an_intoto_entry_verifies_with_a_trusted_root_file(
    local_sigstore: LocalSigstore, release: Path
) -> None:
    _intoto(local_sigstore, release / _BUNDLE)
    args = ["verify", str(release), "--trusted-root", str(local_sigstore.trusted_root)]
    result = invoke([*args, "--gitlab", PROJECT, "--ref", REF, "--json"])
    assert result.exit_code == 0, result.output


def test_another_identity_fails(local_sigstore: LocalSigstore, release: Path) -> None:
    _intoto(local_sigstore, release / _BUNDLE)
    result = verify(local_sigstore, release, "--ref", "refs/heads/other")
    assert result.exit_code == 1, result.output
    assert "ref" in _checks(result), result.output


def _content(body: Any) -> Any:
    return body["spec"]["content"]


def _signature(body: Any) -> Any:
    return _content(body)["envelope"]["signatures"][0]


def _flip_sig(body: Any) -> None:
    sig = bytearray(base64.b64decode(base64.b64decode(_signature(body)["sig"])))
    sig[-1] ^= 1
    _signature(body)["sig"] = base64.b64encode(base64.b64encode(bytes(sig))).decode()


def _other_certificate(sigstore: LocalSigstore) -> str:
    """base64 of a PEM certificate that is not the signer's: the Fulcio CA's."""
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    root = json.loads(sigstore.trusted_root.read_text())
    der = base64.b64decode(
        root["certificateAuthorities"][0]["certChain"]["certificates"][0]["rawBytes"]
    )
    pem = x509.load_der_x509_certificate(der).public_bytes(serialization.Encoding.PEM)
    return base64.b64encode(pem).decode()


_BODY_EDITS: dict[str, Callable[[Any], None]] = {
    "payload type": lambda b: _content(b)["envelope"].update(payloadType="text/plain"),
    "signature": _flip_sig,
    "signature once encoded": lambda b: _signature(b).update(
        sig=base64.b64decode(_signature(b)["sig"]).decode()
    ),
    "payload hash": lambda b: _content(b)["payloadHash"].update(value="0" * 64),
    "kind": lambda b: b.update(kind="dsse"),
    "api version": lambda b: b.update(apiVersion="0.0.1"),
    "two signatures": lambda b: _content(b)["envelope"]["signatures"].append(_signature(b)),
    "malformed envelope hash": lambda b: _content(b)["hash"].update(value="not hex"),
    "no envelope hash": lambda b: _content(b).pop("hash"),
    "a payload logged": lambda b: _content(b)["envelope"].update(payload="e30="),
}


@pytest.mark.parametrize("what", sorted(_BODY_EDITS))
def test_a_body_not_of_this_envelope_fails(
    local_sigstore: LocalSigstore, release: Path, what: str
) -> None:
    _intoto(local_sigstore, release / _BUNDLE, _BODY_EDITS[what])
    result = verify(local_sigstore, release)
    assert result.exit_code == 1, result.output
    assert "tlog-entry" in _checks(result), result.output


def test_another_public_key_fails(local_sigstore: LocalSigstore, release: Path) -> None:
    other = _other_certificate(local_sigstore)
    _intoto(local_sigstore, release / _BUNDLE, lambda b: _signature(b).update(publicKey=other))
    result = verify(local_sigstore, release)
    assert result.exit_code == 1, result.output
    assert "tlog-entry" in _checks(result)
    assert "another public key" in result.stdout


@pytest.mark.parametrize("detail", ["another payload type", "another signature", "payloadHash"])
def test_the_failed_check_is_named(
    local_sigstore: LocalSigstore, release: Path, detail: str
) -> None:
    """Not sigstore-python's refusal of the entry's kind: the body's check that failed."""
    edit = {
        "another payload type": _BODY_EDITS["payload type"],
        "another signature": _BODY_EDITS["signature"],
        "payloadHash": _BODY_EDITS["payload hash"],
    }[detail]
    _intoto(local_sigstore, release / _BUNDLE, edit)
    result = verify(local_sigstore, release)
    assert result.exit_code == 1
    assert detail in result.stdout
    assert "Integrated time only supported" not in result.stdout


def test_a_body_for_another_envelope_fails(local_sigstore: LocalSigstore, release: Path) -> None:
    """Another envelope's intoto body, by the same signer, logged for this bundle."""
    other = release.parent / "other.sigstore.json"
    envelope = json.loads((release / _BUNDLE).read_text())["dsseEnvelope"]
    statement = json.loads(base64.b64decode(envelope["payload"]))
    statement["subject"] = statement["subject"][:1]
    resign_payload(local_sigstore, other, json.dumps(statement).encode())
    body = intoto_body(json.loads(other.read_text()))
    _intoto(local_sigstore, release / _BUNDLE, lambda b: b.update(body))
    result = verify(local_sigstore, release)
    assert result.exit_code == 1, result.output
    assert "tlog-entry" in _checks(result)


def _edit_entry(path: Path, edit: Callable[[Any], None]) -> None:
    bundle = json.loads(path.read_text())
    edit(bundle["verificationMaterial"]["tlogEntries"][0])
    _write(path, bundle)


def _flip_b64(value: str) -> str:
    raw = bytearray(base64.b64decode(value))
    raw[len(raw) // 2] ^= 1
    return base64.b64encode(bytes(raw)).decode()


@pytest.mark.parametrize(
    ("what", "check"),
    [
        ("root hash", "tlog-proof"),
        ("checkpoint", "tlog-proof"),
        ("SET", "tlog-promise"),
        ("body", "tlog-proof"),
    ],
)
def test_a_tampered_proof_or_set_fails(
    local_sigstore: LocalSigstore, release: Path, what: str, check: str
) -> None:
    path = release / _BUNDLE
    _intoto(local_sigstore, path)

    def edit(entry: Any) -> None:
        proof = entry["inclusionProof"]
        if what == "root hash":
            proof["rootHash"] = _flip_b64(proof["rootHash"])
        elif what == "checkpoint":
            note = proof["checkpoint"]["envelope"]
            proof["checkpoint"]["envelope"] = note.replace("local-rekor - 1\n", "local-rekor - 2\n")
        elif what == "SET":
            promise = entry["inclusionPromise"]
            promise["signedEntryTimestamp"] = _flip_b64(promise["signedEntryTimestamp"])
        else:  # a body the proof is not of (the log never signed it)
            body = json.loads(base64.b64decode(entry["canonicalizedBody"]))
            _content(body)["envelope"]["payloadType"] = "text/plain"
            entry["canonicalizedBody"] = base64.b64encode(json.dumps(body).encode()).decode()

    _edit_entry(path, edit)
    result = verify(local_sigstore, release)
    assert result.exit_code == 1, result.output
    assert check in _checks(result), result.output


_PUBLISHED = ASSETS / "intoto" / "sigstore-js-tlog-intoto.json"


def _published() -> tuple[Any, DsseParts, Any]:
    from cryptography import x509

    bundle = json.loads(_PUBLISHED.read_text())
    material = bundle["verificationMaterial"]
    der = base64.b64decode(material["x509CertificateChain"]["certificates"][0]["rawBytes"])
    envelope = bundle["dsseEnvelope"]
    parts = DsseParts(
        envelope["payloadType"],
        base64.b64decode(envelope["payload"]),
        base64.b64decode(envelope["signatures"][0]["sig"]),
        envelope["signatures"][0]["keyid"],
    )
    body = json.loads(base64.b64decode(material["tlogEntries"][0]["canonicalizedBody"]))
    return body, parts, x509.load_der_x509_certificate(der)


def test_a_published_intoto_body_is_the_form_checked() -> None:
    """A real public-good Rekor intoto 0.0.2 entry (sigstore-js's test data): its body is
    exactly what the fast path expects for its envelope and certificate, and the envelope's
    signature is the certificate's."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec

    body, parts, leaf = _published()
    kind = parts.payload_type.encode()
    pae = b"DSSEv1 %d %s %d %s" % (len(kind), kind, len(parts.payload), parts.payload)
    leaf.public_key().verify(parts.signature, pae, ec.ECDSA(hashes.SHA256()))
    assert _intoto_body_problem(body, parts, leaf) is None
    other = DsseParts(parts.payload_type, parts.payload + b"\n", parts.signature)
    assert _intoto_body_problem(body, other, leaf) is not None


def test_the_published_bundle_falls_back() -> None:
    """No inclusion proof: not the fast path's (and sigstore-python refuses the kind)."""
    with pytest.raises(Unsupported):
        read_keyless_bundle(_PUBLISHED.read_bytes())
