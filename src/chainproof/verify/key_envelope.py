"""Verifying a plain DSSE envelope signed with a managed key (``*.dsse.json``, ``--key``)
through securesystemslib."""

from __future__ import annotations

import json
from pathlib import Path

from chainproof.errors import InputError, VerificationFailed
from chainproof.formats.keys import load_public_key

__all__ = ["verify_key_envelope"]


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
