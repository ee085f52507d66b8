"""A Rekor v1 log entry checked against the trusted root, for the bundles sigstore-python
will not verify: a managed key's (its Bundle requires a certificate, 4.5.1 has no path for a
public key). What sigstore-python does for keyless bundles it does privately
(``sigstore._internal.merkle``, ``._internal.rekor.checkpoint``, ``TransparencyLogEntry.
_verify_set``), so this is built from public parts: sigstore-models (the wire models),
rfc8785 (the canonical JSON Rekor signs) and cryptography.

The entry must be in a log of the trusted root, integrated within that log key's window, and
proven: an inclusion proof up to a checkpoint the log signed, or a signed entry timestamp
(SET). Every proof present must verify; at least one must be present.

The keyless fast path (``verify.fast_keyless``) shares the proof's parts: ``inclusion_root``,
``set_payload`` and ``signed_note_root``, the checkpoint read as strictly as sigstore-python
reads it (its key hint too), since there a passed check must be one sigstore-python passes.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import rfc8785

from chainproof.verify.validity import Window

if TYPE_CHECKING:
    from sigstore_models.rekor.v1 import InclusionProof, TransparencyLogEntry
    from sigstore_models.trustroot.v1 import TrustedRoot as TrustedRootMessage

__all__ = [
    "entry_failures",
    "inclusion_root",
    "set_payload",
    "signed_note_root",
    "verify_signature",
]

_SIGNATURE_LINES = re.compile(r"(?:\u2014 \S+ \S+\n)+")
_SIGNATURE_LINE = re.compile(r"\u2014 (\S+) (\S+)\n")


def verify_signature(key: Any, signature: bytes, data: bytes, prehashed: bool = False) -> bool:
    """``signature`` over ``data`` (a SHA-256 digest when ``prehashed``) by ``key``: ECDSA
    with its curve's hash (SHA-256 when prehashed), Ed25519 (never prehashed), RSA PKCS#1 v1.5."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
    from cryptography.hazmat.primitives.asymmetric.utils import Prehashed

    try:
        if isinstance(key, ec.EllipticCurvePublicKey):
            own: hashes.HashAlgorithm = (
                hashes.SHA384() if key.curve.key_size == 384 else hashes.SHA256()
            )
            algorithm = Prehashed(hashes.SHA256()) if prehashed else own
            key.verify(signature, data, ec.ECDSA(algorithm))
        elif isinstance(key, ed25519.Ed25519PublicKey) and not prehashed:
            key.verify(signature, data)
        elif isinstance(key, rsa.RSAPublicKey):
            algo = Prehashed(hashes.SHA256()) if prehashed else hashes.SHA256()
            key.verify(signature, data, padding.PKCS1v15(), algo)
        else:
            return False
    except (InvalidSignature, ValueError):
        return False
    return True


