"""A keyless Sigstore bundle read without sigstore-python, for the fast keyless path.

Why: sigstore-python's Bundle sits on sigstore-models' pydantic models, whose import is most
of the 0.25-0.34 s ``import sigstore.models`` costs (see :mod:`.anchors`); ``json`` and a
few checks do it in microseconds.

Read here: media types v0.1-v0.3, a certificate (v0.3) or certificate chain (v0.1, v0.2),
one Rekor v1 entry (an inclusion proof with its checkpoint, an integrated time and its SET:
the only source of signed time taken here), and a message signature over SHA-256 or a DSSE
envelope with one signature. The rules are sigstore-models' schema and sigstore-python's
``Bundle._verify`` or stricter; anything else (RFC 3161 timestamps, Rekor v2, a public
key) raises Unsupported and the bundle goes to sigstore-python.

An ``intoto`` 0.0.2 entry of a DSSE envelope is read too (cosign ``attest`` and older
clients logged DSSE attestations so, before Rekor's ``dsse`` type): sigstore-python 4.5.1
refuses every such entry ("Integrated time only supported for dsse/hashedrekord 0.0.1
types"), so without this a bundle of one never verifies, with a custom root or any other.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from chainproof.verify.strict_json import Unsupported, b64, loads, obj, text, u64

__all__ = ["DsseParts", "KeylessBundle", "LogEntry", "read_keyless_bundle"]

_V03 = frozenset(
    {
        "application/vnd.dev.sigstore.bundle+json;version=0.3",
        "application/vnd.dev.sigstore.bundle.v0.3+json",
    }
)
_OLDER = frozenset(
    {
        "application/vnd.dev.sigstore.bundle+json;version=0.1",
        "application/vnd.dev.sigstore.bundle+json;version=0.2",
    }
)
# an entry's kind and version, and the bundle content it logs
_KINDS = {
    ("hashedrekord", "0.0.1"): "messageSignature",
    ("dsse", "0.0.1"): "dsseEnvelope",
    ("intoto", "0.0.2"): "dsseEnvelope",
}


@dataclass(frozen=True)
class LogEntry:
    """A Rekor v1 entry, every part the fast path verifies present."""

    log_index: int
    log_id: bytes
    kind: str  # hashedrekord or dsse (version 0.0.1), or intoto (0.0.2)
    integrated_time: int
    signed_entry_timestamp: bytes
    proof_index: int
    root_hash: bytes
    tree_size: int
    hashes: tuple[bytes, ...]
    checkpoint: str
    body: bytes


@dataclass(frozen=True)
class DsseParts:
    payload_type: str
    payload: bytes
    signature: bytes
    keyid: str = ""  # the signature's key ID, an unsigned hint ("" when absent)


@dataclass(frozen=True)
class KeylessBundle:
    certificate: bytes  # the leaf's DER
    chain: tuple[bytes, ...]  # what a v0.1/v0.2 bundle carries after the leaf (unused)
    entry: LogEntry
    signature: bytes | DsseParts  # a message signature over the artifact's SHA-256, or DSSE
    digest: bytes | None  # the message signature's own record of the digest, if any


def _certificates(material: dict[str, Any], media_type: str) -> tuple[bytes, tuple[bytes, ...]]:
    if media_type in _V03:
        if "certificate" not in material:
            raise Unsupported("no certificate")
        return b64(obj(material["certificate"], frozenset({"rawBytes"}))["rawBytes"]), ()
    if "x509CertificateChain" not in material:
        raise Unsupported("no certificate chain")
    chain = obj(material["x509CertificateChain"], frozenset({"certificates"}))["certificates"]
    if not isinstance(chain, list) or not chain:
        raise Unsupported("an empty certificate chain")
    ders = [b64(obj(c, frozenset({"rawBytes"}))["rawBytes"]) for c in chain]
    return ders[0], tuple(ders[1:])


def _entry(data: Any) -> LogEntry:
    entry = obj(
        data,
        frozenset(
            {
                "logIndex",
                "logId",
                "kindVersion",
                "integratedTime",
                "inclusionPromise",
                "inclusionProof",
                "canonicalizedBody",
            }
        ),
    )
    kind = obj(entry["kindVersion"], frozenset({"kind", "version"}))
    if (text(kind["kind"]), text(kind["version"])) not in _KINDS:
        raise Unsupported("a log entry of another kind")
    proof = obj(
        entry["inclusionProof"],
        frozenset({"logIndex", "rootHash", "treeSize", "hashes", "checkpoint"}),
    )
    hashes = proof["hashes"]
    if not isinstance(hashes, list):
        raise Unsupported("not a list")
    integrated = u64(entry["integratedTime"])
    index, size = u64(proof["logIndex"]), u64(proof["treeSize"])
    if integrated == 0 or size <= index:  # no time; sigstore-models refuses the proof
        raise Unsupported("no integrated time, or a proof past its tree")
    promise = obj(entry["inclusionPromise"], frozenset({"signedEntryTimestamp"}))
    return LogEntry(
        log_index=u64(entry["logIndex"]),
        log_id=b64(obj(entry["logId"], frozenset({"keyId"}))["keyId"]),
        kind=kind["kind"],
        integrated_time=integrated,
        signed_entry_timestamp=b64(promise["signedEntryTimestamp"]),
        proof_index=index,
        root_hash=b64(proof["rootHash"]),
        tree_size=size,
        hashes=tuple(b64(h) for h in hashes),
        checkpoint=text(obj(proof["checkpoint"], frozenset({"envelope"}))["envelope"]),
        body=b64(entry["canonicalizedBody"]),
    )


def _no_timestamps(material: dict[str, Any]) -> None:
    """RFC 3161 timestamps are sigstore-python's to verify: only an empty list is taken."""
    if "timestampVerificationData" in material:
        data = obj(
            material["timestampVerificationData"], frozenset(), frozenset({"rfc3161Timestamps"})
        )
        if data.get("rfc3161Timestamps", []) != []:
            raise Unsupported("RFC 3161 timestamps")


