"""Signing with a private key (ed25519 or ECDSA P-256) through securesystemslib: plain DSSE
envelopes, key pairs from ``chainproof keygen``, and the matching envelope verification.

Key files are PEM: PKCS#8 private key (optionally encrypted) and SubjectPublicKeyInfo public
key, the formats in-toto's tools and securesystemslib's CryptoSigner read.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from chainproof.config import KEY_PASSWORD_ENV
from chainproof.errors import InputError, UsageError, VerificationFailed
from chainproof.fileio import StagedFiles, canonical_json, read_bytes
from chainproof.formats.intoto import IN_TOTO_PAYLOAD_TYPE

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes
    from securesystemslib.signer import CryptoSigner  # type: ignore[attr-defined]

__all__ = [
    "KEY_TYPES",
    "KeySigner",
    "generate_key_pair",
    "key_password",
    "load_public_key",
    "load_signer",
    "verify_key_envelope",
]

KEY_TYPES = ("ed25519", "ecdsa")


def key_password() -> bytes | None:
    """The private key's password from $CHAINPROOF_KEY_PASSWORD, if set and not empty."""
    value = os.environ.get(KEY_PASSWORD_ENV)
    return os.fsencode(value) if value else None  # the bytes as set, even if not UTF-8


def generate_key_pair(
    prefix: Path, key_type: str, password: bytes | None, force: bool = False
) -> tuple[Path, Path]:
    """Write ``PREFIX.key`` (mode 0600) and ``PREFIX.pub``; both or neither."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519

    if key_type not in KEY_TYPES:
        raise UsageError(f"Unknown key type {key_type!r}: use {' or '.join(KEY_TYPES)}.")
    if prefix.name in ("", "..") or not prefix.name.strip():
        raise UsageError(
            f"-o {str(prefix)!r} needs a file name: it is the prefix of PREFIX.key and PREFIX.pub.",
            hint="e.g. -o release writes release.key and release.pub.",
        )
    private_path = prefix.with_name(prefix.name + ".key")
    public_path = prefix.with_name(prefix.name + ".pub")
    existing = [p for p in (private_path, public_path) if p.exists()]
    if existing and not force:
        raise InputError(
            f"{existing[0]} already exists.", hint="Choose another -o PREFIX or pass --force."
        )
    private_key: ed25519.Ed25519PrivateKey | ec.EllipticCurvePrivateKey = (
        ed25519.Ed25519PrivateKey.generate()
        if key_type == "ed25519"
        else ec.generate_private_key(ec.SECP256R1())
    )
    encryption: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(password)
        if password
        else serialization.NoEncryption()
    )
    staged = StagedFiles()
    staged.add(
        private_path,
        private_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption
        ),
        mode=0o600,
    )
    staged.add(public_path, _public_pem(private_key), mode=0o644)
    staged.commit()
    return private_path, public_path


def load_signer(path: Path, password: bytes | None) -> CryptoSigner:
    """A securesystemslib signer from a PEM PKCS#8 private key; InputError if unusable."""
    return _crypto_signer(_load_private_key(path, password), path)


def _crypto_signer(private_key: PrivateKeyTypes, path: Path) -> CryptoSigner:
    from securesystemslib.signer import CryptoSigner  # type: ignore[attr-defined]

    try:
        return CryptoSigner(private_key)
    except ValueError as exc:
        raise InputError(
            f"The private key {path} is of an unsupported type ({exc}).",
            hint="Use an ed25519 or ECDSA P-256 key (chainproof keygen makes one).",
        ) from exc


def _public_pem(private_key: PrivateKeyTypes) -> bytes:
    """The SubjectPublicKeyInfo PEM of a private key's public half (what ``.pub`` holds)."""
    from cryptography.hazmat.primitives import serialization

    return private_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def _load_private_key(path: Path, password: bytes | None) -> PrivateKeyTypes:
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    data = read_bytes(path, "private key")
    try:
        private_key = load_pem_private_key(data, password)
    except TypeError as exc:  # encrypted without a password, or a password for a plain key
        if password is None:
            raise InputError(
                f"The private key {path} is encrypted.",
                hint=f"Set its password in the environment variable {KEY_PASSWORD_ENV}.",
            ) from exc
        raise InputError(
            f"The private key {path} is not encrypted, but {KEY_PASSWORD_ENV} is set.",
            hint=f"Unset {KEY_PASSWORD_ENV}.",
        ) from exc
    except ValueError as exc:
        hint = f"Check {KEY_PASSWORD_ENV}." if password else None
        raise InputError(
            f"Cannot load the private key {path}: not a PEM private key or a wrong password.",
            hint=hint,
        ) from exc
    return private_key


def load_public_key(path: Path) -> Any:
    """An SSlibKey from a PEM public key file (or a PEM private key: its public half)."""
    from cryptography.hazmat.primitives.serialization import load_pem_public_key
    from securesystemslib.signer import SSlibKey  # type: ignore[attr-defined]

    data = read_bytes(path, "public key")
    try:
        return SSlibKey.from_crypto(load_pem_public_key(data))
    except ValueError as exc:
        raise InputError(
            f"{path} is not a PEM public key of a supported type (ed25519, ECDSA).",
            hint="Pass the .pub file written by chainproof keygen.",
        ) from exc


class KeySigner:
    """DSSE envelopes signed with one private key; no per-file signatures, no PEP 740."""

    name = "key"
    envelope_suffix = ".dsse.json"

    def __init__(self, key_path: Path, password: bytes | None) -> None:
        private_key = _load_private_key(key_path, password)
        self._signer = _crypto_signer(private_key, key_path)
        self._public_pem = _public_pem(private_key)

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


def _envelope_shape_problem(data: object) -> str | None:
    """What makes ``data`` no DSSE envelope: securesystemslib's Envelope.from_dict takes any
    JSON types and fails later with an AttributeError."""
    if not isinstance(data, dict):
        return "not a JSON object"
    for field in ("payload", "payloadType"):
        if not isinstance(data.get(field), str):
            return f"{field} is not a string"
    signatures = data.get("signatures")
    if not isinstance(signatures, list):
        return "signatures is not a list"
    for signature in signatures:
        if not isinstance(signature, dict) or not isinstance(signature.get("sig"), str):
            return "a signature has no sig string"
        if not isinstance(signature.get("keyid", ""), str):
            return "a signature's keyid is not a string"
    return None


def verify_key_envelope(
    envelope: bytes, public_key: Path, name: str = "The envelope"
) -> tuple[str, bytes]:
    """Verify a key-signed DSSE envelope; return its payload type and payload as signed.

    Raises VerificationFailed if no signature of the key verifies, InputError (starting with
    ``name``) if the envelope is not DSSE JSON.
    """
    from securesystemslib.dsse import Envelope
    from securesystemslib.exceptions import FormatError
    from securesystemslib.exceptions import VerificationError as SslibVerificationError

    key = load_public_key(public_key)
    try:
        data = json.loads(envelope)
        problem = _envelope_shape_problem(data)
        if problem is not None:
            raise ValueError(problem)
        parsed = Envelope.from_dict(data)
    except (
        json.JSONDecodeError,
        UnicodeDecodeError,
        KeyError,
        TypeError,
        ValueError,
        FormatError,
    ) as exc:
        raise InputError(f"{name} is not a DSSE envelope: {exc}.") from exc
    try:
        parsed.verify([key], 1)
    except SslibVerificationError as exc:
        raise VerificationFailed(
            f"The DSSE envelope is not signed by the key {public_key} ({exc})."
        ) from exc
    return parsed.payload_type, parsed.payload
