"""``chainproof sbom``: CycloneDX or SPDX with a hash of every dependency."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

import chainproof
from chainproof.cli.output import emit, handle_errors, reporter, stderr_console
from chainproof.errors import UsageError
from chainproof.rendering import JsonFormat

if TYPE_CHECKING:
    import chainproof.sbom.make
    import chainproof.sbom.target

__all__ = ["command"]

_TARGET = "TargetPlatform"
_INDEX = "Package index (for resolution)"


def command(
    dist: Annotated[
        Path | None,
        typer.Option(help="A dist directory from `chainproof build` (the default: ./dist)."),
    ] = None,
    pylock: Annotated[Path | None, typer.Option(help="A PEP 751 pylock.toml.")] = None,
    uv_lock: Annotated[Path | None, typer.Option(help="A uv.lock file.")] = None,
    requirements: Annotated[
        Path | None, typer.Option(help="A hash-pinned requirements file.")
    ] = None,
    env: Annotated[
        str | None,
        typer.Option(
            help="The Python interpreter (or venv directory) of an installed environment."
        ),
    ] = None,
    lock: Annotated[
        Path | None,
        typer.Option(
            help="--dist: the lock the runtime closure comes from (default: "
            "$CHAINPROOF_SBOM_LOCK, then lock in \\[sbom], then uv.lock, else pylock.toml, "
            "beside ./pyproject.toml).",
        ),
    ] = None,
    no_lock: Annotated[
        bool,
        typer.Option(
            "--no-lock", help="--dist: resolve the runtime closure with pip, not from a lock."
        ),
    ] = False,
    output: Annotated[
        Path | None,
        typer.Option(
            "-o",
            "--output",
            help="Output file; '-' for stdout (default: sbom.cdx.json, or sbom.spdx.json for "
            "spdx-json; in DIR with --dist).",
        ),
    ] = None,
    output_format: Annotated[
        str | None,
        typer.Option("--format", help="json or xml (CycloneDX), or spdx-json (default json)."),
    ] = None,
    spec_version: Annotated[
        str | None,
        typer.Option(
            help="CycloneDX 1.5, 1.6 or 1.7 (default 1.6); SPDX 2.3 or 3.0.1 (default 2.3)."
        ),
    ] = None,
    python_version: Annotated[
        str | None,
        typer.Option(
            help="Evaluate markers and pick files for this Python (e.g. 3.12).",
            rich_help_panel=_TARGET,
        ),
    ] = None,
    platform: Annotated[
        list[str] | None,
        typer.Option(
            help="Wheel platform tag of the target (repeatable), e.g. manylinux_2_28_x86_64.",
            rich_help_panel=_TARGET,
        ),
    ] = None,
    extra: Annotated[
        list[str] | None,
        typer.Option(
            help="An extra of the project to include (repeatable; --dist, --pylock, --uv-lock).",
            rich_help_panel=_TARGET,
        ),
    ] = None,
    group: Annotated[
        list[str] | None,
        typer.Option(
            help="A dependency group to include (repeatable; --pylock, --uv-lock).",
            rich_help_panel=_TARGET,
        ),
    ] = None,
    index_url: Annotated[
        str | None, typer.Option(help="Base URL of the package index.", rich_help_panel=_INDEX)
    ] = None,
    extra_index_url: Annotated[
        list[str] | None, typer.Option(help="Another index (repeatable).", rich_help_panel=_INDEX)
    ] = None,
    find_links: Annotated[
        list[str] | None,
        typer.Option(
            help="A directory or page of distributions (repeatable).", rich_help_panel=_INDEX
        ),
    ] = None,
    no_index: Annotated[
        bool,
        typer.Option(
            "--no-index", help="Ignore the index; use --find-links only.", rich_help_panel=_INDEX
        ),
    ] = False,
    offline: Annotated[
        bool,
        typer.Option(
            "--offline",
            help="Never contact an index: requirements keep every listed hash, locks without "
            "recorded edges get no graph, --dist resolves from --find-links only.",
        ),
    ] = False,
    allow_missing_hashes: Annotated[
        bool,
        typer.Option(
            "--allow-missing-hashes",
            help="Warn about components without a sha256 and mark them, instead of failing.",
        ),
    ] = False,
    allow_modified: Annotated[
        bool,
        typer.Option(
            "--allow-modified",
            help="--env: record installed files that do not match RECORD instead of failing.",
        ),
    ] = False,
    with_metadata: Annotated[
        bool,
        typer.Option(
            "--with-metadata",
            help="--pylock, --uv-lock, --dist from a lock: read each package's metadata from "
            "the index for licences, which lock files do not carry.",
        ),
    ] = False,
    json_output: Annotated[bool, typer.Option("--json", help="Print a JSON summary.")] = False,
) -> None:
    """Write a CycloneDX or SPDX SBOM from a build, a lock file or an environment."""
    with handle_errors():
        output_format = str(chainproof.sbom.make.setting("format", output_format))
        spec_version = str(
            chainproof.sbom.make.setting("spec-version", spec_version)
            or chainproof.sbom.make.default_spec_version(output_format)
        )
        target_python = chainproof.sbom.make.setting("python-version", python_version)
        target_platforms = chainproof.sbom.make.setting("platform", platform)
        request = chainproof.sbom.make.SbomRequest(
            dist=dist,
            pylock=pylock,
            uv_lock=uv_lock,
            requirements=requirements,
            env=env,
            extras=tuple(extra or ()),
            groups=tuple(group or ()),
            offline=offline,
            allow_modified=allow_modified,
            with_metadata=with_metadata,
            index_args=chainproof.sbom.make.index_arguments(
                index_url, extra_index_url or (), find_links or (), no_index
            ),
            target=chainproof.sbom.target.TargetPlatform.for_python(
                target_python if isinstance(target_python, str) else None,
                target_platforms if isinstance(target_platforms, list) else (),
            ),
            lock=lock,
            no_lock=no_lock,
        )
        source = request.source()  # a wrong combination of inputs and options is said first
        if json_output and output is not None and str(output) == "-":
            raise UsageError("--json and -o - both write to stdout; give -o a file name.")
        with reporter(json_output) as progress:
            written = chainproof.sbom.make.write_sbom(
                request, spec_version, output_format, allow_missing_hashes, output, progress, source
            )
        if written.output is None:
            sys.stdout.write(written.rendered.text)
        if json_output:
            emit(JsonFormat(), written)
            return
        console = stderr_console()
        for warning in written.warnings:
            console.print(f"Warning: {warning}", markup=False, style="yellow")
        if written.output is not None:
            console.print(written.summary(), markup=False)
