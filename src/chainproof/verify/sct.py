"""A Fulcio certificate's embedded SCT (RFC 6962 3.2) against the trusted root's CT logs.

Why ours: sigstore-python's SCT check is private (``sigstore._internal.sct``) and importing it
imports ``sigstore.models`` (0.25-0.34 s, see :mod:`.anchors`); cryptography parses the SCT,
the signed structure is a few bytes of framing around the precertificate's TBS.

The rules are sigstore-python's or stricter: exactly one SCT, a precertificate entry (an
X.509 entry falls back), SHA-256, the issuer a CA that is not a CT pre-issuer (that falls
back), the log found by its key ID (sigstore-python would try every key: falls back).
"""

from __future__ import annotations

import hashlib
import struct
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from chainproof.verify.anchors import LogKey
from chainproof.verify.strict_json import Unsupported

if TYPE_CHECKING:
    from cryptography.x509 import Certificate

__all__ = ["is_ca", "sct_verifies"]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def is_ca(cert: Certificate) -> bool:
    """sigstore-python's ``cert_is_ca``: v3, critical basic constraints, both CA and
    keyCertSign; a certificate with one of the two raises Unsupported (it raises)."""
    from cryptography import x509

    if cert.version != x509.Version.v3:
        raise Unsupported("not an X.509 v3 certificate")
    try:
        constraints = cert.extensions.get_extension_for_class(x509.BasicConstraints)
    except x509.ExtensionNotFound:
        return False
    if not constraints.critical:
        raise Unsupported("non-critical basic constraints")
    try:
        usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound as exc:
        raise Unsupported("no key usage") from exc
    if constraints.value.ca and usage.key_cert_sign:
        return True
    if constraints.value.ca or usage.key_cert_sign:
        raise Unsupported("inconsistent CA flags")
    return False


def _milliseconds(moment: datetime) -> int:
    """The SCT's timestamp in ms. sigstore-python computes it through a float; where the
    two differ (it would then fail a good SCT), fall back rather than pass."""
    aware = moment.replace(tzinfo=UTC)
    exact = (aware - _EPOCH) // timedelta(milliseconds=1)
    if int(aware.timestamp() * 1000) != exact:
        raise Unsupported("an SCT timestamp sigstore-python rounds")
    return exact


def sct_verifies(leaf: Certificate, issuer: Certificate, ctlogs: dict[bytes, LogKey]) -> bool:
    """Does the leaf's one embedded SCT verify with a CT log key of the root?"""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec, rsa
    from cryptography.x509.certificate_transparency import LogEntryType
    from cryptography.x509.oid import ExtendedKeyUsageOID

    try:
        scts = leaf.extensions.get_extension_for_class(
            x509.PrecertificateSignedCertificateTimestamps
        ).value
    except x509.ExtensionNotFound:
        return False
    if len(scts) != 1:
        return False
    sct = scts[0]
    if sct.entry_type != LogEntryType.PRE_CERTIFICATE:
        raise Unsupported("an SCT over an X.509 entry")
    try:
        usage = issuer.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
        if ExtendedKeyUsageOID.CERTIFICATE_TRANSPARENCY in usage:
            raise Unsupported("a CT pre-issuer")
    except x509.ExtensionNotFound:
        pass
    issuer_key = issuer.public_key()
    if not is_ca(issuer) or not isinstance(
        issuer_key, ec.EllipticCurvePublicKey | rsa.RSAPublicKey
    ):
        return False
    if not isinstance(sct.signature_hash_algorithm, hashes.SHA256):
        return False
    log = ctlogs.get(sct.log_id)
    if log is None or not log.active(datetime.now(UTC)):
        raise Unsupported("an SCT of a CT log the fast path does not know")
    issuer_key_id = hashlib.sha256(
        issuer_key.public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    ).digest()
    tbs = leaf.tbs_precertificate_bytes
    if len(tbs) >= 1 << 24:
        return False
    extensions = sct.extension_bytes
    signed = (
        struct.pack("!BBQH", sct.version.value, 0, _milliseconds(sct.timestamp), 1)
        + issuer_key_id
        + len(tbs).to_bytes(3, "big")
        + tbs
        + struct.pack("!H", len(extensions))
        + extensions
    )
    return log.verifies(sct.signature, signed)
