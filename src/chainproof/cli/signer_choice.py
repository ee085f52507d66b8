"""The signer options shared by ``chainproof sign`` and ``chainproof release``; the choice
itself is :func:`chainproof.signing.choice.signer_factory`."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from chainproof.config import KEY_PASSWORD_ENV

__all__ = [
    "IdentityTokenOption",
    "KeyOption",
    "SignerOption",
    "StagingOption",
    "TrustConfigOption",
    "interactive",
]


# The options of `chainproof sign` and `chainproof release` that choose the signer.
SignerOption = Annotated[str, typer.Option(help="sigstore (keyless) or key.")]
KeyOption = Annotated[
    Path | None,
    typer.Option(help=f"Private key for --signer key (password in ${KEY_PASSWORD_ENV})."),
]
IdentityTokenOption = Annotated[
    str | None,
    typer.Option(
        help="OIDC identity token (else $SIGSTORE_ID_TOKEN, CI ambient credentials, or "
        "the browser on a terminal)."
    ),
]
TrustConfigOption = Annotated[
    Path | None, typer.Option(help="ClientTrustConfig JSON of a private Sigstore.")
]
StagingOption = Annotated[bool, typer.Option(help="Use Sigstore's staging instance.")]


def interactive(json_output: bool) -> bool:
    """May a browser be opened for the identity token: a terminal, and no JSON output?"""
    return not json_output and sys.stdin.isatty() and sys.stdout.isatty()
