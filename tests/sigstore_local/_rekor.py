"""A Rekor v1 stand-in: an RFC 6962 Merkle log of hashedrekord and dsse entries with signed
checkpoints (signed notes) and signed entry timestamps, as the real Rekor returns them."""

from __future__ import annotations

import base64
import hashlib
import json
import threading
import time
from typing import Any

import rfc8785
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed

from tests.sigstore_local._fulcio import spki_der

__all__ = ["EntryRejected", "TransparencyLog"]

_ORIGIN = "local-rekor"


class EntryRejected(Exception):
    """The proposed entry is malformed or its signature does not verify (Rekor answers 400)."""


def _leaf_hash(body: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + body).digest()


def _node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(size: int) -> int:
    """Largest power of two smaller than ``size`` (RFC 6962 2.1)."""
    k = 1
    while k * 2 < size:
        k *= 2
    return k


def _root(leaves: list[bytes]) -> bytes:
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return leaves[0]
    k = _split(len(leaves))
    return _node_hash(_root(leaves[:k]), _root(leaves[k:]))


def _path(index: int, leaves: list[bytes]) -> list[bytes]:
    if len(leaves) <= 1:
        return []
    k = _split(len(leaves))
    if index < k:
        return [*_path(index, leaves[:k]), _root(leaves[k:])]
    return [*_path(index - k, leaves[k:]), _root(leaves[:k])]


def _pem_key(b64_pem: str) -> Any:
    """The verifier's public key: a PEM certificate's (keyless) or a PEM public key (a managed
    key, as cosign sign-blob --key submits it)."""
    pem = base64.b64decode(b64_pem)
    try:
        if b"CERTIFICATE" in pem:
            return x509.load_pem_x509_certificate(pem).public_key()
        return serialization.load_pem_public_key(pem)
    except ValueError as exc:
        raise EntryRejected(f"bad verifier: {exc}") from exc


def _check(key: Any, signature: bytes, data: bytes, prehashed: bool) -> None:
    if not isinstance(key, ec.EllipticCurvePublicKey):
        raise EntryRejected("only ECDSA verifiers are supported")
    algorithm: Any = Prehashed(hashes.SHA256()) if prehashed else hashes.SHA256()
    try:
        key.verify(signature, data, ec.ECDSA(algorithm))
    except InvalidSignature as exc:
        raise EntryRejected("signature does not verify") from exc


def _canonical_body(proposed: dict[str, Any]) -> bytes:
    """Verify the proposed entry and return the body Rekor stores for it."""
    kind, spec = proposed.get("kind"), proposed.get("spec", {})
    try:
        if kind == "hashedrekord":
            signature = base64.b64decode(spec["signature"]["content"])
            key = _pem_key(spec["signature"]["publicKey"]["content"])
            digest = bytes.fromhex(spec["data"]["hash"]["value"])
            _check(key, signature, digest, prehashed=True)
            return rfc8785.dumps(proposed)
        if kind == "dsse":
            content = spec["proposedContent"]
            envelope_text: str = content["envelope"]
            envelope = json.loads(envelope_text)
            payload = base64.b64decode(envelope["payload"])
            payload_type = envelope["payloadType"].encode()
            pae = b"DSSEv1 %d %b %d %b" % (len(payload_type), payload_type, len(payload), payload)
            verifier = content["verifiers"][0]
            key = _pem_key(verifier)
            signatures = []
            for item in envelope["signatures"]:
                _check(key, base64.b64decode(item["sig"]), pae, prehashed=False)
                signatures.append({"signature": item["sig"], "verifier": verifier})
            stored: dict[str, Any] = {
                "apiVersion": "0.0.1",
                "kind": "dsse",
                "spec": {
                    "envelopeHash": {
                        "algorithm": "sha256",
                        "value": hashlib.sha256(envelope_text.encode()).hexdigest(),
                    },
                    "payloadHash": {
                        "algorithm": "sha256",
                        "value": hashlib.sha256(payload).hexdigest(),
                    },
                    "signatures": signatures,
                },
            }
            return rfc8785.dumps(stored)
    except (KeyError, IndexError, TypeError, ValueError) as exc:
        raise EntryRejected(f"malformed {kind} entry: {exc}") from exc
    raise EntryRejected(f"unsupported entry kind {kind!r}")


class TransparencyLog:
    """The log: append verified entries and answer as POST /api/v1/log/entries does."""

    def __init__(self) -> None:
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.log_id = hashlib.sha256(spki_der(self.key.public_key())).digest()
        self._leaves: list[bytes] = []
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._leaves)

    def _checkpoint(self, size: int, root: bytes) -> str:
        note = f"{_ORIGIN} - {int.from_bytes(self.log_id[:8], 'big')}\n{size}\n"
        note += base64.b64encode(root).decode() + "\n"
        signature = self.key.sign(note.encode(), ec.ECDSA(hashes.SHA256()))
        blob = base64.b64encode(self.log_id[:4] + signature).decode()
        return f"{note}\n\u2014 {_ORIGIN} {blob}\n"

    def append(self, proposed: dict[str, Any]) -> dict[str, Any]:
        body = _canonical_body(proposed)
        with self._lock:
            self._leaves.append(_leaf_hash(body))
            index = len(self._leaves) - 1
            leaves = list(self._leaves)
        integrated = int(time.time())
        root = _root(leaves)
        encoded_body = base64.b64encode(body).decode()
        set_payload = rfc8785.dumps(
            {
                "body": encoded_body,
                "integratedTime": integrated,
                "logID": self.log_id.hex(),
                "logIndex": index,
            }
        )
        set_signature = self.key.sign(set_payload, ec.ECDSA(hashes.SHA256()))
        entry = {
            "body": encoded_body,
            "integratedTime": integrated,
            "logID": self.log_id.hex(),
            "logIndex": index,
            "verification": {
                "inclusionProof": {
                    "checkpoint": self._checkpoint(len(leaves), root),
                    "hashes": [h.hex() for h in _path(index, leaves)],
                    "logIndex": index,
                    "rootHash": root.hex(),
                    "treeSize": len(leaves),
                },
                "signedEntryTimestamp": base64.b64encode(set_signature).decode(),
            },
        }
        return {leaves[index].hex(): entry}
