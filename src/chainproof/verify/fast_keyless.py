"""The fast path of keyless verification: a Sigstore bundle checked with cryptography and
chainproof's own parts, without importing sigstore-python.

Why: on 50 artifacts ``chainproof verify`` took 0.51 s against 0.46 s for one batched
``sigstore verify identity`` (bench/README.md, issue 16), and 0.25-0.34 s of it was importing
``sigstore.verify`` and ``sigstore.models`` (sigstore-models' pydantic models, rekor-types,
requests, tuf; ``python -X importtime``), while the 50 verifications cost under 0.1 s.

It only ever accepts: :func:`fast_outcome` returns the outcome of a bundle that passes every
check, or None, and then the caller verifies that bundle with sigstore-python as before
(which names the failed check, with today's messages). So the verdict on a bundle that fails
is sigstore-python's by construction, and a bundle the fast path passes must pass there too:
each check below is sigstore-python 4.5.1's ``Verifier`` (``_verify_common_signing_cert``,
``verify_artifact``, ``verify_dsse``) or stricter, and whatever it does not cover falls back
(tests/verify/test_fast_keyless.py compares the two over real bundles and mutations).

In order: the bundle (:mod:`.keyless_bundle`), the leaf's Sigstore profile, the identity
policy (:mod:`.identity`, as for the slow path), the chain to a Fulcio CA of the root at the
entry's integrated time (cryptography's verifier with sigstore-python's policy), the SCT
(:mod:`.sct`), the certificate's validity at that time, the inclusion proof, its signed
checkpoint and the SET (:mod:`.tlog`), the signature, the entry's body against the bundle,
then the root's validity windows (:mod:`.validity`) and the statement.

Rekor ``intoto`` 0.0.2 entries (cosign ``attest``'s, older clients') are the exception:
sigstore-python 4.5.1 refuses every one ("Integrated time only supported for
dsse/hashedrekord 0.0.1 types"), so a bundle of one would never verify, with a custom root
or any other. Here such an entry goes through the same checks as a dsse entry (chain, SCT,
inclusion proof, checkpoint, SET, signature, windows), its body bound to the envelope as
Rekor's intoto 0.0.2 type stores it (:func:`_intoto_body_problem`). It still only accepts:
a bundle that fails falls back, sigstore-python refuses it as before, and
:func:`fast_verdict` names the check that failed in place of sigstore-python's refusal of
the entry's kind (``verifiers.SigstoreVerifier``).
"""

from __future__ import annotations

import base64
import hashlib
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from chainproof.formats.deploy_policy import Policy
from chainproof.formats.intoto import StatementError, parse_statement
from chainproof.verify.anchors import TrustAnchors
from chainproof.verify.bundles import BundleOutcome
from chainproof.verify.identity import identity_failures, signer_of
from chainproof.verify.keyless_bundle import DsseParts, KeylessBundle, LogEntry, read_keyless_bundle
from chainproof.verify.sct import is_ca, sct_verifies
from chainproof.verify.strict_json import Unsupported, loads, obj
from chainproof.verify.tlog import inclusion_root, set_payload, signed_note_root
from chainproof.verify.validity import LogEntryTime, window_failures

if TYPE_CHECKING:
    from cryptography.x509 import Certificate
    from cryptography.x509.verification import ExtensionPolicy

__all__ = ["Refusal", "fast_outcome", "fast_verdict"]


class Refusal(Exception):
    """A check the bundle failed, named as ``verify.bundles`` names sigstore-python's."""

    def __init__(self, check: str, detail: str) -> None:
        super().__init__(check, detail)
        self.check, self.detail = check, detail


@cache
def _extension_policies() -> tuple[ExtensionPolicy, ExtensionPolicy]:
    """sigstore-python's: the Web PKI defaults, but Fulcio's code-signing EKU allowed."""
    from cryptography.x509 import ExtendedKeyUsage
    from cryptography.x509.verification import Criticality, ExtensionPolicy

    ca = ExtensionPolicy.webpki_defaults_ca().may_be_present(
        ExtendedKeyUsage, Criticality.NON_CRITICAL, None
    )
    ee = ExtensionPolicy.webpki_defaults_ee().may_be_present(
        ExtendedKeyUsage, Criticality.NON_CRITICAL, None
    )
    return ca, ee


