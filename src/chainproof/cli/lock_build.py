"""``chainproof lock-build``: a hash-pinned lock of the project's build environment."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

import chainproof
from chainproof.cli.build import InstallerOption
from chainproof.cli.output import emit_json, handle_errors, reporter, stdout_console

if TYPE_CHECKING:
    import chainproof.build.project
    import chainproof.build.settings

__all__ = ["command"]


def command(
    output: Annotated[
        Path, typer.Option("-o", "--output", help="The lock file to write (requirements format).")
    ],
    project_dir: Annotated[Path, typer.Argument(help="The git checkout to lock.")] = Path("."),
    installer: InstallerOption = None,
    json_output: Annotated[
        bool, typer.Option("--json", metavar="", help="Print a JSON summary.")
    ] = False,
) -> None:
    """Write a hash-pinned lock of the build environment for --build-lock.

    The backend's requirements plus what get_requires_for_build_sdist and _wheel add, resolved
    once, with the sha256 of the exact wheel of each.
    """
    with handle_errors():
        choice = chainproof.build.settings.installer_setting(installer, project_dir)
        with reporter(json_output) as progress:
            lock = chainproof.build.project.lock_build_environment(
                project_dir, output, choice, progress
            )
        if json_output:
            emit_json(
                {
                    "lock": str(output),
                    "sha256": lock.sha256,
                    "pins": [{"name": p.name, "version": p.version} for p in lock.pins],
                }
            )
            return
        pins = ", ".join(f"{p.name} {p.version}" for p in lock.pins)
        stdout_console().print(f"{output}  ({len(lock.pins)} pins: {pins})", markup=False)
