"""The one plug point for signing: a Sigstore identity (keyless) or a private key."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

__all__ = ["Signer"]


class Signer(Protocol):
    """Signs in-toto statements as DSSE and, where it can, single files.

    Implementations: ``sigstore_signer.SigstoreSigner`` and ``key_signer.KeySigner``. The
    signing methods are called from several threads at once (sign_release runs them in a
    thread pool) and must be safe for that.
    """

    name: str  # "sigstore" | "key"
    envelope_suffix: str  # file suffix of a signed statement: ".sigstore.json" | ".dsse.json"

    def describe(self) -> str:
        """Who signs, for messages: the certificate identity or the key id."""

    def sign_statement(self, statement: bytes) -> bytes:
        """Sign the statement bytes exactly as given; return the file content to write."""

    def sign_artifact(self, path: Path, sha256: str) -> bytes | None:
        """A detached signature file for one artifact, or None if this signer makes none."""

    def attest_distribution(self, path: Path, sha256: str) -> bytes | None:
        """A PEP 740 publish attestation for one dist, or None if this signer makes none."""
