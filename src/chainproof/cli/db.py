"""``chainproof db``: the offline advisory database."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from chainproof.cli.output import not_yet

__all__ = ["app"]

app = typer.Typer(help="Manage the offline advisory database.", no_args_is_help=True)


@app.command("import")
def import_(
    source: Annotated[Path, typer.Argument(help="A directory of OSV files or an OSV all.zip.")],
) -> None:
    """Import OSV advisories from a directory or an all.zip."""
    not_yet("db import", 6)()


@app.command()
def update(url: Annotated[str | None, typer.Option(help="A mirror of OSV's export.")] = None) -> None:
    """Download OSV's PyPI export and import it."""
    not_yet("db update", 6)()


@app.command()
def status() -> None:
    """Show the snapshot's date, source and counts."""
    not_yet("db status", 6)()
