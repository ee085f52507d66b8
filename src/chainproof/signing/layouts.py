"""Signing an in-toto layout as its owner (the layout document itself is in
:mod:`chainproof.formats.intoto_layout`)."""

from __future__ import annotations

from pathlib import Path

from chainproof.formats.intoto_layout import load_layout, write_layout
from chainproof.formats.keys import load_signer

__all__ = ["sign_layout"]


def sign_layout(path: Path, key: Path, password: bytes | None) -> str:
    """Add the owner's signature to the layout file (atomically); return the key id."""
    signer = load_signer(key, password)
    metadata = load_layout(path)
    metadata.create_signature(signer)
    write_layout(path, metadata.to_dict())
    return str(signer.public_key.keyid)
