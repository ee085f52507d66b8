"""``chainproof audit``: dependencies against offline vulnerability advisories."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

import chainproof
from chainproof.cli.options import DbOption, PolicyOption
from chainproof.cli.output import handle_errors, reporter, stderr_console, stdout_width
from chainproof.errors import FindingsOverThreshold, UsageError

if TYPE_CHECKING:
    import chainproof.audit.fix.run
    import chainproof.audit.fix.summary
    import chainproof.audit.formats
    import chainproof.audit.formats.table
    import chainproof.audit.run
    import chainproof.fileio
    import chainproof.formats.audit_policy

__all__ = ["command"]


def command(
    sbom: Annotated[
        Path | None, typer.Option(help="A CycloneDX JSON or SPDX 2.3 JSON SBOM.")
    ] = None,
    pylock: Annotated[Path | None, typer.Option(help="A PEP 751 pylock.toml.")] = None,
    uv_lock: Annotated[Path | None, typer.Option(help="A uv.lock.")] = None,
    requirements: Annotated[
        Path | None, typer.Option(help="A hash-pinned requirements file.")
    ] = None,
    env: Annotated[
        str | None,
        typer.Option(help="The Python interpreter (or venv directory) of an environment."),
    ] = None,
    db: DbOption = None,
    policy: PolicyOption = None,
    fail_on: Annotated[
        str | None,
        typer.Option(
            envvar="CHAINPROOF_FAIL_ON",
            help="low, medium, high or critical (default: the policy's, else low).",
        ),
    ] = None,
    output_format: Annotated[
        str, typer.Option("--format", help="table, json, cyclonedx, sarif or markdown.")
    ] = "table",
    output: Annotated[Path | None, typer.Option("-o", "--output", help="Output file.")] = None,
    db_max_age: Annotated[
        int | None,
        typer.Option(
            help="Maximum age of the advisory data in days (default: the policy's, else 30).", min=0
        ),
    ] = None,
    ignore_stale: Annotated[
        bool,
        typer.Option(
            "--ignore-stale", help="Only warn when the advisory data is older than the maximum age."
        ),
    ] = False,
    checks: Annotated[
        str | None,
        typer.Option(
            help="Comma-separated checks to run: vulnerabilities, malicious, pins, hashes, "
            "sources, typosquats, status, age, licenses, content (default: the policy's, else "
            "every one that applies but content, which downloads every locked file)."
        ),
    ] = None,
    offline: Annotated[
        bool | None,
        typer.Option(
            "--offline/--online",
            help="Ask no package index: checks that need one report what they could not "
            "check (default: CHAINPROOF_OFFLINE, else online).",
        ),
    ] = None,
    verify_files: Annotated[
        bool,
        typer.Option(
            "--verify-files",
            help="Download and hash the locked files whose sha256 the index does not publish.",
        ),
    ] = False,
    popular_names: Annotated[
        Path | None,
        typer.Option(
            "--popular-names",
            help="A file of popular package names, one a line, instead of the bundled list "
            "(typosquats).",
            dir_okay=False,
        ),
    ] = None,
    extra_popular_names: Annotated[
        Path | None,
        typer.Option(
            "--extra-popular-names",
            help="A file of more names to guard against look-alikes, such as your internal "
            "packages' (typosquats).",
            dir_okay=False,
        ),
    ] = None,
    fix: Annotated[
        bool,
        typer.Option(
            "--fix",
            help="Upgrade the lock (--uv-lock, --pylock or --requirements) to close the "
            "vulnerabilities found, with fresh hashes checked against the files; keep it only "
            "if the tests pass; append a remediation record.",
        ),
    ] = False,
    test_command: Annotated[
        str | None,
        typer.Option(
            "--test-command",
            help="With --fix: the shell command that runs the project's tests, in a clean "
            "environment installed from the new lock (default: \\[audit.fix] test-command).",
        ),
    ] = None,
    branch: Annotated[
        str | None,
        typer.Option("--branch", help="With --fix: commit the lock change to this new git branch."),
    ] = None,
    dry_run: Annotated[
        bool,
        typer.Option(
            "--dry-run", help="With --fix: show the plan and the lock diff; change nothing."
        ),
    ] = False,
    record: Annotated[
        Path | None,
        typer.Option(
            "--record",
            help="With --fix: the remediation record file to append to (default: "
            "\\[audit.fix] record, else remediation.jsonl beside the lock).",
            dir_okay=False,
        ),
    ] = None,
) -> None:
    """Audit dependencies: vulnerabilities, malicious packages, pins, hashes, sources and more."""
    with handle_errors():
        given = [
            (kind, value)
            for kind, value in (
                ("sbom", sbom),
                ("pylock", pylock),
                ("uv-lock", uv_lock),
                ("requirements", requirements),
                ("env", env),
            )
            if value is not None
        ]
        if len(given) != 1:
            raise UsageError(
                "Give exactly one of --sbom, --pylock, --uv-lock, --requirements or --env."
            )
        chosen = (
            chainproof.formats.audit_policy.parse_checks(checks, "--checks") if checks else None
        )
        if not fix and (dry_run or (test_command, branch, record) != (None, None, None)):
            raise UsageError("--test-command, --branch, --dry-run and --record go with --fix.")
        request = chainproof.audit.run.AuditRequest(
            *given[0],
            db=db,
            policy=policy,
            fail_on=fail_on,
            max_db_age=db_max_age,
            ignore_stale=ignore_stale,
            checks=chosen,
            offline=offline,
            verify_files=verify_files,
            popular_names=popular_names,
            extra_popular_names=extra_popular_names,
        )
        quiet = output_format != "table" and output is None
        if fix:
            if output_format not in ("table", "json", "markdown"):
                raise UsageError("--fix writes its record as table, json or markdown only.")
            _fix(request, test_command, branch, dry_run, record, output_format, output, quiet)
            return
        renderer = chainproof.audit.formats.get_format(output_format)
        width = stdout_width()
        if output_format == "table" and output is None and width is not None:
            renderer = chainproof.audit.formats.table.TableFormat(width=width)
        with reporter(quiet) as progress:
            run = chainproof.audit.run.audit(request, progress)
        report = run.report
        text = renderer.render(run)
        console = stderr_console()
        if output is not None:
            chainproof.fileio.atomic_write_text(output, text)
            console.print(f"Wrote {output_format} report to {output}.", markup=False)
        else:
            sys.stdout.write(text)
        if output_format != "table" or output is not None:
            for line in report.warnings:
                console.print(f"Warning: {line}", markup=False)
        run.raise_if_failed(
            "Upgrade as proposed, or add an exception with a reason, an approver and an "
            "expiry date to the policy."
        )


def _fix(
    request: chainproof.audit.run.AuditRequest,
    test_command: str | None,
    branch: str | None,
    dry_run: bool,
    record: Path | None,
    output_format: str,
    output: Path | None,
    quiet: bool,
) -> None:
    fix_request = chainproof.audit.fix.run.FixRequest(
        request, test_command=test_command, dry_run=dry_run, branch=branch, record=record
    )
    with reporter(quiet) as progress:
        result = chainproof.audit.fix.run.fix(fix_request, progress)
    if output_format == "json":
        text = chainproof.fileio.canonical_json(result.record)
    else:
        text = chainproof.audit.fix.summary.render_markdown(result.record)
    console = stderr_console()
    for line in result.before.report.warnings:
        console.print(f"Warning: {line}", markup=False)
    if output is not None:
        chainproof.fileio.atomic_write_text(output, text)
        console.print(f"Wrote the remediation record to {output}.", markup=False)
    else:
        sys.stdout.write(text)
    if result.record_path is not None:
        console.print(f"Appended the remediation record to {result.record_path}.", markup=False)
    if result.exit_code:
        raise FindingsOverThreshold(
            chainproof.audit.fix.summary.failure_sentence(result.record),
            hint="See the record for what stays open and why.",
        )
