"""``chainproof step``: record an in-toto link for a supply-chain step."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from chainproof.cli.output import not_yet

__all__ = ["command"]


def command(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The step's name in the layout.")],
    key: Annotated[Path, typer.Option(help="Private key signing the link.")],
    materials: Annotated[list[Path] | None, typer.Option(help="Inputs to record.")] = None,
    products: Annotated[list[Path] | None, typer.Option(help="Outputs to record.")] = None,
) -> None:
    """Run a command and record a signed in-toto link (after --)."""
    not_yet("step", 4)()