def _node(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def inclusion_root(leaf: bytes, index: int, size: int, path: list[bytes]) -> bytes | None:
    """The root an RFC 9162 (2.1.3.2) inclusion proof leads to, or None if malformed."""
    if index >= size:
        return None
    fn, sn, node = index, size - 1, leaf
    for sibling in path:
        if sn == 0:
            return None
        if fn & 1 or fn == sn:
            node = _node(sibling, node)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            node = _node(node, sibling)
        fn, sn = fn >> 1, sn >> 1
    return node if sn == 0 else None


def signed_note_root(
    note: str, key_id: bytes, verifies: Callable[[bytes, bytes], bool]
) -> tuple[int, bytes] | None:
    """The tree size and root hash a checkpoint commits to, if the log signed it; None if
    not, or if it is not a signed note as sigstore-python reads one (exactly one blank
    line, signature lines only, each ``— name base64`` of a 4-byte key hint and at least
    one byte; the first signature whose hint is ``key_id[:4]`` must verify, as there)."""
    if note.count("\n\n") != 1:
        return None
    header, _, block = note.partition("\n\n")
    lines = header.split("\n")
    if not _SIGNATURE_LINES.fullmatch(block) or len(lines) < 3 or header != header.strip():
        return None
    if not lines[0] or not lines[1].isascii() or not lines[1].isdigit():
        return None
    try:
        root = base64.b64decode(lines[2], validate=True)
        blobs = [base64.b64decode(sig, validate=True) for _, sig in _SIGNATURE_LINE.findall(block)]
    except ValueError:
        return None
    if any(len(blob) < 5 for blob in blobs):
        return None
    mine = next((blob for blob in blobs if blob[:4] == key_id[:4]), None)
    if mine is None or not verifies(mine[4:], (header + "\n").encode()):
        return None
    return int(lines[1]), root


def set_payload(body: bytes, integrated_time: int, log_id: bytes, log_index: int) -> bytes:
    """What a signed entry timestamp signs: the entry in RFC 8785 canonical JSON."""
    return rfc8785.dumps(
        {
            "body": base64.b64encode(body).decode(),
            "integratedTime": integrated_time,
            "logID": log_id.hex(),
            "logIndex": log_index,
        }
    )


def _checkpoint_problem(proof: InclusionProof, key: Any) -> str | None:
    """A signed note (C2SP): origin, size, base64 root hash, then ``— name base64(key hint
    + signature)`` lines; one signature by the log's key must verify over the note body."""
    if proof.checkpoint is None:
        return "the inclusion proof has no checkpoint"
    text = proof.checkpoint.envelope
    body, separator, signatures = text.partition("\n\n")
    lines = body.split("\n")
    if not separator or len(lines) < 3:
        return "the checkpoint is not a signed note"
    try:
        size, root = int(lines[1]), base64.b64decode(lines[2], validate=True)
    except ValueError:
        return "the checkpoint's size or root hash does not decode"
    signed = False
    for line in signatures.splitlines():
        parts = line.split(" ")
        if len(parts) != 3 or parts[0] != "\u2014":
            continue
        try:
            blob = base64.b64decode(parts[2], validate=True)
        except ValueError:
            continue
        # the first 4 bytes are a key hint; the log's key must verify what follows
        if verify_signature(key, blob[4:], (body + "\n").encode()):
            signed = True
    if not signed:
        return "the checkpoint is not signed by the log's key"
    if size != proof.tree_size or root != proof.root_hash:
        return "the checkpoint does not commit to the inclusion proof's tree"
    return None


def entry_failures(entry: TransparencyLogEntry, root: TrustedRootMessage) -> list[tuple[str, str]]:
    from cryptography.hazmat.primitives.serialization import load_der_public_key

    log = next((t for t in root.tlogs if t.log_id.key_id == entry.log_id.key_id), None)
    if log is None or log.public_key.raw_bytes is None:
        return [("tlog-entry", "the log entry is from a log the trusted root does not name")]
    if entry.integrated_time is None:
        return [("signed-time", "the log entry has no integrated time")]
    moment = datetime.fromtimestamp(entry.integrated_time, UTC)
    period = log.public_key.valid_for
    if period is not None and not Window.of(period).holds(moment):
        detail = f"integrated at {moment.isoformat()}, outside its log key's validity"
        return [("tlog-validity", detail)]
    try:
        key = load_der_public_key(log.public_key.raw_bytes)
    except ValueError:
        return [("tlog-entry", "the trusted root's log key does not decode")]
    body = entry.canonicalized_body
    failures: list[tuple[str, str]] = []
    proof = entry.inclusion_proof
    if proof.checkpoint is not None:
        leaf = hashlib.sha256(b"\x00" + body).digest()
        reached = inclusion_root(leaf, proof.log_index, proof.tree_size, list(proof.hashes))
        if reached is None or reached != proof.root_hash:
            failures.append(("tlog-proof", "the inclusion proof does not lead to its root hash"))
        elif problem := _checkpoint_problem(proof, key):
            failures.append(("tlog-proof", problem))
    if entry.inclusion_promise is not None:
        payload = set_payload(body, entry.integrated_time, entry.log_id.key_id, entry.log_index)
        if not verify_signature(key, entry.inclusion_promise.signed_entry_timestamp, payload):
            failures.append(("tlog-promise", "the signed entry timestamp does not verify"))
    if proof.checkpoint is None and entry.inclusion_promise is None:
        failures.append(("tlog-proof", "the log entry has neither a checkpoint nor a SET"))
    return failures
