"""Signing with a private key (ed25519 or ECDSA P-256) through securesystemslib: plain DSSE
envelopes over in-toto statements. The key files are read by :mod:`chainproof.formats.keys`;
the envelopes are verified by :mod:`chainproof.verify.key_envelope`.
"""

from __future__ import annotations

from pathlib import Path

from chainproof.fileio import canonical_json
from chainproof.formats.intoto import IN_TOTO_PAYLOAD_TYPE
from chainproof.formats.keys import crypto_signer, load_private_key, public_pem

__all__ = ["KeySigner"]


class KeySigner:
    """DSSE envelopes signed with one private key; no per-file signatures, no PEP 740."""

    name = "key"
    envelope_suffix = ".dsse.json"

    def __init__(self, key_path: Path, password: bytes | None) -> None:
        private_key = load_private_key(key_path, password)
        self._signer = crypto_signer(private_key, key_path)
        self._public_pem = public_pem(private_key)

    def public_pem(self) -> bytes:
        """The public key that verifies this signer's envelopes (``verify --key``)."""
        return self._public_pem

    @property
    def keyid(self) -> str:
        return str(self._signer.public_key.keyid)

    def describe(self) -> str:
        return f"key {self.keyid}"

    def sign_statement(self, statement: bytes) -> bytes:
        from securesystemslib.dsse import Envelope

        envelope = Envelope(statement, IN_TOTO_PAYLOAD_TYPE, {})
        envelope.sign(self._signer)
        return canonical_json(envelope.to_dict()).encode("utf-8")

    def sign_artifact(self, path: Path, sha256: str) -> None:
        return None

    def attest_distribution(self, path: Path, sha256: str) -> None:
        return None
