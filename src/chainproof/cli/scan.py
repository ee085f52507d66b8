"""``chainproof scan``: secrets, credential files and stray files in wheels and sdists."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

import chainproof
from chainproof.cli.output import handle_errors, reporter, stderr_console

if TYPE_CHECKING:
    import chainproof.fileio
    import chainproof.scan.formats
    import chainproof.scan.run

__all__ = ["command"]


def command(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(
            metavar="DIST_DIR | FILE",
            help="A dist directory, or wheels and sdists (default: dist).",
        ),
    ] = None,
    policy: Annotated[
        Path | None, typer.Option(help="A policy file with \\[scan] (chainproof.toml).")
    ] = None,
    project: Annotated[
        Path | None,
        typer.Option(
            help="The git checkout the artifacts were built from, for stray files "
            "(default: the working directory)."
        ),
    ] = None,
    output_format: Annotated[
        str, typer.Option("--format", help="table, json, sarif or markdown.")
    ] = "table",
    output: Annotated[Path | None, typer.Option("-o", "--output", help="Output file.")] = None,
) -> None:
    """Scan wheels and sdists for secrets, credential files and stray files."""
    with handle_errors():
        renderer = chainproof.scan.formats.scan_format(output_format)
        request = chainproof.scan.run.ScanRequest(
            tuple(paths or [Path("dist")]), policy=policy, project_dir=project
        )
        quiet = output_format != "table" and output is None
        with reporter(quiet) as progress:
            report = chainproof.scan.run.scan_artifacts(request, progress)
        text = renderer.render(report)
        if output is not None:
            chainproof.fileio.atomic_write_text(output, text)
            stderr_console().print(f"Wrote {output_format} report to {output}.", markup=False)
        else:
            sys.stdout.write(text)
        report.raise_if_failed(
            "Remove the file or secret and rebuild (revoke a leaked secret), or add an "
            "exception by fingerprint with a reason, an approver and an expiry to [scan]."
        )
