"""A Sigstore bundle signed with a managed key (``cosign sign-blob --key``, ``cosign
attest-blob --key``): its verification material is a public key hint, not a certificate.

sigstore-python 4.5.1 refuses such bundles (its Bundle requires a certificate), so this is
ours, built from its public parts: the bundle is parsed by sigstore-models; a message
signature is checked with cryptography over the artifact's digest, a DSSE envelope through
securesystemslib (``key_envelope``, as for ``*.dsse.json``); the log entry (hashedrekord,
dsse, or intoto 0.0.2 for an envelope) must record that very signature and key, and is
checked against the trusted root by ``verify.tlog``.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from chainproof.errors import InputError, VerificationFailed
from chainproof.fileio import read_bytes
from chainproof.formats.intoto import Statement, StatementError, parse_statement
from chainproof.formats.keys import load_public_key
from chainproof.verify.identity import SignerIdentity
from chainproof.verify.key_envelope import verify_key_envelope
from chainproof.verify.tlog import entry_failures, verify_signature

if TYPE_CHECKING:
    from sigstore_models.bundle.v1 import Bundle as BundleMessage
    from sigstore_models.rekor.v1 import TransparencyLogEntry
    from sigstore_models.trustroot.v1 import TrustedRoot as TrustedRootMessage

__all__ = ["KeyedOutcome", "keyed_bundle_outcome"]

# (signer, failures, statement): the fields of verify.bundles.BundleOutcome
KeyedOutcome = tuple[SignerIdentity, tuple[tuple[str, str], ...], Statement | None]


def _spki(key: Any) -> bytes:
    from cryptography.hazmat.primitives import serialization

    der: bytes = key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return der


def _same_key(encoded_pem: object, key: Any) -> bool:
    """Is ``encoded_pem`` (base64 of a PEM key, as Rekor stores it) ``key``?"""
    from cryptography.hazmat.primitives.serialization import load_pem_public_key

    try:
        return _spki(load_pem_public_key(base64.b64decode(str(encoded_pem)))) == _spki(key)
    except ValueError:
        return False


def _get(data: Any, *path: str) -> Any:
    for part in path:
        data = data.get(part) if isinstance(data, dict) else None
    return data


def _b64_equal(encoded: object, raw: bytes) -> bool:
    try:
        return base64.b64decode(str(encoded), validate=True) == raw
    except ValueError:
        return False


def _body_problem(
    entry: TransparencyLogEntry, message: BundleMessage, key: Any, sha256: str | None
) -> str | None:
    """Does the log entry record this bundle's signature by this key (and its digest)?"""
    try:
        body = json.loads(entry.canonicalized_body)
    except ValueError:
        return "the log entry's body is not JSON"
    kind = (entry.kind_version.kind, entry.kind_version.version)
    if (_get(body, "kind"), _get(body, "apiVersion")) != kind:
        return "the log entry's body is not of the kind the bundle says"
    spec = _get(body, "spec")
    if message.message_signature is not None and kind == ("hashedrekord", "0.0.1"):
        signature = message.message_signature
        if not _b64_equal(_get(spec, "signature", "content"), signature.signature):
            return "the log entry records another signature"
        if not _same_key(_get(spec, "signature", "publicKey", "content"), key):
            return "the log entry records another key"
        if _get(spec, "data", "hash") != {"algorithm": "sha256", "value": sha256}:
            return "the log entry records another digest"
        return None
    if message.dsse_envelope is not None and kind == ("dsse", "0.0.1"):
        envelope = message.dsse_envelope
        payload_hash = hashlib.sha256(envelope.payload).hexdigest()
        if _get(spec, "payloadHash") != {"algorithm": "sha256", "value": payload_hash}:
            return "the log entry records another payload"
        recorded = _get(spec, "signatures")
        for sig in envelope.signatures:
            if not any(
                isinstance(item, dict)
                and _b64_equal(item.get("signature"), sig.sig)
                and _same_key(item.get("verifier"), key)
                for item in (recorded if isinstance(recorded, list) else [])
            ):
                return "the log entry does not record the envelope's signature by this key"
        return None
    if message.dsse_envelope is not None and kind == ("intoto", "0.0.2"):
        return _intoto_problem(spec, message, key)
    return f"a {kind[0]} {kind[1]} log entry cannot be checked for a managed key"


