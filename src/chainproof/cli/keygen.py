"""``chainproof keygen``: a key pair for in-toto/DSSE signing."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

import chainproof
from chainproof.cli.output import emit_json, handle_errors, stdout_console
from chainproof.config import key_password

if TYPE_CHECKING:
    import chainproof.formats.keys

__all__ = ["command"]


def command(
    output: Annotated[
        Path,
        typer.Option(
            "-o", "--output", help="Prefix of the key files: writes PREFIX.key and PREFIX.pub."
        ),
    ],
    key_type: Annotated[str, typer.Option("--type", help="ed25519 or ecdsa (P-256).")] = "ed25519",
    force: Annotated[bool, typer.Option(help="Overwrite existing key files.")] = False,
    json_output: Annotated[bool, typer.Option("--json", help="Print a JSON summary.")] = False,
) -> None:
    """Create a key pair for --signer key.

    The private key (PREFIX.key, mode 0600) is PEM PKCS#8, encrypted with the password in the
    environment variable CHAINPROOF_KEY_PASSWORD when it is set (sign reads the same
    variable). The public key (PREFIX.pub) is PEM, for verify --key.
    """
    with handle_errors():
        password = key_password()
        private_path, public_path = chainproof.formats.keys.generate_key_pair(
            output, key_type, password, force
        )
        keyid = chainproof.formats.keys.load_public_key(public_path).keyid
        if json_output:
            emit_json(
                {
                    "private_key": str(private_path),
                    "public_key": str(public_path),
                    "keyid": keyid,
                    "type": key_type,
                    "encrypted": password is not None,
                }
            )
            return
        console = stdout_console()
        state = "encrypted with $CHAINPROOF_KEY_PASSWORD" if password else "not encrypted"
        console.print(f"Private key: {private_path} ({state})", markup=False)
        console.print(f"Public key:  {public_path}", markup=False)
        console.print(f"Key id:      {keyid}", markup=False)
