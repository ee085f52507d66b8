"""``chainproof build``: sdist and wheel in an ephemeral, isolated environment."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from chainproof.cli.output import not_yet

__all__ = ["command"]


def command(
    project_dir: Annotated[Path, typer.Argument(help="The git checkout to build.")] = Path("."),
    output: Annotated[Path, typer.Option("-o", "--output", help="Output directory.")] = Path(
        "dist"
    ),
    installer: Annotated[
        str, typer.Option(help="Installer for the build environment: auto, uv or pip.")
    ] = "auto",
    check_reproducible: Annotated[
        bool, typer.Option(help="Build twice in fresh environments and compare the artifacts.")
    ] = False,
    allow_dirty: Annotated[
        bool, typer.Option(help="Build a working tree with uncommitted changes (recorded).")
    ] = False,
    json_output: Annotated[bool, typer.Option("--json", help="Print a JSON summary.")] = False,
) -> None:
    """Build sdist and wheel reproducibly and write build-record.json."""
    not_yet("build", 2)()
