"""``chainproof audit``: dependencies against offline vulnerability advisories."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from chainproof.cli.output import not_yet

__all__ = ["command"]


def command(
    sbom: Annotated[Path | None, typer.Option(help="A CycloneDX SBOM.")] = None,
    pylock: Annotated[Path | None, typer.Option(help="A PEP 751 pylock.toml.")] = None,
    requirements: Annotated[
        Path | None, typer.Option(help="A hash-pinned requirements file.")
    ] = None,
    env: Annotated[str | None, typer.Option(help="The Python interpreter of an environment.")] = None,
    db: Annotated[Path | None, typer.Option(help="The advisory database.")] = None,
    policy: Annotated[Path | None, typer.Option(help="A policy file (chainproof.toml).")] = None,
    fail_on: Annotated[
        str | None, typer.Option(help="low, medium, high or critical.")
    ] = None,
    output_format: Annotated[
        str, typer.Option("--format", help="table, json, cyclonedx, sarif or markdown.")
    ] = "table",
    output: Annotated[Path | None, typer.Option("-o", "--output", help="Output file.")] = None,
) -> None:
    """Audit dependencies for known vulnerabilities, offline."""
    not_yet("audit", 6)()
