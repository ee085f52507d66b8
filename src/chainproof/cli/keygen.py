"""``chainproof keygen``: a key pair for in-toto/DSSE signing."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from chainproof.cli.output import not_yet

__all__ = ["command"]


def command(
    output: Annotated[Path, typer.Option("-o", "--output", help="Prefix of the key files.")],
    key_type: Annotated[str, typer.Option("--type", help="ed25519 or ecdsa.")] = "ed25519",
) -> None:
    """Create a key pair for --signer key."""
    not_yet("keygen", 4)()
