"""``chainproof build``: sdist and wheel in an ephemeral, isolated environment."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

import chainproof
from chainproof.cli.output import emit_json, handle_errors, reporter, stdout_console
from chainproof.config import key_password
from chainproof.errors import UsageError, VerificationFailed

if TYPE_CHECKING:
    import chainproof.build.project
    import chainproof.build.settings
    import chainproof.models
    import chainproof.signing.links

__all__ = [
    "AllowDirtyOption",
    "BuildLockOption",
    "CheckReproducibleOption",
    "InstallerOption",
    "command",
]

# The build options of `chainproof build` that `chainproof release` shares.
InstallerOption = Annotated[
    str | None,
    typer.Option(
        metavar="auto|uv|pip",
        help="Installer for the build environment; auto: uv if found, else pip "
        "(default: $CHAINPROOF_INSTALLER, then \\[tool.chainproof.build], then auto).",
    ),
]
BuildLockOption = Annotated[
    Path | None,
    typer.Option(
        "--build-lock",
        help="Install the build environment from this hash-pinned requirements file or "
        "pylock.toml, resolving nothing (default: $CHAINPROOF_BUILD_LOCK, then build-lock in "
        "\\[tool.chainproof.build]; `chainproof lock-build` writes one).",
    ),
]
CheckReproducibleOption = Annotated[
    bool,
    typer.Option(
        "--check-reproducible",
        metavar="",
        help="Build twice in fresh environments and compare the artifacts.",
    ),
]
AllowDirtyOption = Annotated[
    bool,
    typer.Option(
        "--allow-dirty",
        metavar="",
        help="Build a working tree with uncommitted changes (recorded).",
    ),
]


def command(
    project_dir: Annotated[Path, typer.Argument(help="The git checkout to build.")] = Path("."),
    output: Annotated[
        Path | None,
        typer.Option("-o", "--output", help="Output directory (default: PROJECT_DIR/dist)."),
    ] = None,
    installer: InstallerOption = None,
    build_lock: BuildLockOption = None,
    check_reproducible: CheckReproducibleOption = False,
    allow_dirty: AllowDirtyOption = False,
    link: Annotated[
        bool,
        typer.Option(
            "--link",
            metavar="",
            help="Record a signed in-toto link for the build step (needs --key): materials "
            "the git-tracked files, products the artifacts.",
        ),
    ] = False,
    key: Annotated[
        Path | None,
        typer.Option(help="Private key signing the link (password: $CHAINPROOF_KEY_PASSWORD)."),
    ] = None,
    links: Annotated[
        Path | None,
        typer.Option(help="Directory the link build.KEYID8.link goes to (default: the output)."),
    ] = None,
    json_output: Annotated[
        bool, typer.Option("--json", metavar="", help="Print a JSON summary.")
    ] = False,
) -> None:
    """Build sdist and wheel reproducibly and write build-record.json."""
    with handle_errors():
        if link != (key is not None):
            raise UsageError("--link and --key go together: --link --key builder.key.")
        if links is not None and not link:
            raise UsageError("--links belongs to --link (the directory of the build's link).")
        options = chainproof.build.project.BuildOptions(
            project_dir=project_dir,
            output_dir=output if output is not None else project_dir / "dist",
            installer=chainproof.build.settings.installer_setting(installer, project_dir),
            check_reproducible=check_reproducible,
            allow_dirty=allow_dirty,
            build_lock=chainproof.build.settings.build_lock_setting(build_lock, project_dir),
        )
        link_dir = links if links is not None else options.output_dir
        finish_link = None
        if key is not None:  # everything the link needs is checked before the build runs
            if links is not None:
                chainproof.signing.links.prepare_link_dir(links)
            finish_link = chainproof.signing.links.start_build_link(
                project_dir, key, key_password()
            )
        with reporter(json_output) as progress:
            outcome = chainproof.build.project.build_project(options, progress)
        record = outcome.record
        link_path = None
        if finish_link is not None and not outcome.differences:
            command = ["chainproof", "build", str(project_dir), "-o", str(options.output_dir)]
            command += ["--allow-dirty"] if allow_dirty else []
            command += ["--link", "--key", str(key), "--links", str(link_dir)]
            link_path = finish_link(outcome.artifact_paths, link_dir, command)
        if json_output:
            summary: dict[str, Any] = {
                "project": {"name": record.project_name, "version": record.project_version},
                "artifacts": [
                    a.to_json()
                    for a in sorted(record.artifacts, key=chainproof.models.Artifact.sort_key)
                ],
                "build_record": str(outcome.record_path) if not outcome.differences else None,
                "output_dir": str(outcome.record_path.parent),
                "source_date_epoch": record.source_date_epoch,
                "installer": record.tools.installer,
                "build_environment": len(record.build_environment),
                "build_lock": record.build_lock.to_json() if record.build_lock else None,
                "reproducible": outcome.reproducible,
                "differences": [d.to_json() for d in outcome.differences],
                "link": str(link_path) if link_path is not None else None,
            }
            emit_json(summary)
        if outcome.differences:
            first = outcome.differences[0]
            raise VerificationFailed(
                f"The build is not reproducible: {first.sentence()}.",
                hint="Nothing was written. Look for timestamps, random or unordered content in "
                "the backend's output; the record's SOURCE_DATE_EPOCH was "
                f"{record.source_date_epoch}.",
            )
        if not json_output:
            console = stdout_console()
            count = len(record.build_environment)
            for artifact, path in zip(
                sorted(record.artifacts, key=chainproof.models.Artifact.sort_key),
                outcome.artifact_paths,
                strict=True,
            ):
                console.print(f"{path}  sha256:{artifact.sha256}", markup=False)
            origin = f", from {record.build_lock.path}" if record.build_lock else ""
            console.print(
                f"{outcome.record_path}  ({count} package{'' if count == 1 else 's'} "
                f"in the build environment, installer {record.tools.installer}{origin})",
                markup=False,
            )
            if link_path is not None:
                console.print(f"{link_path}  (in-toto link of the build step)", markup=False)
            if outcome.reproducible:
                console.print("Reproducible: two builds in fresh environments are identical.")
