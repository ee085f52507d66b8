"""``chainproof sbom``: CycloneDX with a hash of every dependency."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from chainproof.cli.output import not_yet

__all__ = ["command"]


def command(
    dist: Annotated[Path | None, typer.Option(help="A dist directory from `chainproof build`.")] = None,
    pylock: Annotated[Path | None, typer.Option(help="A PEP 751 pylock.toml.")] = None,
    uv_lock: Annotated[Path | None, typer.Option(help="A uv.lock file.")] = None,
    requirements: Annotated[
        Path | None, typer.Option(help="A hash-pinned requirements file.")
    ] = None,
    env: Annotated[str | None, typer.Option(help="The Python interpreter of an environment.")] = None,
    output: Annotated[Path | None, typer.Option("-o", "--output", help="Output file.")] = None,
    output_format: Annotated[str, typer.Option("--format", help="json or xml.")] = "json",
    spec_version: Annotated[str, typer.Option(help="CycloneDX 1.5, 1.6 or 1.7.")] = "1.6",
    json_output: Annotated[bool, typer.Option("--json", help="Print a JSON summary.")] = False,
) -> None:
    """Write a CycloneDX SBOM from a build, a lock file or an environment."""
    not_yet("sbom", 3)()
