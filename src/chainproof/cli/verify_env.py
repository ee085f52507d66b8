"""``chainproof verify-env``: an installed environment against its SBOM."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from chainproof.cli.output import not_yet

__all__ = ["command"]


def command(
    sbom: Annotated[Path, typer.Option(help="The SBOM the environment must match.")],
    python: Annotated[str | None, typer.Option(help="Interpreter of the environment.")] = None,
    json_output: Annotated[bool, typer.Option("--json", help="Print a JSON report.")] = False,
) -> None:
    """Check that an installed environment matches an SBOM."""
    not_yet("verify-env", 5)()
