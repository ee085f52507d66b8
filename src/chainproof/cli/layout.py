"""``chainproof layout``: in-toto layouts."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from chainproof.cli.output import handle_errors, stdout_console
from chainproof.errors import InputError

__all__ = ["app"]

app = typer.Typer(help="Create and sign in-toto layouts.", no_args_is_help=True)


@app.command()
def init(
    output: Annotated[Path, typer.Option("-o", "--output", help="Layout file.")] = Path(
        "root.layout"
    ),
    functionary: Annotated[
        list[Path] | None,
        typer.Option(help="Public key allowed to perform every step (repeatable)."),
    ] = None,
    expires_days: Annotated[int, typer.Option(help="Days until the layout expires.")] = 365,
    force: Annotated[bool, typer.Option(help="Overwrite an existing layout.")] = False,
) -> None:
    """Write a starter layout for build, sbom and sign steps (unsigned; edit, then sign)."""
    with handle_errors():
        from chainproof.signing.intoto import MAX_EXPIRY_DAYS, starter_layout, write_layout

        if output.exists() and not force:
            raise InputError(f"{output} already exists.", hint="Pass --force to overwrite it.")
        if not 1 <= expires_days <= MAX_EXPIRY_DAYS:
            raise InputError(f"--expires-days must be between 1 and {MAX_EXPIRY_DAYS}.")
        write_layout(output, starter_layout(functionary or [], expires_days))
        stdout_console().print(
            f"Wrote {output}: steps build, sbom, sign"
            + ("" if functionary else " (no functionary keys yet: add --functionary)"),
            markup=False,
        )


@app.command()
def sign(
    file: Annotated[Path, typer.Argument(help="The layout to sign.")],
    key: Annotated[
        Path,
        typer.Option(help="The layout owner's private key (password: $CHAINPROOF_KEY_PASSWORD)."),
    ],
) -> None:
    """Sign a layout."""
    with handle_errors():
        from chainproof.signing import key_password
        from chainproof.signing.intoto import sign_layout

        keyid = sign_layout(file, key, key_password())
        stdout_console().print(f"Signed {file} with key {keyid}", markup=False)
