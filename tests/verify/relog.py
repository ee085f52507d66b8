"""Re-log a bundle's entry in the local instance's transparency log, with any body: a log
entry the log really signed (a one-leaf tree, its checkpoint, its SET), so a test reaches the
checks after the log's (the entry's body against the bundle) with exactly the body it wants."""

from __future__ import annotations

import base64
import hashlib
from typing import Any

import rfc8785
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from tests.sigstore_local import LocalSigstore

__all__ = ["entry_body", "relog"]


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
