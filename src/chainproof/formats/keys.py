"""Key files: PEM PKCS#8 private keys (optionally encrypted) and SubjectPublicKeyInfo public
keys, ed25519 or ECDSA P-256, the formats in-toto's tools and securesystemslib's CryptoSigner
read. ``generate_key_pair`` writes them (``chainproof keygen``); the loaders read them for
signing and verification.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from chainproof.config import KEY_PASSWORD_ENV
from chainproof.errors import InputError, UsageError
from chainproof.fileio import StagedFiles, read_bytes

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes
    from securesystemslib.signer import CryptoSigner  # type: ignore[attr-defined]

__all__ = [
    "KEY_TYPES",
    "crypto_signer",
    "generate_key_pair",
    "key_dict",
    "load_private_key",
    "load_public_key",
    "load_signer",
    "public_pem",
]


KEY_TYPES = ("ed25519", "ecdsa")


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
    staged.add(public_path, public_pem(private_key), mode=0o644)
    staged.commit()
    return private_path, public_path


def load_signer(path: Path, password: bytes | None) -> CryptoSigner:
    """A securesystemslib signer from a PEM PKCS#8 private key; InputError if unusable."""
    return crypto_signer(load_private_key(path, password), path)


def crypto_signer(private_key: PrivateKeyTypes, path: Path) -> CryptoSigner:
    from securesystemslib.signer import CryptoSigner  # type: ignore[attr-defined]

    try:
        return CryptoSigner(private_key)
    except ValueError as exc:
        raise InputError(
            f"The private key {path} is of an unsupported type ({exc}).",
            hint="Use an ed25519 or ECDSA P-256 key (chainproof keygen makes one).",
        ) from exc


def public_pem(private_key: PrivateKeyTypes) -> bytes:
    """The SubjectPublicKeyInfo PEM of a private key's public half (what ``.pub`` holds)."""
    from cryptography.hazmat.primitives import serialization

    return private_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def load_private_key(path: Path, password: bytes | None) -> PrivateKeyTypes:
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


def key_dict(path: Path) -> dict[str, Any]:
    """in-toto's key form: securesystemslib's dict plus the keyid."""
    key = load_public_key(path)
    data: dict[str, Any] = key.to_dict()
    data["keyid"] = key.keyid
    return data
