"""A Fulcio stand-in: a CA that issues short-lived code-signing certificates with one embedded
precertificate SCT from its own CT log key, as the real Fulcio does."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import struct

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID, ObjectIdentifier

from tests.sigstore_local._claims import Identity
from tests.sigstore_local._der import (
    der_octet_string,
    der_utf8_string,
    tls_opaque16,
    tls_opaque24,
)

__all__ = ["LEAF_LIFETIME", "CertificateAuthority", "spki_der"]

LEAF_LIFETIME = dt.timedelta(minutes=10)
_FULCIO_OID = "1.3.6.1.4.1.57264.1.{}"
_SCT_LIST_OID = ObjectIdentifier("1.3.6.1.4.1.11129.2.4.2")


def spki_der(key: ec.EllipticCurvePublicKey) -> bytes:
    return key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


class CertificateAuthority:
    """Root CA plus CT log key; ``issue`` returns [leaf, root] like Fulcio's signingCert."""

    def __init__(self, now: dt.datetime) -> None:
        self.not_before = now - dt.timedelta(days=1)
        self._key = ec.generate_private_key(ec.SECP384R1())
        self.ct_key = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name(
            [
                x509.NameAttribute(NameOID.ORGANIZATION_NAME, "chainproof-tests"),
                x509.NameAttribute(NameOID.COMMON_NAME, "local-fulcio"),
            ]
        )
        public = self._key.public_key()
        self.root = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(public)
            .serial_number(x509.random_serial_number())
            .not_valid_before(self.not_before)
            .not_valid_after(now + dt.timedelta(days=3650))
            .add_extension(x509.BasicConstraints(ca=True, path_length=1), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=False,
                    content_commitment=False,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=True,
                    crl_sign=True,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
            .sign(self._key, hashes.SHA384())
        )
        self.ct_log_id = hashlib.sha256(spki_der(self.ct_key.public_key())).digest()

    def issue(self, csr: x509.CertificateSigningRequest, identity: Identity) -> list[str]:
        """PEM of the leaf (with its SCT) and of the root."""
        now = dt.datetime.now(dt.UTC).replace(microsecond=0)
        builder = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([]))
            .issuer_name(self.root.subject)
            .public_key(csr.public_key())
            .serial_number(secrets.randbits(159) | 1)
            .not_valid_before(now)
            .not_valid_after(now + LEAF_LIFETIME)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=True,
                    content_commitment=False,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=False,
                    crl_sign=False,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CODE_SIGNING]), False)
            .add_extension(
                x509.SubjectKeyIdentifier.from_public_key(csr.public_key()), critical=False
            )
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(self._key.public_key()),
                critical=False,
            )
        )
        general_name: x509.GeneralName = (
            x509.UniformResourceIdentifier(identity.san)
            if identity.san_kind == "uri"
            else x509.RFC822Name(identity.san)
        )
        # An empty subject makes the SAN critical (RFC 5280 4.2.1.6), as Fulcio does.
        builder = builder.add_extension(x509.SubjectAlternativeName([general_name]), True)
        for suffix, raw in sorted(identity.legacy.items()):
            oid = ObjectIdentifier(_FULCIO_OID.format(suffix))
            builder = builder.add_extension(x509.UnrecognizedExtension(oid, raw.encode()), False)
        for suffix, value in sorted(identity.extensions.items()):
            oid = ObjectIdentifier(_FULCIO_OID.format(suffix))
            builder = builder.add_extension(
                x509.UnrecognizedExtension(oid, der_utf8_string(value)), False
            )
        # The precertificate is the same TBS without the SCT list: sign an SCT over it, then
        # add the list as the last extension so the final TBS minus that extension is equal.
        precert = builder.sign(self._key, hashes.SHA384())
        sct_list = tls_opaque16(tls_opaque16(self._sct(precert.tbs_certificate_bytes, now)))
        leaf = builder.add_extension(
            x509.UnrecognizedExtension(_SCT_LIST_OID, der_octet_string(sct_list)), False
        ).sign(self._key, hashes.SHA384())
        if leaf.tbs_precertificate_bytes != precert.tbs_certificate_bytes:
            raise AssertionError("precertificate TBS differs from the final certificate's")
        return [
            leaf.public_bytes(serialization.Encoding.PEM).decode(),
            self.root.public_bytes(serialization.Encoding.PEM).decode(),
        ]

    def _sct(self, tbs: bytes, when: dt.datetime) -> bytes:
        """An RFC 6962 v1 SCT for a precertificate entry, TLS-encoded."""
        timestamp = int(when.timestamp() * 1000)
        issuer_key_hash = hashlib.sha256(spki_der(self._key.public_key())).digest()
        signed = (
            struct.pack("!BBQH", 0, 0, timestamp, 1)
            + issuer_key_hash
            + tls_opaque24(tbs)
            + tls_opaque16(b"")
        )
        signature = self.ct_key.sign(signed, ec.ECDSA(hashes.SHA256()))
        # hash algorithm 4 = sha256, signature algorithm 3 = ecdsa
        return (
            struct.pack("!B", 0)
            + self.ct_log_id
            + struct.pack("!Q", timestamp)
            + tls_opaque16(b"")
            + struct.pack("!BB", 4, 3)
            + tls_opaque16(signature)
        )
