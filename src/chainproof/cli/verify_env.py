"""``chainproof verify-env``: an installed environment against its SBOM."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

import chainproof
from chainproof.cli.output import emit, handle_errors, reporter
from chainproof.rendering import JsonFormat

if TYPE_CHECKING:
    import chainproof.verify.env_drift
    import chainproof.verify.formats

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
            report = chainproof.verify.env_drift.verify_environment_against_sbom(
                sbom,
                python or chainproof.verify.env_drift.default_python(),
                frozenset(allow_extra or ()),
                progress,
            )
        output_format = JsonFormat() if json_output else chainproof.verify.formats.DriftText()
        emit(output_format, report)
        report.raise_if_failed()