def _intoto_problem(spec: Any, message: BundleMessage, key: Any) -> str | None:
    """Does an intoto 0.0.2 body (cosign ``attest --key`` before Rekor's dsse type) record
    this envelope, each of its signatures by this key? Rekor's type (sigstore/rekor
    pkg/types/intoto/v0.0.2) stores the envelope without its payload; a signature's ``sig``
    is base64 of the envelope's base64 signature, its ``publicKey`` base64 of the PEM key;
    ``payloadHash`` is Rekor's SHA-256 of the payload. The envelope ``hash`` is the client's
    (cosign and sigstore-js compute it differently) and Rekor never checks it: it must be a
    SHA-256, its value is not checkable. sigstore-python 4.5.1 has no intoto support at all
    (it refuses such entries for keyless bundles too), so this is ours, as the rest here."""
    assert message.dsse_envelope is not None
    envelope = message.dsse_envelope
    content = _get(spec, "content")
    logged = _get(content, "envelope")
    if _get(logged, "payloadType") != envelope.payload_type:
        return "the log entry records another payload type"
    payload_hash = hashlib.sha256(envelope.payload).hexdigest()
    if _get(content, "payloadHash") != {"algorithm": "sha256", "value": payload_hash}:
        return "the log entry records another payload"
    digest = _get(content, "hash")
    value = _get(digest, "value")
    if (
        not isinstance(digest, dict)
        or set(digest) != {"algorithm", "value"}
        or digest["algorithm"] != "sha256"
        or not isinstance(value, str)
        or len(value) != 64
        or value.strip("0123456789abcdef")
    ):
        return "the log entry's envelope hash is not a SHA-256"
    recorded = _get(logged, "signatures")
    recorded = recorded if isinstance(recorded, list) else []
    if len(recorded) != len(envelope.signatures):
        return "the log entry records another number of signatures"
    for sig in envelope.signatures:
        if not any(
            isinstance(item, dict)
            and _b64_equal(item.get("sig"), base64.b64encode(sig.sig))
            and _same_key(item.get("publicKey"), key)
            for item in recorded
        ):
            return "the log entry does not record the envelope's signature by this key"
    return None


def _parse(path: Path) -> BundleMessage:
    from sigstore_models.bundle.v1 import Bundle as BundleMessage

    raw = read_bytes(path, "bundle")
    try:
        return BundleMessage.from_json(raw)
    except ValueError as exc:
        raise InputError(f"The bundle {path} is not a valid Sigstore bundle.") from exc


def _envelope_json(message: BundleMessage, keyid: str) -> bytes:
    """The bundle's envelope as a plain DSSE envelope. securesystemslib counts only the
    signatures that name its keyid; a keyid is an unsigned hint (cosign leaves it empty)."""
    assert message.dsse_envelope is not None
    envelope = message.dsse_envelope
    return json.dumps(
        {
            "payload": base64.b64encode(envelope.payload).decode(),
            "payloadType": envelope.payload_type,
            "signatures": [
                {"sig": base64.b64encode(s.sig).decode(), "keyid": keyid}
                for s in envelope.signatures
            ],
        }
    ).encode()


def keyed_bundle_outcome(
    path: Path, key_path: Path, root: Callable[[], TrustedRootMessage], sha256: str | None
) -> KeyedOutcome:
    """Verify the bundle at ``path`` with the public key at ``key_path``: over the artifact
    ``sha256`` (message signature) or as a signed statement (DSSE, returned parsed). ``root``
    gives the trusted root, asked only for a bundle of a key (a keyless one fails first)."""
    from cryptography.hazmat.primitives.serialization import load_pem_public_key

    signer = SignerIdentity(san=f"key:{key_path.name}", issuer=None)
    message = _parse(path)
    material = message.verification_material
    if material.public_key is None:
        detail = "signed with a certificate, not the managed key: verify it with an identity"
        return signer, (("signature", detail),), None
    if len(material.tlog_entries) != 1:
        return signer, (("tlog-entry", "a bundle holds exactly one log entry"),), None
    try:
        key = load_pem_public_key(read_bytes(key_path, "public key"))
    except ValueError as exc:
        raise InputError(f"{key_path} is not a PEM public key.") from exc
    statement = None
    failures: list[tuple[str, str]] = []
    if message.dsse_envelope is not None:
        try:
            keyid = load_public_key(key_path).keyid
            envelope = _envelope_json(message, keyid)
            payload_type, payload = verify_key_envelope(envelope, key_path, path.name)
        except VerificationFailed as exc:
            return signer, (("signature", exc.message.rstrip(".")),), None
        try:
            statement = parse_statement(payload_type, payload)
        except StatementError as exc:
            failures.append((exc.check, exc.detail))
    elif sha256 is None:
        detail = "a message signature was given where a signed statement (DSSE) is needed"
        return signer, (("bundle-type", detail),), None
    else:
        signature = message.message_signature
        assert signature is not None  # the bundle's schema: one of the two
        digest = bytes.fromhex(sha256)
        if signature.message_digest is not None and signature.message_digest.digest != digest:
            failures.append(("artifact-digest", "the bundle signs another artifact's digest"))
        elif not verify_signature(key, signature.signature, digest, prehashed=True):
            failures.append(("signature", "the signature does not verify with the key"))
    entry = material.tlog_entries[0]
    problem = _body_problem(entry, message, key, sha256)
    if problem is not None:
        failures.append(("tlog-entry", problem))
    failures += entry_failures(entry, root())
    return signer, tuple(dict.fromkeys(failures)), None if failures else statement