def _is_signing_leaf(cert: Certificate) -> bool:
    """sigstore-python's ``cert_is_leaf`` and its key usage checks: no CA, digital signature,
    code signing."""
    from cryptography import x509
    from cryptography.x509.oid import ExtendedKeyUsageOID

    if is_ca(cert):
        return False
    try:
        usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
        extended = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    except x509.ExtensionNotFound:
        return False
    return usage.digital_signature and ExtendedKeyUsageOID.CODE_SIGNING in extended


def _chain(anchors: TrustAnchors, leaf: Certificate, moment: datetime) -> tuple[Certificate, ...]:
    """The leaf's chain to a Fulcio certificate of the root, valid at ``moment``."""
    from cryptography.x509.verification import PolicyBuilder

    if anchors.fulcio is None:
        raise Unsupported("no Fulcio certificate")
    ca_policy, ee_policy = _extension_policies()
    verifier = (
        PolicyBuilder()
        .store(anchors.fulcio)
        .time(moment)
        .extension_policies(ca_policy=ca_policy, ee_policy=ee_policy)
        .build_client_verifier()
    )
    chain = tuple(verifier.verify(leaf, []).chain)  # raises if there is none
    if len(chain) < 2:
        raise Unsupported("no issuer")
    return chain


def _certificate_verified(anchors: TrustAnchors, der: bytes, moment: datetime) -> bool:
    """The leaf is a Sigstore signing certificate, chains to Fulcio at ``moment`` and has a
    valid SCT. A chain found once is reused for the release's other bundles of the same
    certificate when each of its certificates is valid at their time: validity is the only
    part of the chain's verification that depends on the time. Measured: the chain is half
    of a bundle's verification (0.5 of 1 ms, cryptography's verifier, a P-384 CA)."""
    from cryptography import x509
    from cryptography.x509.verification import VerificationError

    chain = anchors.verified.get(der)
    if chain is None:
        leaf = x509.load_der_x509_certificate(der)
        if not _is_signing_leaf(leaf):
            raise Refusal("certificate-profile", "the certificate is not a signing leaf")
        try:
            chain = _chain(anchors, leaf, moment)
        except VerificationError as exc:
            raise Refusal("certificate-chain", "no certificate chain to a Fulcio CA") from exc
        if not sct_verifies(leaf, chain[1], anchors.ctlogs):
            raise Refusal("sct", "the certificate's SCT does not verify")
        anchors.verified[der] = chain
    if not all(c.not_valid_before_utc <= moment <= c.not_valid_after_utc for c in chain):
        raise Refusal("certificate-validity", "a certificate is not valid at the entry's time")
    return True


def _log_entry_proven(anchors: TrustAnchors, entry: LogEntry) -> bool:
    """The inclusion proof leads to the root hash of a checkpoint the log signed, and the
    log signed the entry (SET); the log found by the entry's key ID, its window started."""
    log = anchors.tlogs.get(entry.log_id)
    if log is None or not log.active(datetime.now(UTC)):
        raise Unsupported("a log the fast path does not know")
    leaf = hashlib.sha256(b"\x00" + entry.body).digest()
    reached = inclusion_root(leaf, entry.proof_index, entry.tree_size, list(entry.hashes))
    if reached is None or reached != entry.root_hash:
        raise Refusal("tlog-proof", "the inclusion proof does not lead to its root hash")
    if signed_note_root(entry.checkpoint, entry.log_id, log.verifies) != (
        entry.tree_size,
        entry.root_hash,
    ):
        raise Refusal("tlog-proof", "the checkpoint does not verify or commits to another tree")
    payload = set_payload(entry.body, entry.integrated_time, entry.log_id, entry.log_index)
    if not log.verifies(entry.signed_entry_timestamp, payload):
        raise Refusal("tlog-promise", "the signed entry timestamp does not verify")
    return True


def _pem64(cert: Certificate) -> str:
    from cryptography.hazmat.primitives import serialization

    return base64.b64encode(cert.public_bytes(serialization.Encoding.PEM)).decode()


def _sha256_field(data: Any) -> str:
    value = obj(data, frozenset({"algorithm", "value"}))
    hex_value = value["value"]
    if value["algorithm"] != "sha256" or not isinstance(hex_value, str) or len(hex_value) != 64:
        raise Unsupported("not a SHA-256 hash")
    bytes.fromhex(hex_value)
    return hex_value


