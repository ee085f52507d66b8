"""Re-log a bundle's entry in the local instance's transparency log, with any body: a log
entry the log really signed (a one-leaf tree, its checkpoint, its SET), so a test reaches the
checks after the log's (the entry's body against the bundle) with exactly the body it wants.

``intoto_body`` is the body Rekor's intoto 0.0.2 type stores for a DSSE bundle's envelope
(sigstore/rekor pkg/types/intoto/v0.0.2: the payload left out, ``sig`` base64 of the
envelope's base64 signature, ``publicKey`` base64 of the certificate's PEM, an empty keyid
omitted, ``hash`` what cosign computes: SHA-256 of the envelope as Go marshals it), in Go's
key order and compact form, as Rekor serialises it."""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

import rfc8785
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from tests.sigstore_local import LocalSigstore

__all__ = ["as_intoto", "entry_body", "intoto_body", "relog"]


def entry_body(bundle: dict[str, Any]) -> bytes:
    return base64.b64decode(bundle["verificationMaterial"]["tlogEntries"][0]["canonicalizedBody"])


def relog(sigstore: LocalSigstore, bundle: dict[str, Any], body: bytes) -> dict[str, Any]:
    """``bundle`` with its log entry replaced by one over ``body``, signed by the local log."""
    log = sigstore._log
    key: ec.EllipticCurvePrivateKey = log.key
    entry = bundle["verificationMaterial"]["tlogEntries"][0]
    integrated = int(entry["integratedTime"])
    leaf = hashlib.sha256(b"\x00" + body).digest()
    note = f"local-rekor - 1\n1\n{base64.b64encode(leaf).decode()}\n"
    signature = key.sign(note.encode(), ec.ECDSA(hashes.SHA256()))
    blob = base64.b64encode(log.log_id[:4] + signature).decode()
    encoded = base64.b64encode(body).decode()
    promise = rfc8785.dumps(
        {"body": encoded, "integratedTime": integrated, "logID": log.log_id.hex(), "logIndex": 0}
    )
    entry.update(
        {
            "logIndex": "0",
            "inclusionPromise": {
                "signedEntryTimestamp": base64.b64encode(
                    key.sign(promise, ec.ECDSA(hashes.SHA256()))
                ).decode()
            },
            "inclusionProof": {
                "logIndex": "0",
                "rootHash": base64.b64encode(leaf).decode(),
                "treeSize": "1",
                "hashes": [],
                "checkpoint": {"envelope": f"{note}\n\u2014 local-rekor {blob}\n"},
            },
            "canonicalizedBody": encoded,
        }
    )
    return bundle


def _certificate_pem(bundle: dict[str, Any]) -> bytes:
    material = bundle["verificationMaterial"]
    raw = material.get("certificate") or material["x509CertificateChain"]["certificates"][0]
    leaf = x509.load_der_x509_certificate(base64.b64decode(raw["rawBytes"]))
    return leaf.public_bytes(serialization.Encoding.PEM)


def intoto_body(bundle: dict[str, Any], pem: bytes | None = None) -> dict[str, Any]:
    """The intoto 0.0.2 body Rekor stores for the DSSE envelope of ``bundle``, signed by the
    bundle's certificate (or the PEM public key ``pem``, a managed key's)."""
    envelope = bundle["dsseEnvelope"]
    payload = base64.b64decode(envelope["payload"])
    signatures: list[dict[str, str]] = []
    for item in envelope["signatures"]:
        logged = {
            "publicKey": base64.b64encode(pem or _certificate_pem(bundle)).decode(),
            "sig": base64.b64encode(item["sig"].encode()).decode(),
        }
        if item.get("keyid"):
            logged = {"keyid": item["keyid"], **logged}
        signatures.append(logged)
    marshalled = json.dumps(  # go-securesystemslib's dsse.Envelope, as cosign hashes it
        {
            "payloadType": envelope["payloadType"],
            "payload": envelope["payload"],
            "signatures": [
                {"keyid": s.get("keyid", ""), "sig": s["sig"]} for s in envelope["signatures"]
            ],
        },
        separators=(",", ":"),
    )
    return {
        "apiVersion": "0.0.2",
        "kind": "intoto",
        "spec": {
            "content": {
                "envelope": {"payloadType": envelope["payloadType"], "signatures": signatures},
                "hash": {
                    "algorithm": "sha256",
                    "value": hashlib.sha256(marshalled.encode()).hexdigest(),
                },
                "payloadHash": {
                    "algorithm": "sha256",
                    "value": hashlib.sha256(payload).hexdigest(),
                },
            }
        },
    }


def as_intoto(
    sigstore: LocalSigstore, bundle: dict[str, Any], body: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The DSSE ``bundle`` logged as an intoto 0.0.2 entry of ``body`` (its own unless told),
    as cosign attest logged attestations before Rekor's dsse type."""
    entry = bundle["verificationMaterial"]["tlogEntries"][0]
    entry["kindVersion"] = {"kind": "intoto", "version": "0.0.2"}
    raw = json.dumps(intoto_body(bundle) if body is None else body, separators=(",", ":"))
    return relog(sigstore, bundle, raw.encode())
