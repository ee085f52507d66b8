"""``chainproof layout``: in-toto layouts."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

import chainproof
from chainproof.cli.output import handle_errors, stdout_console
from chainproof.config import key_password
from chainproof.errors import InputError

if TYPE_CHECKING:
    import chainproof.formats.intoto_layout
    import chainproof.signing.layouts

__all__ = ["app"]

app = typer.Typer(help="Create and sign in-toto layouts.", no_args_is_help=True)


@app.command()
def init(
    output: Annotated[Path, typer.Option("-o", "--output", help="Layout file.")] = Path(
        "root.layout"
    ),
    functionary: Annotated[
        list[str] | None,
        typer.Option(
            metavar="[STEP=]PUBKEY",
            help="Public key allowed to perform STEP (test or build); without STEP=, every "
            "step (repeatable).",
        ),
    ] = None,
    source_dir: Annotated[
        str | None,
        typer.Option(
            metavar="DIR",
            help="Where the wheel's modules live in the source tree (default: src if ./src "
            "exists, else the top level).",
        ),
    ] = None,
    expires_days: Annotated[int, typer.Option(help="Days until the layout expires.")] = 365,
    force: Annotated[bool, typer.Option(help="Overwrite an existing layout.")] = False,
) -> None:
    """Write a starter layout: steps test then build, and an inspection that unpacks the wheel
    (unsigned; edit it if needed, then sign it)."""
    with handle_errors():
        if output.exists() and not force:
            raise InputError(f"{output} already exists.", hint="Pass --force to overwrite it.")
        longest = chainproof.formats.intoto_layout.MAX_EXPIRY_DAYS
        if not 1 <= expires_days <= longest:
            raise InputError(f"--expires-days must be between 1 and {longest}.")
        keys = chainproof.formats.intoto_layout.functionary_keys(functionary or [])
        source = source_dir if source_dir is not None else ("src" if Path("src").is_dir() else "")
        chainproof.formats.intoto_layout.write_layout(
            output, chainproof.formats.intoto_layout.starter_layout(keys, expires_days, source)
        )
        missing = ", ".join(step for step, paths in keys.items() if not paths)
        note = f" (no functionary key for {missing}: add --functionary)" if missing else ""
        stdout_console().print(
            f"Wrote {output}: steps test, build; inspection unpack-wheel{note}", markup=False
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
        keyid = chainproof.signing.layouts.sign_layout(file, key, key_password())
        stdout_console().print(f"Signed {file} with key {keyid}", markup=False)