def _intoto_body_problem(body: Any, envelope: DsseParts, leaf: Certificate) -> str | None:
    """What of an intoto 0.0.2 body does not record exactly this envelope, signed by this
    certificate; None when all of it does (Unsupported: not the shape Rekor stores).

    Rekor's type (sigstore/rekor pkg/types/intoto/v0.0.2): the body is ``spec.content`` of
    ``envelope`` (``payloadType`` and ``signatures``, the payload left out), ``hash`` and
    ``payloadHash``. A signature's ``sig`` and ``publicKey`` are base64 bytes in its schema,
    and the bytes are the envelope's ``sig`` (itself base64) and the signer's PEM: base64 of
    base64, base64 of PEM (as in the intoto entry of sigstore-js's verify fixtures). An empty
    ``keyid`` is left out. ``payloadHash`` is Rekor's own (it hashes the decoded payload);
    ``hash`` is whatever the client computed (cosign: its envelope's bytes as marshalled;
    sigstore-js: a canonicalised envelope with the public key in it) and Rekor never checks
    it, so no canonical form exists to check it against: well-formed SHA-256 only, as dsse's
    ``envelopeHash`` above."""
    entry = obj(body, frozenset({"apiVersion", "kind", "spec"}))
    if (entry["apiVersion"], entry["kind"]) != ("0.0.2", "intoto"):
        return "the log entry's body is not an intoto 0.0.2 entry"
    spec = obj(entry["spec"], frozenset({"content"}))
    content = obj(spec["content"], frozenset({"envelope", "hash", "payloadHash"}))
    logged = obj(content["envelope"], frozenset({"payloadType", "signatures"}))
    _sha256_field(content["hash"])  # not checkable (the client's), but well-formed
    signatures = logged["signatures"]
    if not isinstance(signatures, list) or len(signatures) != 1:
        raise Unsupported("not exactly one logged signature")
    one = obj(signatures[0], frozenset({"sig", "publicKey"}), frozenset({"keyid"}))
    if one.get("keyid", "") != envelope.keyid or one.get("keyid") == "":
        raise Unsupported("another key ID")  # an unsigned hint, but not this envelope's
    if logged["payloadType"] != envelope.payload_type:
        return "the log entry records another payload type"
    if _sha256_field(content["payloadHash"]) != hashlib.sha256(envelope.payload).hexdigest():
        return "the log entry records another payload (payloadHash)"
    sig64 = base64.b64encode(envelope.signature)
    if one["sig"] != base64.b64encode(sig64).decode():
        return "the log entry records another signature"
    if one["publicKey"] != _pem64(leaf):
        return "the log entry records another public key than the bundle's certificate"
    return None


def _body_matches(bundle: KeylessBundle, leaf: Certificate, sha256: str | None) -> bool:
    """The entry records this signature by this certificate over this digest (hashedrekord)
    or payload (dsse, intoto): the body sigstore-python expects, exactly (for intoto, the
    body Rekor stores for this envelope)."""
    body = loads(bundle.entry.body)
    if isinstance(bundle.signature, bytes):
        assert sha256 is not None
        expected = {
            "apiVersion": "0.0.1",
            "kind": "hashedrekord",
            "spec": {
                "data": {"hash": {"algorithm": "sha256", "value": bytes.fromhex(sha256).hex()}},
                "signature": {
                    "content": base64.b64encode(bundle.signature).decode(),
                    "publicKey": {"content": _pem64(leaf)},
                },
            },
        }
        if body != expected:
            raise Refusal("tlog-entry", "the log entry records another signature or digest")
        return True
    envelope = bundle.signature
    if bundle.entry.kind == "intoto":
        problem = _intoto_body_problem(body, envelope, leaf)
        if problem is not None:
            raise Refusal("tlog-entry", problem)
        return True
    entry = obj(body, frozenset({"apiVersion", "kind", "spec"}))
    if (entry["apiVersion"], entry["kind"]) != ("0.0.1", "dsse"):
        raise Refusal("tlog-entry", "the log entry's body is not a dsse 0.0.1 entry")
    # rekor-types' dsse 0.0.1 schema: without proposedContent, envelopeHash is required
    spec = obj(entry["spec"], frozenset({"envelopeHash", "payloadHash", "signatures"}))
    _sha256_field(spec["envelopeHash"])  # not checkable (uncanonical JSON), but well-formed
    recorded = [
        {"signature": base64.b64encode(envelope.signature).decode(), "verifier": _pem64(leaf)}
    ]
    payload_hash = hashlib.sha256(envelope.payload).hexdigest()
    if _sha256_field(spec["payloadHash"]) != payload_hash or spec["signatures"] != recorded:
        raise Refusal("tlog-entry", "the log entry records another payload or signature")
    return True