def read_keyless_bundle(raw: bytes) -> KeylessBundle:
    """The bundle in ``raw``, or Unsupported when the fast path does not take it."""
    data = loads(raw)
    bundle = obj(
        data,
        frozenset({"mediaType", "verificationMaterial"}),
        frozenset({"messageSignature", "dsseEnvelope"}),
    )
    media_type = text(bundle["mediaType"])
    if media_type not in _V03 | _OLDER:
        raise Unsupported("another media type")
    material = obj(
        bundle["verificationMaterial"],
        frozenset({"tlogEntries"}),
        frozenset({"certificate", "x509CertificateChain", "timestampVerificationData"}),
    )
    if ("certificate" in material) == ("x509CertificateChain" in material):
        raise Unsupported("not exactly one certificate or chain")
    certificate, chain = _certificates(material, media_type)
    _no_timestamps(material)
    entries = material["tlogEntries"]
    if not isinstance(entries, list) or len(entries) != 1:
        raise Unsupported("not exactly one log entry")
    entry = _entry(entries[0])
    content = "messageSignature" if entry.kind == "hashedrekord" else "dsseEnvelope"
    if set(bundle) & {"messageSignature", "dsseEnvelope"} != {content}:
        raise Unsupported("the content does not match the log entry's kind")
    digest: bytes | None = None
    signature: bytes | DsseParts
    if content == "messageSignature":
        message = obj(bundle[content], frozenset({"signature"}), frozenset({"messageDigest"}))
        signature = b64(message["signature"])
        if "messageDigest" in message:
            recorded = obj(message["messageDigest"], frozenset({"algorithm", "digest"}))
            if recorded["algorithm"] != "SHA2_256":
                raise Unsupported("a digest of another hash")
            digest = b64(recorded["digest"])
    else:
        envelope = obj(bundle[content], frozenset({"payload", "payloadType", "signatures"}))
        signatures = envelope["signatures"]
        if not isinstance(signatures, list) or len(signatures) != 1:
            raise Unsupported("not exactly one DSSE signature")
        one = obj(signatures[0], frozenset({"sig"}), frozenset({"keyid"}))
        signature = DsseParts(
            text(envelope["payloadType"]),
            b64(envelope["payload"]),
            b64(one["sig"]),
            text(one.get("keyid", "")),
        )
        if not signature.signature:
            raise Unsupported("an empty DSSE signature")
    return KeylessBundle(certificate, chain, entry, signature, digest)
