"""``chainproof report``: open advisories, time to fix and exceptions from the lock files'
git history, as a page, Markdown or JSON."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

import chainproof
from chainproof.cli.options import DbOption, PolicyOption
from chainproof.cli.output import handle_errors, stderr_console
from chainproof.errors import FindingsOverThreshold, UsageError
from chainproof.rendering import json_text

if TYPE_CHECKING:
    import chainproof.fileio
    import chainproof.formats.audit_policy
    import chainproof.report.baseline
    import chainproof.report.outputs
    import chainproof.report.run

__all__ = ["command"]


def _since(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise UsageError(f"--since must be a date (YYYY-MM-DD), not {value!r}.") from None


def command(
    project_dir: Annotated[
        Path, typer.Argument(help="The project, in a git repository (default: here).")
    ] = Path("."),
    lock: Annotated[
        list[str] | None,
        typer.Option(
            help="A lock file, relative to the project (repeatable; default: uv.lock, "
            "pylock*.toml, requirements*.txt). Glob patterns allowed."
        ),
    ] = None,
    since: Annotated[
        str | None, typer.Option(help="Report from this date on (YYYY-MM-DD).")
    ] = None,
    output_format: Annotated[
        str, typer.Option("--format", help="html, markdown or json.")
    ] = "html",
    output: Annotated[Path | None, typer.Option("-o", "--output", help="Output file.")] = None,
    json_output: Annotated[
        Path | None,
        typer.Option(
            "--json-output",
            help="Also write the report's JSON to this file (the next run's --baseline).",
            dir_okay=False,
        ),
    ] = None,
    sbom: Annotated[
        list[Path] | None,
        typer.Option(
            help="The SBOM of a released version, audited as it is today (repeatable).",
            dir_okay=False,
        ),
    ] = None,
    baseline: Annotated[
        Path | None,
        typer.Option(
            help="An earlier report's JSON: list what is new since, and exit 1 when a new "
            "advisory is at or above the threshold or an exception expired.",
            dir_okay=False,
        ),
    ] = None,
    records: Annotated[
        Path | None,
        typer.Option(
            "--records",
            help="The remediation records of audit --fix, whose test results the fixes show "
            "(default: remediation.jsonl in PROJECT_DIR, if there is one).",
            dir_okay=False,
        ),
    ] = None,
    db: DbOption = None,
    policy: PolicyOption = None,
    fail_on: Annotated[
        str | None,
        typer.Option(
            envvar="CHAINPROOF_FAIL_ON",
            help="low, medium, high or critical, for --baseline (default: the policy's).",
        ),
    ] = None,
) -> None:
    """Report open advisories, mean time to fix and exceptions from the lock files' history."""
    with handle_errors():
        renderer = chainproof.report.outputs.report_format(output_format)
        if fail_on is not None:
            chainproof.formats.audit_policy.threshold(fail_on)
        request = chainproof.report.run.ReportRequest(
            project_dir,
            tuple(lock or ()),
            _since(since),
            db=db,
            policy=policy,
            fail_on=fail_on.lower() if fail_on else None,
            baseline=baseline,
            sboms=tuple(sbom or ()),
            records=records,
        )
        report = chainproof.report.run.make_report(request)
        text = renderer.render(report)
        if output is not None:
            chainproof.fileio.atomic_write_text(output, text)
            stderr_console().print(f"Wrote the {renderer.name} report to {output}.", markup=False)
        else:
            sys.stdout.write(text)
        if json_output is not None:
            chainproof.fileio.atomic_write_text(json_output, json_text(report.to_json()))
            stderr_console().print(f"Wrote the JSON report to {json_output}.", markup=False)
        for line in report.warnings:
            stderr_console().print(f"Warning: {line}", markup=False)
        failure = chainproof.report.baseline.failure(report)
        if failure is not None:
            raise FindingsOverThreshold(
                failure,
                hint="Upgrade, or add an exception with a reason, an approver and an expiry.",
            )
        if report.new is not None:
            stderr_console().print("Nothing new since the baseline.", markup=False)
