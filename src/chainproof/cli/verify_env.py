"""``chainproof verify-env``: an installed environment against its SBOM."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from chainproof.cli.output import handle_errors, reporter
from chainproof.rendering import JsonFormat
from chainproof.verify.env_drift import default_python, verify_environment_against_sbom
from chainproof.verify.formats import DriftText

__all__ = ["command"]


def command(
    sbom: Annotated[Path, typer.Option(help="The SBOM the environment must match.")],
    python: Annotated[
        str | None,
        typer.Option(help="Interpreter of the environment (default: $VIRTUAL_ENV, else this one)."),
    ] = None,
    allow_extra: Annotated[
        list[str] | None,
        typer.Option(
            help="A distribution that may be installed without being in the SBOM "
            "(repeatable), e.g. pip."
        ),
    ] = None,
    json_output: Annotated[bool, typer.Option("--json", help="Print a JSON report.")] = False,
) -> None:
    """Check that an installed environment matches an SBOM.

    Same distributions and versions, nothing extra, every RECORD hash intact; drift exits 1.
    """
    with handle_errors():
        with reporter(json_output) as progress:
            report = verify_environment_against_sbom(
                sbom, python or default_python(), frozenset(allow_extra or ()), progress
            )
        output_format = JsonFormat() if json_output else DriftText()
        sys.stdout.write(output_format.render(report))
        report.raise_if_failed()
