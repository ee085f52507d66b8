"""``chainproof verify-env``: an installed environment against its SBOM."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from chainproof.cli.output import emit_json, handle_errors, reporter, stdout_console
from chainproof.verify.env_drift import default_python, verify_environment_against_sbom

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
        if json_output:
            emit_json(report.to_json())
        else:
            console = stdout_console()
            console.print(
                f"{report.python}: {report.installed} distributions installed, "
                f"{report.expected} in the SBOM, {report.files_checked} files checked.",
                markup=False,
            )
            for drift in report.drift:
                console.print(f"  {drift.kind:<12} {drift}", markup=False)
        report.raise_if_failed()
