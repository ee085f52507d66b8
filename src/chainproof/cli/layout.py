"""``chainproof layout``: in-toto layouts."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from chainproof.cli.output import not_yet

__all__ = ["app"]

app = typer.Typer(help="Create and sign in-toto layouts.", no_args_is_help=True)


@app.command()
def init(
    output: Annotated[Path, typer.Option("-o", "--output", help="Layout file.")] = Path(
        "root.layout"
    ),
) -> None:
    """Write a starter layout for build, sbom and sign steps."""
    not_yet("layout init", 4)()


@app.command()
def sign(
    file: Annotated[Path, typer.Argument(help="The layout to sign.")],
    key: Annotated[Path, typer.Option(help="The layout owner's private key.")],
) -> None:
    """Sign a layout."""
    not_yet("layout sign", 4)()
