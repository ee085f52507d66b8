"""Managed-key Sigstore bundles, as ``cosign sign-blob --key`` / ``cosign attest-blob --key``
write them: the signature (over the artifact's digest, or a DSSE envelope), a hashedrekord or
dsse entry proposed to the local Rekor with the PEM public key as verifier, and the bundle
v0.3 with ``verificationMaterial.publicKey`` built from Rekor's answer."""

from __future__ import annotations

import base64
import hashlib
import json
import urllib.request
from typing import Any

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed

__all__ = ["attest_with_key", "sign_with_key"]

_MEDIA_TYPE = "application/vnd.dev.sigstore.bundle.v0.3+json"


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def _submit(rekor_url: str, proposed: dict[str, Any]) -> dict[str, Any]:
    request = urllib.request.Request(
        f"{rekor_url}/api/v1/log/entries",
        data=json.dumps(proposed).encode(),
        headers={"Content-Type": "application/json"},
    )
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(request, timeout=10) as response:
        (entry,) = json.loads(response.read()).values()
    result: dict[str, Any] = entry
    return result


def _tlog_entry(entry: dict[str, Any], kind: str) -> dict[str, Any]:
    proof = entry["verification"]["inclusionProof"]
    return {
        "logIndex": str(entry["logIndex"]),
        "logId": {"keyId": _b64(bytes.fromhex(entry["logID"]))},
        "kindVersion": {"kind": kind, "version": "0.0.1"},
        "integratedTime": str(entry["integratedTime"]),
        "inclusionPromise": {"signedEntryTimestamp": entry["verification"]["signedEntryTimestamp"]},
        "inclusionProof": {
            "logIndex": str(proof["logIndex"]),
            "rootHash": _b64(bytes.fromhex(proof["rootHash"])),
            "treeSize": str(proof["treeSize"]),
            "hashes": [_b64(bytes.fromhex(h)) for h in proof["hashes"]],
            "checkpoint": {"envelope": proof["checkpoint"]},
        },
        "canonicalizedBody": entry["body"],
    }


def sign_with_key(rekor_url: str, key: ec.EllipticCurvePrivateKey, data: bytes) -> dict[str, Any]:
    """A message-signature bundle over ``data``, logged as a hashedrekord entry."""
    digest = hashlib.sha256(data).digest()
    signature = key.sign(digest, ec.ECDSA(Prehashed(hashes.SHA256())))
    proposed = {
        "apiVersion": "0.0.1",
        "kind": "hashedrekord",
        "spec": {
            "signature": {"content": _b64(signature), "publicKey": {"content": _b64(_pem(key))}},
            "data": {"hash": {"algorithm": "sha256", "value": digest.hex()}},
        },
    }
    entry = _submit(rekor_url, proposed)
    return {
        "mediaType": _MEDIA_TYPE,
        "verificationMaterial": {
            "publicKey": {"hint": _b64(hashlib.sha256(_pem(key)).digest())},
            "tlogEntries": [_tlog_entry(entry, "hashedrekord")],
        },
        "messageSignature": {
            "messageDigest": {"algorithm": "SHA2_256", "digest": _b64(digest)},
            "signature": _b64(signature),
        },
    }


def attest_with_key(
    rekor_url: str, key: ec.EllipticCurvePrivateKey, statement: bytes
) -> dict[str, Any]:
    """A DSSE bundle over the in-toto ``statement``, logged as a dsse entry."""
    payload_type = "application/vnd.in-toto+json"
    pae = b"DSSEv1 %d %b %d %b" % (
        len(payload_type),
        payload_type.encode(),
        len(statement),
        statement,
    )
    signature = key.sign(pae, ec.ECDSA(hashes.SHA256()))
    envelope = {
        "payload": _b64(statement),
        "payloadType": payload_type,
        "signatures": [{"sig": _b64(signature), "keyid": ""}],
    }
    proposed = {
        "apiVersion": "0.0.1",
        "kind": "dsse",
        "spec": {
            "proposedContent": {"envelope": json.dumps(envelope), "verifiers": [_b64(_pem(key))]}
        },
    }
    entry = _submit(rekor_url, proposed)
    return {
        "mediaType": _MEDIA_TYPE,
        "verificationMaterial": {
            "publicKey": {"hint": ""},
            "tlogEntries": [_tlog_entry(entry, "dsse")],
        },
        "dsseEnvelope": envelope,
    }
