"""Sigstore trust files: a trusted root or a ClientTrustConfig (trusted root plus signing
config), read through sigstore-python, with the first problem of a bad file in one clause."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from chainproof.errors import InfrastructureError, InputError, UsageError
from chainproof.fileio import read_text

if TYPE_CHECKING:
    from sigstore.models import ClientTrustConfig

__all__ = ["load_trust_config", "trust_file_problem"]


def trust_file_problem(exc: Exception) -> str:
    """The first problem sigstore-python (or pydantic, under it) found in a trust root or
    trust config file, as one clause: pydantic's own text runs over many lines."""
    from pydantic import ValidationError

    if isinstance(exc, ValidationError) and exc.errors():
        first = exc.errors()[0]
        if first["type"] == "json_invalid":
            return f"not valid JSON ({first['msg'].removeprefix('Invalid JSON: ')})"
        where = ".".join(str(part) for part in first["loc"]) or "the top level"
        return f"{where}: {first['msg']}"
    return (str(exc).strip().splitlines() or ["unknown error"])[0].rstrip(".")


def load_trust_config(path: Path | None, staging: bool) -> ClientTrustConfig:
    """A ClientTrustConfig from a file, or Sigstore's staging or production instance (TUF)."""
    from sigstore.errors import Error as SigstoreError
    from sigstore.models import ClientTrustConfig

    if path is not None and staging:
        raise UsageError("Give either --trust-config or --staging, not both.")
    if path is not None:
        text = read_text(path, "trust config")
        try:
            config = ClientTrustConfig.from_json(text)
            config.signing_config.get_fulcio()  # fail now on an unusable signing config
        except (SigstoreError, ValueError) as exc:
            raise InputError(
                f"{path} is not a usable Sigstore ClientTrustConfig: {trust_file_problem(exc)}.",
                hint="It needs a trustedRoot and a signingConfig with Fulcio and Rekor URLs.",
            ) from exc
        return config
    instance = "staging" if staging else "production"
    try:
        return ClientTrustConfig.staging() if staging else ClientTrustConfig.production()
    except Exception as exc:  # TUF and network failures come in many types
        raise InfrastructureError(
            f"Cannot fetch the trust root of Sigstore's {instance} instance: {exc}",
            hint="Check the network, or use --trust-config FILE.",
        ) from exc