def _signature_verifies(bundle: KeylessBundle, leaf: Certificate, sha256: str | None) -> bool:
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.asymmetric.utils import Prehashed

    key = leaf.public_key()
    if not isinstance(key, ec.EllipticCurvePublicKey):
        raise Unsupported("a signing key that is not ECDSA")
    try:
        if isinstance(bundle.signature, DsseParts):
            envelope = bundle.signature
            if not envelope.payload_type.isascii():  # its length in characters or bytes?
                raise Unsupported("a payload type that is not ASCII")
            kind, payload = envelope.payload_type.encode(), envelope.payload
            pae = b"DSSEv1 %d %s %d %s" % (len(kind), kind, len(payload), payload)
            key.verify(envelope.signature, pae, ec.ECDSA(hashes.SHA256()))
        else:
            assert sha256 is not None
            digest = bytes.fromhex(sha256)
            if bundle.digest is not None and bundle.digest != digest:
                raise Refusal("artifact-digest", "the bundle signs another artifact's digest")
            key.verify(bundle.signature, digest, ec.ECDSA(Prehashed(hashes.SHA256())))
    except InvalidSignature:
        raise Refusal("signature", "the signature does not verify") from None
    return True


def _outcome(
    anchors: TrustAnchors, bundle: KeylessBundle, policy: Policy, sha256: str | None
) -> BundleOutcome | None:
    """The outcome of a bundle that passes every check; None for what sigstore-python is
    to name (a message signature where a statement is needed, the identity policy), Refusal
    for a failed check."""
    from cryptography import x509

    if isinstance(bundle.signature, bytes) and sha256 is None:
        return None  # a message signature where a statement is needed: the slow path says so
    leaf = x509.load_der_x509_certificate(bundle.certificate)
    for der in bundle.chain:  # sigstore-python decodes them all and asks if each is a CA
        is_ca(x509.load_der_x509_certificate(der))
    signer = signer_of(leaf)
    if identity_failures(policy, signer):
        return None
    entry = bundle.entry
    moment = datetime.fromtimestamp(entry.integrated_time, UTC)
    _certificate_verified(anchors, bundle.certificate, moment)
    _log_entry_proven(anchors, entry)
    _signature_verifies(bundle, leaf, sha256)
    _body_matches(bundle, leaf, sha256)
    outside = window_failures(
        anchors.windows, leaf, LogEntryTime(entry.log_id, entry.integrated_time)
    )
    if outside:
        raise Refusal(*outside[0])
    if isinstance(bundle.signature, bytes):
        return BundleOutcome(signer, ())
    try:
        statement = parse_statement(bundle.signature.payload_type, bundle.signature.payload)
    except StatementError as exc:
        raise Refusal(exc.check, exc.detail) from exc
    return BundleOutcome(signer, (), statement)


def fast_verdict(
    anchors: TrustAnchors, path: Path, policy: Policy, sha256: str | None
) -> BundleOutcome | Refusal | None:
    """The outcome of the bundle at ``path`` when it passes every check (over the artifact
    ``sha256``, or a statement when None); else None: verify it with sigstore-python then.
    For a bundle of an intoto entry that fails a check, that check (a Refusal): the bundle
    still goes to sigstore-python, which refuses every intoto entry, and the caller names
    this check rather than sigstore-python's refusal of the entry's kind."""
    try:
        bundle = read_keyless_bundle(path.read_bytes())
    except Exception:  # Unsupported, whatever a mutation provokes: sigstore-python decides
        return None
    try:
        return _outcome(anchors, bundle, policy, sha256)
    except Refusal as refusal:
        return refusal if bundle.entry.kind == "intoto" else None
    except Exception:  # Unsupported, cryptography's errors, whatever a mutation provokes:
        return None  # sigstore-python decides


def fast_outcome(
    anchors: TrustAnchors, path: Path, policy: Policy, sha256: str | None
) -> BundleOutcome | None:
    """The outcome of the bundle at ``path`` when it passes every check (over the artifact
    ``sha256``, or a statement when None); None when it does not or the fast path does not
    cover it: verify it with sigstore-python then."""
    verdict = fast_verdict(anchors, path, policy, sha256)
    return verdict if isinstance(verdict, BundleOutcome) else None
